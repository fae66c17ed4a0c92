import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { NotFoundError, ValidationError, clampFirst, isUuid } from '#libs/common/index.js';
import { CampaignRepository, type Campaign } from '#libs/campaigns/index.js';
import {
  DELIGHTED_SCORE,
  campaignStats,
  imotScore,
  orderChannels,
  type CampaignStats,
  type ChannelResult,
  type Cycle,
  type Imot,
  type LeaderRow,
  type Period,
} from './analytics.js';
import { AnalyticsRepository } from './analytics.repository.js';
import { ReadCache } from './read-cache.js';
import { MAX_DASHBOARD_TTL_MINUTES, signDashboard, verifyDashboard, type LinkVerdict } from './dashboard-link.js';

const MINUTE = 60_000;
export const DEFAULT_DASHBOARD_TTL_MINUTES = 24 * 60;

/** The campaign's figures (README, "Analytics: definitions") and its signed dashboard links. */
@Injectable()
export class AnalyticsService {
  private readonly statsCache: ReadCache<CampaignStats>;
  private readonly leaderCache: ReadCache<LeaderRow[]>;

  constructor(
    private readonly repo: AnalyticsRepository,
    private readonly campaigns: CampaignRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.statsCache = new ReadCache(config.analyticsCacheMs);
    this.leaderCache = new ReadCache(config.analyticsCacheMs);
  }

  async campaign(tenantId: string, campaignId: string): Promise<Campaign> {
    const campaign = isUuid(campaignId) ? await this.campaigns.findById(tenantId, campaignId) : undefined;
    if (!campaign) throw new NotFoundError('Campaign', campaignId);
    return campaign;
  }

  async stats(tenantId: string, campaignId: string, period: Partial<Period> = {}): Promise<CampaignStats> {
    const p: Period = { from: period.from ?? null, to: period.to ?? null };
    if (p.from && p.to && p.from > p.to) throw new ValidationError([{ field: 'to', message: 'must not be before from' }]);
    const campaign = await this.campaign(tenantId, campaignId);
    // Aggregates over every click and referral: shared by concurrent requests, and briefly kept.
    const key = `${tenantId}|${campaign.id}|${p.from?.toISOString() ?? ''}|${p.to?.toISOString() ?? ''}`;
    return this.statsCache.get(key, async () => {
      const [counts, money] = await Promise.all([this.repo.counts(tenantId, campaign.id, p), this.repo.money(tenantId, campaign.id, p)]);
      return campaignStats(counts, money.revenue, money.rewardCost, campaign.advocateReward.currency);
    });
  }

  async cycle(tenantId: string, campaignId: string): Promise<Cycle> {
    const campaign = await this.campaign(tenantId, campaignId);
    return this.repo.cycle(tenantId, campaign.id, DELIGHTED_SCORE);
  }

  /** IMOT of many advocates (of one tenant) in one statement, for request-scoped loaders. */
  async imot(tenantId: string, advocateIds: readonly string[]): Promise<Map<string, Imot>> {
    const facts = await this.repo.imot(tenantId, advocateIds.filter(isUuid));
    const none = { shares: 0, distinctVisitors: 0, channels: 0, activeDays: 0 };
    return new Map(advocateIds.map((id) => [id, { ...(facts.get(id) ?? none), score: imotScore(facts.get(id) ?? none) }]));
  }

  async leaderboard(tenantId: string, campaignId: string, first?: number | null): Promise<LeaderRow[]> {
    const limit = clampFirst(first, 100, 10);
    const campaign = await this.campaign(tenantId, campaignId);
    return this.leaderCache.get(`${tenantId}|${campaign.id}|${limit}`, () => this.repo.leaderboard(tenantId, campaign.id, limit));
  }

  async channelReport(tenantId: string, campaignId: string): Promise<ChannelResult[]> {
    const campaign = await this.campaign(tenantId, campaignId);
    const channels = [...campaign.channels, ...campaign.customChannels.map((c) => c.name)];
    return orderChannels(await this.repo.channels(tenantId, campaign.id, channels), channels);
  }

  /** `<PUBLIC_URL>/dashboard/<campaignId>?exp=<unix>&sig=<hmac>`, valid for `ttlMinutes` (24 h by default). */
  async createDashboardLink(tenantId: string, campaignId: string, ttlMinutes?: number | null, now = new Date()) {
    const ttl = ttlMinutes ?? DEFAULT_DASHBOARD_TTL_MINUTES;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_DASHBOARD_TTL_MINUTES) {
      throw new ValidationError([{ field: 'ttlMinutes', message: `must be an integer from 1 to ${MAX_DASHBOARD_TTL_MINUTES}` }]);
    }
    const campaign = await this.campaign(tenantId, campaignId);
    return this.dashboardLink(tenantId, campaign.id, new Date(now.getTime() + ttl * MINUTE));
  }

  /** A signed link; for callers that already checked the campaign (the demo command). */
  dashboardLink(tenantId: string, campaignId: string, expiresAt: Date): { url: string; expiresAt: Date } {
    const exp = Math.floor(expiresAt.getTime() / 1000);
    const sig = signDashboard(this.config.secretKey, tenantId, campaignId, exp);
    return { url: `${this.config.http.publicUrl}/dashboard/${campaignId}?exp=${exp}&sig=${sig}`, expiresAt: new Date(exp * 1000) };
  }

  /** The tenant whose valid link this is; an unknown campaign is as invalid as a tampered link. */
  async verifyDashboardLink(campaignId: string, exp?: string, sig?: string): Promise<{ verdict: LinkVerdict; tenantId?: string }> {
    const tenantId = isUuid(campaignId) ? await this.repo.tenantOfCampaign(campaignId) : undefined;
    if (!tenantId) return { verdict: 'invalid' };
    const verdict = verifyDashboard(this.config.secretKeys, tenantId, campaignId, exp, sig);
    return verdict === 'valid' ? { verdict, tenantId } : { verdict };
  }
}
