import { randomBytes } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Param, Post, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { SharePageService } from '#libs/links/index.js';
import { Public } from '../common/auth.js';
import { pageHeaders } from './html.js';
import { HtmlErrorFilter } from './html-error.filter.js';
import { renderSharePage } from './share-page.view.js';

/** The advocate's share page, and the shares its buttons record. */
@Public()
@Controller('a')
export class SharePageController {
  constructor(private readonly pages: SharePageService) {}

  @Get(':token')
  @UseFilters(HtmlErrorFilter)
  async page(@Param('token') token: string, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.pages.page(token);
    const nonce = randomBytes(12).toString('base64');
    reply.headers(pageHeaders(nonce)).send(renderSharePage(page, token, nonce));
  }

  @Post(':token/share')
  @HttpCode(202)
  async share(@Param('token') token: string, @Body() body: unknown): Promise<{ recorded: true }> {
    await this.pages.recordShare(token, body);
    return { recorded: true };
  }
}
