import { Args, Context, GraphQLISODateTime, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { AnalyticsService } from '#libs/analytics/index.js';
import type { Advocate as AdvocateRecord } from '#libs/advocates/index.js';
import { AdvocatesService } from '#libs/advocates/index.js';
import { TenantId } from '../common/auth.js';
import { Audited } from '../audit/audited.js';
import { pageComplexity } from '../graphql/connection.js';
import { Advocate } from '../advocates/advocate.model.js';
import { AnalyticsLoaders } from './analytics.loaders.js';
import { CampaignStats, ChannelResult, Cycle, DashboardLink, Imot, LeaderboardEntry } from './analytics.model.js';

@Resolver()
export class AnalyticsResolver {
  constructor(
    private readonly analytics: AnalyticsService,
    private readonly advocates: AdvocatesService,
  ) {}

  @Query(() => CampaignStats, { description: 'A campaign over a period (from included, to excluded; all time by default).' })
  campaignStats(
    @TenantId() tenantId: string,
    @Args('campaignId', { type: () => ID }) campaignId: string,
    @Args('from', { type: () => GraphQLISODateTime, nullable: true }) from?: Date | null,
    @Args('to', { type: () => GraphQLISODateTime, nullable: true }) to?: Date | null,
  ) {
    return this.analytics.stats(tenantId, campaignId, { from, to });
  }

  @Query(() => Cycle, { description: 'The word-of-mouth cycle (ZMOT → FMOT → SMOT → IMOT) and its generations.' })
  cycle(@TenantId() tenantId: string, @Args('campaignId', { type: () => ID }) campaignId: string) {
    return this.analytics.cycle(tenantId, campaignId);
  }

  @Query(() => [LeaderboardEntry], {
    complexity: pageComplexity,
    description: 'Advocates by conversions, then human clicks (first: 1-100, default 10).',
  })
  async leaderboard(
    @TenantId() tenantId: string,
    @Args('campaignId', { type: () => ID }) campaignId: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number | null,
  ): Promise<LeaderboardEntry[]> {
    const rows = await this.analytics.leaderboard(tenantId, campaignId, first);
    const advocates = new Map(
      (
        await this.advocates.getMany(
          tenantId,
          rows.map((r) => r.advocateId),
        )
      ).map((a) => [a.id, a]),
    );
    return rows.map((r, i) => ({ ...r, rank: i + 1, advocate: advocates.get(r.advocateId)! }));
  }

  @Query(() => [ChannelResult], {
    complexity: ({ childComplexity }) => 50 * Math.max(1, childComplexity) + 1,
    description: 'Per channel: shares, human clicks, conversions, next to the stated preference.',
  })
  channelReport(@TenantId() tenantId: string, @Args('campaignId', { type: () => ID }) campaignId: string) {
    return this.analytics.channelReport(tenantId, campaignId);
  }

  @Mutation(() => DashboardLink, {
    description: "A signed link to the campaign's dashboard page, valid 24 hours unless ttlMinutes says otherwise.",
  })
  @Audited('DASHBOARD_LINK_CREATED', ({ args, result }) => ({
    type: 'campaign',
    id: String(args.campaignId),
    details: { expiresAt: (result as { expiresAt: Date }).expiresAt.toISOString() },
  }))
  createDashboardLink(
    @TenantId() tenantId: string,
    @Args('campaignId', { type: () => ID }) campaignId: string,
    @Args('ttlMinutes', { type: () => Int, nullable: true }) ttlMinutes?: number | null,
  ) {
    return this.analytics.createDashboardLink(tenantId, campaignId, ttlMinutes);
  }
}

@Resolver(() => Advocate)
export class AdvocateImotResolver {
  constructor(private readonly loaders: AnalyticsLoaders) {}

  @ResolveField(() => Imot, { description: 'IMOT score: more than once, more than one person, more than one way, over time.' })
  imot(@Parent() advocate: AdvocateRecord, @Context('req') req: object) {
    return this.loaders.imot(req, advocate.tenantId).load(advocate.id);
  }
}
