import { Injectable } from '@nestjs/common';
import type { Sql } from '#libs/database/index.js';
import { ReferralRepository } from './referral.repository.js';
import { isCreditable } from './referral-lifecycle.js';
import { isFullyRefunded, refundedTotal } from './refunds.js';
import type { Referral } from './referral.js';

export interface RefundMoment {
  eventId: string;
  orderId: string;
  /** null: the whole order. */
  amount: number | null;
  /** The amount is the order's refunded total so far (Stripe), not this refund alone. */
  cumulative: boolean;
  occurredAt: Date;
}

/** Refunds of orders: kept, whatever comes first, and summed into the referral the order converted. */
@Injectable()
export class RefundsService {
  constructor(private readonly referrals: ReferralRepository) {}

  /**
   * Records a refund and updates the referral its order converted (if any yet: a conversion
   * applied later reads every refund kept for its order). Returns the referral when it changed.
   */
  async applyIn(tx: Sql, tenantId: string, refund: RefundMoment): Promise<Referral | undefined> {
    await this.referrals.lockOrder(tx, tenantId, refund.orderId);
    if (!(await this.referrals.recordRefund(tx, tenantId, refund))) return undefined; // a replay
    const referral = await this.referrals.lockConvertedByOrder(tx, tenantId, refund.orderId);
    if (!referral || referral.amount === null) return undefined; // kept until the purchase arrives
    const refunded = refundedTotal(await this.referrals.refundsOf(tx, tenantId, refund.orderId), referral.amount);
    const status = isCreditable(referral.status) && isFullyRefunded(refunded, referral.amount) ? 'REVERSED' : referral.status;
    if (refunded === referral.refundedAmount && status === referral.status) return undefined;
    return this.referrals.update(tx, referral, { refundedAmount: refunded, status }, 'refund');
  }
}
