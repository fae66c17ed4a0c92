import { randomBytes } from 'node:crypto';
import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RedirectService, type RedirectOutcome } from '#libs/links/index.js';
import { Public } from '../common/auth.js';
import { notFoundPage, pageHeaders } from './html.js';
import { LinksMetrics } from './links.metrics.js';

/** `GET /r/:code[/:channel]`: a 302 to the campaign's destination. HEAD is answered alike. */
@Public()
@Controller('r')
export class RedirectController {
  constructor(
    private readonly redirects: RedirectService,
    private readonly metrics: LinksMetrics,
  ) {}

  @Get(':code')
  link(@Param('code') code: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> | void {
    return this.handle(code, undefined, req, reply);
  }

  @Get(':code/:channel')
  channelLink(
    @Param('code') code: string,
    @Param('channel') channel: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> | void {
    return this.handle(code, channel, req, reply);
  }

  private handle(code: string, channel: string | undefined, req: FastifyRequest, reply: FastifyReply): Promise<void> | void {
    const outcome = this.redirects.redirect({
      code,
      channel,
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

  private send(outcome: RedirectOutcome, reply: FastifyReply): void {
    if (outcome.status === 404) {
      const nonce = randomBytes(12).toString('base64');
      reply.code(404).headers(pageHeaders(nonce)).send(notFoundPage(nonce));
    } else {
      reply
        .code(302)
        .header('location', outcome.location)
        .header('set-cookie', outcome.setCookie)
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer-when-downgrade')
        .send();
    }
    this.metrics.redirectDuration.observe(reply.elapsedTime / 1000);
  }
}
