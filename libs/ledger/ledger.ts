export type OwnerType = 'advocate' | 'customer' | 'campaign';
export type AccountKind = 'pending' | 'available' | 'paid' | 'reward_expense' | 'budget';

export interface AccountRef {
  ownerType: OwnerType;
  ownerId: string;
  kind: AccountKind;
}

/** `amount` minor units credited to `from` and debited to `to`: one balanced pair of entries. */
export interface Transfer {
  from: AccountRef;
  to: AccountRef;
  amount: number;
}

export interface Posting {
  tenantId: string;
  /** Unique per tenant: posting the same key twice is a no-op. */
  idempotencyKey: string;
  kind: string;
  currency: string;
  transfers: Transfer[];
  rewardId?: string;
  memo?: string;
}

/**
 * Liability and equity-like accounts (what an advocate is owed) grow with credits; the expense
 * account grows with debits. Balances are reported in their natural sign.
 */
export function naturalBalance(kind: AccountKind, sumOfSignedEntries: number): number {
  // + 0 turns -0 into 0
  return (kind === 'reward_expense' ? sumOfSignedEntries : -sumOfSignedEntries) + 0;
}

/** Rounds half up to the minor unit: PERCENT rewards of an order amount in basis points. */
export function percentOf(amount: number, bps: number): number {
  // Integer arithmetic: (amount * bps + 5000) / 10000, floored, for non-negative inputs.
  return Math.floor((amount * bps + 5000) / 10_000);
}

/** Pro-rata part of `reward` for `refunded` of `order`, rounded half up. */
export function proRata(reward: number, refunded: number, order: number): number {
  if (order <= 0) return reward;
  const part = Math.min(refunded, order);
  return Math.floor((reward * part * 2 + order) / (2 * order));
}
