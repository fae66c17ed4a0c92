import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { Logger } from 'nestjs-pino';
import { exitAfterShutdown, loadConfigOrExit, type AppConfig } from '#libs/config/index.js';
import { countStatements, runMigrations } from '#libs/database/index.js';
import { AppModule } from './app.module.js';
import { MetricsService } from './ops/metrics.service.js';
import { refuseUnsafeInput } from './common/input-guard.js';
import { clientErrorHandler } from './common/client-error.js';
import { registerRateLimits } from './common/rate-limit.js';

/** Node's own limit, stated: larger headers are answered 431 before a request exists. */
const MAX_HEADER_BYTES = 16 * 1024;

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  if (config.database.migrationsRun) await runMigrations(config);

  const adapter = new FastifyAdapter({
    // Unset, X-Forwarded-For is ignored: a client cannot choose the address the fraud signals see.
    trustProxy: trustProxyOption(config.http.trustProxy),
    bodyLimit: 5 * 1024 * 1024,
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    requestIdHeader: false,
    clientErrorHandler,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { bufferLogs: true, rawBody: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  exitAfterShutdown(app, config.shutdownTimeoutMs);

  const fastify = app.getHttpAdapter().getInstance();
  // Before Nest adds its routes: the limiter attaches itself to each route as it is added.
  await registerRateLimits(fastify, config);
  refuseUnsafeInput(fastify);
  observeDurations(fastify, app.get(MetricsService));
  if (config.env === 'test') countStatementsPerRequest(fastify);

  await app.listen(config.http.port, config.http.host);
  const address = fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  app.get(Logger).log(`API listening on http://${config.http.host}:${port} (GraphQL at /graphql)`, 'Bootstrap');
  warnAboutOpenMetrics(app, config);
  // A machine-readable line for launchers and tests that start the API on port 0.
  if (process.send) process.send({ type: 'listening', port });
}

/**
 * TRUST_PROXY for Fastify. A hop count trusts that many proxies nearest to us, as Express and
 * proxy-addr do (Fastify alone would trust none for a bare number); addresses and CIDRs trust
 * exactly those peers, which also holds when a client reaches the API without the proxy.
 */
export function trustProxyOption(trust: AppConfig['http']['trustProxy']): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust;
}

function observeDurations(fastify: FastifyInstance, metrics: MetricsService): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    // Redirects have their own histogram (truthloop_redirect_duration_seconds); a second one per click
    // costs the hot path measurably (BENCHMARKS.md). A callback hook: no promise per request.
    if (!route?.startsWith('/r/')) {
      metrics.httpDuration.observe(
        { method: request.method, route: route ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    }
    done();
  });
}

/**
 * Tests read how many SQL statements a request sent (x-sql-statements); counted from the handler
 * on, after the body is parsed, so the count follows the request's async context.
 */
function countStatementsPerRequest(fastify: FastifyInstance): void {
  const counters = new WeakMap<object, { count: number }>();
  fastify.addHook('preHandler', (request, _reply, done) => {
    const counter = { count: 0 };
    counters.set(request, counter);
    countStatements(counter, done);
  });
  fastify.addHook('onSend', async (request, reply) => {
    const counter = counters.get(request);
    if (counter) reply.header('x-sql-statements', String(counter.count));
  });
}

function warnAboutOpenMetrics(app: NestFastifyApplication, config: AppConfig): void {
  if (config.env === 'production' && !config.metrics.token && !config.metrics.port) {
    app.get(Logger).warn('GET /metrics is public: set METRICS_TOKEN or METRICS_PORT to close it', 'Bootstrap');
  }
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
