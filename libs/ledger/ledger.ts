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
