import { Injectable } from '@nestjs/common';
import { ClickRepository } from '#libs/links/index.js';
import { ReferralRepository } from '#libs/referrals/index.js';
import { RewardsService } from '#libs/rewards/index.js';

export interface AdvocateProgress {
  clicks: number;
  signups: number;
  conversions: number;
  balance: { amount: number; currency: string };
}

/** The advocate's progress as the share page shows it: human clicks, referrals, and what they have earned. */
@Injectable()
export class AdvocateProgressService {
  constructor(
    private readonly clicks: ClickRepository,
    private readonly referrals: ReferralRepository,
    private readonly rewards: RewardsService,
  ) {}

  async progress(tenantId: string, advocateId: string, currency: string): Promise<AdvocateProgress> {
    const [clicks, referrals, balances] = await Promise.all([
      this.clicks.humanClicks(tenantId, advocateId),
      this.referrals.countsForAdvocate(tenantId, advocateId),
      this.rewards.balances(tenantId, [advocateId]),
    ]);
    const balance = balances.get(advocateId)?.find((b) => b.currency === currency);
    // Earned and not yet paid out: pending during the hold, then available.
    const amount = balance ? balance.pending + balance.available : 0;
    return { clicks, ...referrals, balance: { amount, currency } };
  }
}
