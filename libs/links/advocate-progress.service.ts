import { Injectable } from '@nestjs/common';
import { ClickRepository } from './click.repository.js';

export interface AdvocateProgress {
  clicks: number;
  signups: number;
  conversions: number;
  balance: { amount: number; currency: string };
}

/**
 * The advocate's progress as the share page shows it. Signups, conversions and the balance are
 * zero until referrals and the reward ledger exist; they get wired in here, in one place.
 */
@Injectable()
export class AdvocateProgressService {
  constructor(private readonly clicks: ClickRepository) {}

  async progress(tenantId: string, advocateId: string, currency: string): Promise<AdvocateProgress> {
    const clicks = await this.clicks.humanClicks(tenantId, advocateId);
    return { clicks, signups: 0, conversions: 0, balance: { amount: 0, currency } };
  }
}
