import { randomBytes, randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { VISITOR_COOKIE, VISITOR_IN_COOKIE } from '#libs/links/index.js';
import { SharePageService } from '#libs/portal/index.js';
import { Public } from '../common/auth.js';
import { pageHeaders } from '../pages/layout.js';
import { HtmlErrorFilter } from '../pages/html-error.filter.js';
import { renderSharePage } from './share-page.view.js';

/** The advocate's share page, and the shares its buttons record. */
@Public()
@Controller('a')
export class SharePageController {
  constructor(private readonly pages: SharePageService) {}

  @Get(':token')
  @UseFilters(HtmlErrorFilter)
  async page(@Param('token') token: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // The same first-party visitor cookie as the redirect: a later click from this browser is the advocate's own.
    const cookie = req.headers.cookie ? VISITOR_IN_COOKIE.exec(req.headers.cookie)?.[1] : undefined;
    const visitorId = cookie ?? randomUUID();
    const page = await this.pages.page(token, { visitorId, ip: req.ip ?? null, userAgent: req.headers['user-agent'] });
    const nonce = randomBytes(12).toString('base64');
    const secure = req.protocol === 'https';
    reply
      .headers(pageHeaders(nonce))
      .header('set-cookie', `${VISITOR_COOKIE}=${visitorId}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`)
      .send(renderSharePage(page, token, nonce));
  }

  @Post(':token/share')
  @HttpCode(202)
  async share(@Param('token') token: string, @Body() body: unknown): Promise<{ recorded: true }> {
    await this.pages.recordShare(token, body);
    return { recorded: true };
  }
}
