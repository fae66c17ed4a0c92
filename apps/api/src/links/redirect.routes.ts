import { randomBytes } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RedirectService, type RedirectOutcome } from '#libs/links/index.js';
import { notFoundPage, pageHeaders, tooManyPage } from '../pages/layout.js';
import { ClickLimiter } from './click-limiter.js';
import { LinksMetrics } from './links.metrics.js';

type RedirectRequest = FastifyRequest<{ Params: { code: string; channel?: string } }>;

/**
 * `GET /r/:code[/:channel]`: a 302 to the campaign's destination; HEAD is answered alike.
 * Public, and the one hot path: registered on Fastify directly rather than as a Nest
 * controller, so a redirect skips the guard, interceptor and parameter machinery it has no use
 * for (see BENCHMARKS.md).
 */
@Injectable()
export class RedirectRoutes implements OnModuleInit {
  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly redirects: RedirectService,
    private readonly metrics: LinksMetrics,
    private readonly limiter: ClickLimiter,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapter.httpAdapter.getInstance<FastifyInstance>();
    const handler = (req: RedirectRequest, reply: FastifyReply) => this.handle(req, reply);
    // Not counted in Redis (a round trip per click); limited in process below.
    const options = { config: { rateLimit: false } } as const;
    fastify.get('/r/:code', options, handler);
    fastify.get('/r/:code/:channel', options, handler);
  }

  private handle(req: RedirectRequest, reply: FastifyReply): Promise<void> | void {
    const retryAfter = this.limiter.retryAfter(req.ip);
    if (retryAfter !== undefined) return this.tooMany(reply, retryAfter);
    const outcome = this.redirects.redirect({
      code: req.params.code,
      channel: req.params.channel,
      head: req.method === 'HEAD',
      cookie: req.headers.cookie,
      userAgent: req.headers['user-agent'],
      referer: req.headers.referer,
      ip: req.ip,
      secure: req.protocol === 'https',
    });
    // Warm codes resolve synchronously: no promise, no extra tick.
    return outcome instanceof Promise ? outcome.then((o) => this.send(o, reply)) : this.send(outcome, reply);
  }

  /** 429: the click is not recorded. */
  private tooMany(reply: FastifyReply, retryAfter: number): void {
    const nonce = randomBytes(12).toString('base64');
    reply
      .code(429)
      .headers({ ...pageHeaders(nonce), 'retry-after': String(retryAfter), 'x-ratelimit-limit': String(this.limiter.limit) })
      .send(tooManyPage(nonce));
  }

  private send(outcome: RedirectOutcome, reply: FastifyReply): void {
    if (outcome.status === 404) {
      const nonce = randomBytes(12).toString('base64');
      reply.code(404).headers(pageHeaders(nonce)).send(notFoundPage(nonce));
    } else {
      reply.code(302).headers({ location: outcome.location, 'set-cookie': outcome.setCookie, 'cache-control': 'no-store' }).send();
    }
    this.metrics.redirectDuration.observe(reply.elapsedTime / 1000);
  }
}
