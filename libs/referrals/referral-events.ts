import type { Referral } from './referral.js';

/** The `referral.converted` outbox payload. */
export function referralEvent(r: Referral): Record<string, unknown> {
  return {
    referralId: r.id,
    campaignId: r.campaignId,
    advocateId: r.advocateId,
    referredCustomerId: r.referredCustomerId,
    orderId: r.orderId,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
  };
}
