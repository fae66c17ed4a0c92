import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from './app-config.js';

/** Structured JSON logs with a request id (taken from `x-request-id` when the caller sends one). */
export function loggerParams(config: AppConfig, name: string): Params {
  return {
    // The redirect is the hot path and never logs a line: skipping the middleware saves a request id
    // and a child logger per click (measured in BENCHMARKS.md). Errors there still reach Nest's logger.
    exclude: [
      { path: 'r/*path', method: RequestMethod.GET },
      { path: 'r/*path', method: RequestMethod.HEAD },
    ],
    pinoHttp: {
      name,
      level: config.log.level,
      genReqId: (req: IncomingMessage) => {
        const given = req.headers['x-request-id'];
        return typeof given === 'string' && given.length <= 128 ? given : randomUUID();
      },
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', 'req.headers["stripe-signature"]'],
      // Redirects, health and metrics are too frequent to log one line each; errors still log.
      autoLogging: {
        ignore: (req: IncomingMessage) => {
          const url = req.url ?? '';
          return url.startsWith('/r/') || url === '/healthz' || url === '/readyz' || url === '/metrics';
        },
      },
      customProps: () => ({}),
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
  };
}
