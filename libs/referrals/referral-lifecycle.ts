/**
 * The one place that says which statuses a referral has and how it may move between them.
 * ReferralRepository checks every status write against it, so no path can invent a move.
 *
 *   (new) ── attribution ──▶ LEAD ── purchase ──▶ CONVERTED ── review ──▶ APPROVED
 *     │                        │                    │   │                    │
 *     └─▶ REJECTED ◀───────────┴── fraud, review ───┘   └── full refund ──▶ REVERSED ◀── full refund
 *
 * Attribution is derived from a customer's events in the order they happened; when an earlier
 * event arrives late (or a late click lands), the referral is derived again and may move between
 * the states attribution gives (LEAD, CONVERTED, REVERSED, REJECTED by attribution). A marketer's
 * decision (APPROVED, or REJECTED in review) is never undone by attribution.
 */
export const REFERRAL_STATUSES = ['LEAD', 'CONVERTED', 'APPROVED', 'REJECTED', 'REVERSED'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/** Why a referral changes. */
export type ReferralCause = 'attribution' | 'refund' | 'review' | 'reattribution';

const MOVES: Record<ReferralCause, Partial<Record<ReferralStatus | 'NEW', readonly ReferralStatus[]>>> = {
  // A customer's events, applied in the order they happened.
  attribution: {
    NEW: ['LEAD', 'REJECTED', 'CONVERTED', 'REVERSED'],
    LEAD: ['CONVERTED', 'REJECTED', 'REVERSED'],
  },
  // The refunded total of the converting order reached its amount.
  refund: { CONVERTED: ['REVERSED'], APPROVED: ['REVERSED'] },
  // A marketer's decision on a referral held for review (approving a LEAD keeps it a LEAD).
  review: { LEAD: ['LEAD', 'REJECTED'], CONVERTED: ['APPROVED', 'REJECTED'], APPROVED: ['REJECTED'] },
  // An earlier event or a late click changed what the events say.
  reattribution: {
    LEAD: ['LEAD', 'CONVERTED', 'REVERSED', 'REJECTED'],
    CONVERTED: ['LEAD', 'CONVERTED', 'REVERSED', 'REJECTED'],
    REVERSED: ['LEAD', 'CONVERTED', 'REVERSED', 'REJECTED'],
    REJECTED: ['LEAD', 'CONVERTED', 'REVERSED', 'REJECTED'],
  },
};

export class IllegalTransitionError extends Error {
  constructor(from: ReferralStatus | 'NEW', to: ReferralStatus, cause: ReferralCause) {
    super(`A referral cannot move from ${from} to ${to} by ${cause}`);
    this.name = 'IllegalTransitionError';
  }
}

export function canMove(from: ReferralStatus | 'NEW', to: ReferralStatus, cause: ReferralCause): boolean {
  return from === to || (MOVES[cause][from] ?? []).includes(to);
}

export function assertMove(from: ReferralStatus | 'NEW', to: ReferralStatus, cause: ReferralCause): void {
  if (!canMove(from, to, cause)) throw new IllegalTransitionError(from, to, cause);
}

/** Statuses whose referral earns rewards. */
export const CREDITABLE: readonly ReferralStatus[] = ['CONVERTED', 'APPROVED'];

export function isCreditable(status: ReferralStatus): boolean {
  return CREDITABLE.includes(status);
}

/** A marketer decided; attribution leaves the referral as it is. */
export function isDecided(r: { status: ReferralStatus; reviewedAt: Date | null; rejectedReason: string | null }): boolean {
  if (r.status === 'APPROVED') return true;
  return r.status === 'REJECTED' && r.reviewedAt !== null && (r.rejectedReason ?? '').startsWith(REVIEW_PREFIX);
}

export const REVIEW_PREFIX = 'REVIEW: ';
