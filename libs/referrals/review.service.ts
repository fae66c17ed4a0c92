import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError, ValidationError, isUuid } from '#libs/common/index.js';
import { Db, type Sql } from '#libs/database/index.js';
import { CampaignRepository } from '#libs/campaigns/index.js';
import { ReferralRepository } from './referral.repository.js';
import { REVIEW_PREFIX } from './referral-lifecycle.js';
import { ReferralsService } from './referrals.service.js';
import type { Referral } from './referral.js';

/** Marketers decide on referrals held for review: one decision per assessment that asked for it. */
@Injectable()
export class ReviewService {
  constructor(
    private readonly db: Db,
    private readonly referrals: ReferralRepository,
    private readonly campaigns: CampaignRepository,
    private readonly service: ReferralsService,
  ) {}

  async queue(tenantId: string, campaignId: string, first = 100): Promise<Referral[]> {
    if (!isUuid(campaignId) || !(await this.campaigns.findById(tenantId, campaignId))) throw new NotFoundError('Campaign', campaignId);
    return this.referrals.reviewQueue(tenantId, campaignId, first);
  }

  /** Approves: its rewards are released when the hold ends (a LEAD stays a LEAD, approved). */
  approve(tenantId: string, id: string, reviewer: string): Promise<Referral> {
    return this.decide(tenantId, id, (tx, r) =>
      this.referrals.update(
        tx,
        r,
        { status: r.status === 'CONVERTED' ? 'APPROVED' : r.status, reviewedBy: reviewer, reviewedAt: new Date() },
        'review',
      ),
    );
  }

  /** Rejects: the referral is REJECTED and its rewards are reversed through the ledger. */
  async reject(tenantId: string, id: string, reason: string, reviewer: string): Promise<Referral> {
    const why = reason.trim();
    if (!why || why.length > 500) throw new ValidationError([{ field: 'reason', message: 'must be 1-500 characters' }]);
    return this.decide(tenantId, id, (tx, r) =>
      this.referrals.update(
        tx,
        r,
        { status: 'REJECTED', rejectedReason: `${REVIEW_PREFIX}${why}`, reviewedBy: reviewer, reviewedAt: new Date() },
        'review',
      ),
    );
  }

  private async decide(tenantId: string, id: string, work: (tx: Sql, referral: Referral) => Promise<Referral>): Promise<Referral> {
    if (!isUuid(id)) throw new NotFoundError('Referral', id);
    const decided = await this.db.transaction(async (tx) => {
      const referral = await this.referrals.lock(tx, tenantId, id);
      if (!referral) throw new NotFoundError('Referral', id);
      if (referral.status === 'REJECTED' || referral.status === 'REVERSED') {
        throw new ConflictError(`A ${referral.status} referral cannot be decided on`);
      }
      return work(tx, referral);
    });
    await this.service.syncRewards([decided]);
    return decided;
  }
}
