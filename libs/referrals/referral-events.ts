import type { OutboxEventMap } from '#libs/outbox/index.js';
import type { Referral } from './referral.js';

/** The `referral.converted` payload of a referral that just converted (REVERSED: its order was refunded in full first). */
export function referralEvent(r: Referral): OutboxEventMap['referral.converted'] {
  return {
    referralId: r.id,
    campaignId: r.campaignId,
    advocateId: r.advocateId,
    referredCustomerId: r.referredCustomerId,
    orderId: r.orderId,
    amount: r.amount,
    currency: r.currency,
    status: r.status === 'REVERSED' ? 'REVERSED' : 'CONVERTED',
  };
}
