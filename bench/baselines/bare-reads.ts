import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Fastify from 'fastify';
import { ConfigModule, loadConfigOrExit } from '#libs/config/index.js';
import { DatabaseModule } from '#libs/database/index.js';
import { QueueModule, RedisModule } from '#libs/queue/index.js';
import { OutboxModule } from '#libs/outbox/index.js';
import { TenantsModule, TenantsService } from '#libs/tenants/index.js';
import { CampaignsModule, CampaignsService } from '#libs/campaigns/index.js';
import { LedgerModule } from '#libs/ledger/index.js';
import { RewardsModule, RewardsService } from '#libs/rewards/index.js';
import { ReferralsModule, ReferralsService } from '#libs/referrals/index.js';
import { AdvocatesModule, AdvocatesService } from '#libs/advocates/index.js';
import { AnalyticsModule, AnalyticsService } from '#libs/analytics/index.js';

/**
 * The yardstick of the marketer-read benchmark: bare Fastify routes answering the same JSON as
 * the GraphQL queries, from the same service calls (API key check included), without Nest's
 * HTTP layer or Apollo. Named like the benchmark's reads so more can be added by name.
 */
const config = loadConfigOrExit();

@Module({
  imports: [
    ConfigModule.forRoot(config),
    DatabaseModule,
    RedisModule,
    QueueModule,
    OutboxModule,
    TenantsModule,
    CampaignsModule,
    LedgerModule,
    RewardsModule,
    ReferralsModule,
    AdvocatesModule,
    AnalyticsModule,
  ],
})
class BareReadsModule {}

const nest = await NestFactory.createApplicationContext(BareReadsModule, { logger: ['error'] });
const tenants = nest.get(TenantsService);
const campaigns = nest.get(CampaignsService);
const advocates = nest.get(AdvocatesService);
const rewards = nest.get(RewardsService);
const referrals = nest.get(ReferralsService);
const analytics = nest.get(AnalyticsService);

type Read = (tenantId: string, q: Record<string, string>) => Promise<unknown>;
const READS: Record<string, Read> = {
  async advocates(tenantId, q) {
    const page = await advocates.page(tenantId, q.campaignId!, 100);
    const [campaign, balances] = await Promise.all([
      campaigns.get(tenantId, q.campaignId!),
      rewards.balances(
        tenantId,
        page.items.map((a) => a.id),
      ),
    ]);
    const currency = campaign.advocateReward.currency;
    return {
      data: {
        advocates: {
          edges: page.items.map((a) => {
            const b = balances.get(a.id)?.find((x) => x.currency === currency);
            return {
              node: {
                id: a.id,
                code: a.code,
                links: advocates.links(a, campaign).map((l) => ({ url: l.url })),
                balance: { pending: b?.pending ?? 0 },
              },
            };
          }),
        },
      },
    };
  },
  async referrals(tenantId, q) {
    const page = await referrals.page(tenantId, q.campaignId!, undefined, 100);
    return {
      data: {
        referrals: {
          edges: page.items.map((r) => ({ node: { id: r.id, status: r.status, amount: r.amount, currency: r.currency } })),
        },
      },
    };
  },
  async campaignStats(tenantId, q) {
    const s = await analytics.stats(tenantId, q.campaignId!, {});
    return {
      data: {
        campaignStats: {
          clicks: s.clicks,
          humanClicks: s.humanClicks,
          shares: s.shares,
          signups: s.signups,
          conversions: s.conversions,
          advocates: s.advocates,
          kFactor: s.kFactor,
          shareRate: s.shareRate,
          conversionRate: s.conversionRate,
          cycleRestartRate: s.cycleRestartRate,
          promiseKeptRate: s.promiseKeptRate,
          revenue: s.revenue.map((m) => ({ amount: m.amount, currency: m.currency })),
          rewardCost: s.rewardCost.map((m) => ({ amount: m.amount, currency: m.currency })),
        },
      },
    };
  },
  async leaderboard(tenantId, q) {
    const rows = await analytics.leaderboard(tenantId, q.campaignId!, 100);
    const byId = new Map(
      (
        await advocates.getMany(
          tenantId,
          rows.map((r) => r.advocateId),
        )
      ).map((a) => [a.id, a]),
    );
    return {
      data: {
        leaderboard: rows.map((r, i) => ({
          rank: i + 1,
          conversions: r.conversions,
          humanClicks: r.humanClicks,
          shares: r.shares,
          advocate: { code: byId.get(r.advocateId)!.code },
        })),
      },
    };
  },
};

const app = Fastify({ logger: false });
app.get<{ Params: { name: string }; Querystring: Record<string, string> }>('/reads/:name', async (req, reply) => {
  const principal = await tenants.authenticate((req.headers.authorization ?? '').replace(/^Bearer /, ''));
  if (!principal) return reply.code(401).send({ error: 'unauthenticated' });
  const read = READS[req.params.name];
  if (!read) return reply.code(404).send({ error: 'no such read' });
  return read(principal.tenantId, req.query);
});
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.send?.({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
process.on('SIGTERM', () => void Promise.all([app.close(), nest.close()]).then(() => process.exit(0)));
