import { Injectable } from '@nestjs/common';
import { Db } from '#libs/database/index.js';
import { RewardsService } from '#libs/rewards/index.js';
import { ClickRepository } from './click.repository.js';

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
    private readonly db: Db,
    private readonly rewards: RewardsService,
  ) {}

  async progress(tenantId: string, advocateId: string, currency: string): Promise<AdvocateProgress> {
    const [clicks, referrals, balances] = await Promise.all([
      this.clicks.humanClicks(tenantId, advocateId),
      this.db.one<{ signups: number; conversions: number }>(
        `SELECT count(*) FILTER (WHERE status <> 'REJECTED')::int AS signups,
                count(*) FILTER (WHERE status IN ('CONVERTED', 'APPROVED'))::int AS conversions
         FROM referrals WHERE tenant_id = $1 AND advocate_id = $2`,
        [tenantId, advocateId],
      ),
      this.rewards.balances(tenantId, [advocateId]),
    ]);
    const balance = balances.get(advocateId)?.find((b) => b.currency === currency);
    // Earned and not yet paid out: pending during the hold, then available.
    const amount = balance ? balance.pending + balance.available : 0;
    return { clicks, signups: referrals?.signups ?? 0, conversions: referrals?.conversions ?? 0, balance: { amount, currency } };
  }
}
