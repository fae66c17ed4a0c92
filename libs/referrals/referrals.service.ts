import { Injectable } from '@nestjs/common';
import { NotFoundError, decodeCursor, isUuid } from '#libs/common/index.js';
import { CampaignRepository } from '#libs/campaigns/index.js';
import { QueueProducer } from '#libs/queue/index.js';
import { ReferralRepository } from './referral.repository.js';
import type { ReferralStatus } from './referral-lifecycle.js';
import type { Referral } from './referral.js';

/** Reading referrals, and asking for their rewards to follow a change. */
@Injectable()
export class ReferralsService {
  constructor(
    private readonly referrals: ReferralRepository,
    private readonly campaigns: CampaignRepository,
    private readonly queue: QueueProducer,
  ) {}

  async get(tenantId: string, id: string): Promise<Referral> {
    const referral = isUuid(id) ? await this.referrals.find(tenantId, id) : undefined;
    if (!referral) throw new NotFoundError('Referral', id);
    return referral;
  }

  /** The referrals a customer was brought by (one per campaign at most). */
  ofCustomer(tenantId: string, customerId: string): Promise<Referral[]> {
    return isUuid(customerId) ? this.referrals.ofCustomer(tenantId, customerId) : Promise.resolve([]);
  }

  getMany(tenantId: string, ids: readonly string[]): Promise<Referral[]> {
    return this.referrals.findMany(tenantId, ids.filter(isUuid));
  }

  async page(
    tenantId: string,
    campaignId: string,
    status: ReferralStatus | undefined,
    first: number,
    after?: string,
  ): Promise<{ items: Referral[]; hasNextPage: boolean }> {
    if (!isUuid(campaignId) || !(await this.campaigns.findById(tenantId, campaignId))) throw new NotFoundError('Campaign', campaignId);
    const key = after ? decodeCursor(after, ['timestamp', 'uuid']) : undefined;
    return this.referrals.page(tenantId, campaignId, status, first, key);
  }

  /** Queues the job that brings each referral's rewards in line with its version (the sweeper is the safety net). */
  async syncRewards(referrals: readonly Referral[]): Promise<void> {
    const due = referrals.filter((r) => r.rewardsVersion < r.version);
    for (const r of due) {
      await this.queue.enqueue('reward.credit', { tenantId: r.tenantId, referralId: r.id }, { jobId: `sync-${r.id}-${r.version}` });
    }
  }

  /** The tenant's referrals whose rewards do not follow their last change yet. */
  async unsyncedOf(tenantId: string): Promise<{ tenantId: string; referralId: string; version: number }[]> {
    return this.referrals.unsyncedOf(tenantId);
  }

  /** Referrals whose rewards do not follow their last change (their job was lost with Redis). */
  unsynced(olderThanMs: number, limit = 1000) {
    return this.referrals.unsynced(olderThanMs, limit);
  }
}

export function referralCursor(r: Referral): [string, string] {
  return [r.createdAt.toISOString(), r.id];
}
