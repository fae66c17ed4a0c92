import { randomBytes } from 'node:crypto';
import { Controller, Get, Param, Query, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AnalyticsService } from '#libs/analytics/index.js';
import { AdvocatesService } from '#libs/advocates/index.js';
import { Public } from '../common/auth.js';
import { pageHeaders } from '../pages/layout.js';
import { HtmlErrorFilter } from '../pages/html-error.filter.js';
import { linkRefusedPage, renderDashboard } from './dashboard.view.js';

const LEADERS = 10;

/** The marketer's dashboard: a public page behind a signed, expiring link (createDashboardLink). */
@Public()
@Controller('dashboard')
export class DashboardController {
  constructor(
    private readonly analytics: AnalyticsService,
    private readonly advocates: AdvocatesService,
  ) {}

  @Get(':campaignId')
  @UseFilters(HtmlErrorFilter)
  async page(
    @Param('campaignId') campaignId: string,
    @Query('exp') exp: string | undefined,
    @Query('sig') sig: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const nonce = randomBytes(12).toString('base64');
    const { verdict, tenantId } = await this.analytics.verifyDashboardLink(campaignId, exp, sig);
    if (verdict !== 'valid' || !tenantId) {
      reply
        .code(403)
        .headers(pageHeaders(nonce))
        .send(linkRefusedPage(nonce, verdict === 'expired'));
      return;
    }
    const [campaign, stats, cycle, channels, leaders] = await Promise.all([
      this.analytics.campaign(tenantId, campaignId),
      this.analytics.stats(tenantId, campaignId),
      this.analytics.cycle(tenantId, campaignId),
      this.analytics.channelReport(tenantId, campaignId),
      this.analytics.leaderboard(tenantId, campaignId, LEADERS),
    ]);
    const ids = leaders.map((l) => l.advocateId);
    const [advocates, imot] = await Promise.all([this.advocates.getMany(tenantId, ids), this.analytics.imot(tenantId, ids)]);
    const byId = new Map(advocates.map((a) => [a.id, a]));
    const rows = leaders.map((l) => ({
      ...l,
      code: byId.get(l.advocateId)?.code ?? '?',
      generation: byId.get(l.advocateId)?.generation ?? 0,
      imot: imot.get(l.advocateId)!,
    }));
    reply
      .headers(pageHeaders(nonce))
      .send(renderDashboard({ campaign, stats, cycle, channels, leaders: rows, generatedAt: new Date() }, nonce));
  }
}
