/** One refund of an order as received: a whole-order refund, a refund of an amount, or Stripe's running total. */
export interface RefundRecord {
  /** null: the whole order. */
  amount: number | null;
  /** The amount is the order's refunded total so far (Stripe's `amount_refunded`), not this refund alone. */
  cumulative: boolean;
}

/**
 * How much of an order is refunded, from every refund received for it, in any order: a whole-order
 * refund refunds it all; otherwise the larger of Stripe's highest running total and the sum of the
 * single refunds (one refund reported both ways counts once), never more than the order.
 */
export function refundedTotal(refunds: readonly RefundRecord[], orderAmount: number): number {
  if (refunds.length === 0) return 0;
  if (refunds.some((r) => r.amount === null)) return orderAmount;
  const running = Math.max(0, ...refunds.filter((r) => r.cumulative).map((r) => r.amount!));
  const single = refunds.filter((r) => !r.cumulative).reduce((sum, r) => sum + r.amount!, 0);
  return Math.min(orderAmount, Math.max(running, single));
}

/** A converted referral whose order is refunded in full is REVERSED. */
export function isFullyRefunded(refunded: number, orderAmount: number): boolean {
  return orderAmount > 0 && refunded >= orderAmount;
}
