import { roundHalfUp } from '#libs/common/index.js';
import type { Money, RewardRule } from '#libs/campaigns/index.js';
import type { ReferralStatus } from '#libs/referrals/index.js';
import type { RewardKindName } from './reward.js';

/** What crediting needs to know of a referral. */
export interface CreditBasis {
  status: ReferralStatus;
  advocateId: string;
  referredCustomerId: string;
  orderId: string | null;
  amount: number | null;
  currency: string | null;
  /** The basis crediting already ran for (credited, or refused with a reason): it runs once per basis. */
  creditedBasis: string | null;
}

/** Rewards are earned once per advocate and converting order. */
export function creditBasis(r: Pick<CreditBasis, 'advocateId' | 'orderId'>): string {
  return `${r.advocateId}:${r.orderId ?? ''}`;
}

/** A reward that holds money for a referral now (not superseded). */
export interface LiveReward {
  id: string;
  kind: RewardKindName;
  advocateId: string;
  orderId: string | null;
}

export interface PlannedReward {
  kind: RewardKindName;
  /** The rule that credits it, kept on the reward: its reversals follow this rule, whatever the campaign says later. */
  rule: RewardRule;
  amount: number;
  currency: string;
  beneficiary: { type: 'advocate' | 'customer'; id: string };
}

export interface CreditPlan {
  /** Live rewards earned on another basis (another advocate or order, or a referral no longer converted): reversed in full. */
  supersede: LiveReward[];
  credit: PlannedReward[];
  /** Why nothing is credited, when nothing is and nothing was. */
  nothing: string | null;
  /** The basis crediting ran for now (null: it did not run: not converted, or it ran for this basis before). */
  ranFor: string | null;
}

export interface CampaignRules {
  advocateReward: RewardRule;
  friendIncentive: RewardRule | null;
  budget: Money | null;
  advocateCap: Money | null;
}

/** Rounds half up to the minor unit: PERCENT rewards of an order amount in basis points (exact for 12-digit amounts). */
export function percentOf(amount: number, bps: number): number {
  return Number(roundHalfUp(BigInt(amount) * BigInt(bps), 10_000n));
}

/** Pro-rata part of `reward` for `refunded` of `order`, rounded half up, never more than the reward. */
export function proRata(reward: number, refunded: number, order: number): number {
  if (order <= 0) return reward;
  const part = Math.min(refunded, order);
  return Math.min(reward, Number(roundHalfUp(BigInt(reward) * BigInt(part), BigInt(order))));
}

/** How much of a reward a refund takes back: PERCENT follows partial refunds pro rata, FIXED only a full one. */
export function reversalTarget(rule: RewardRule['kind'], reward: number, refunded: number, order: number): number {
  if (refunded <= 0) return 0;
  if (refunded >= order) return reward;
  return rule === 'FIXED' ? 0 : proRata(reward, refunded, order);
}

/**
 * What to credit for a referral as it stands, given its live rewards: a converted referral earns
 * one reward per kind for its advocate and order; rewards earned on another basis are superseded.
 */
export function planCredit(referral: CreditBasis, rules: CampaignRules, live: readonly LiveReward[]): CreditPlan {
  // A converted referral earns its rewards even when its order is refunded in full already: they are
  // credited and reversed at once, as if the refund had come after them (the same books either way).
  const converted = referral.status === 'CONVERTED' || referral.status === 'APPROVED' || referral.status === 'REVERSED';
  const stays = (r: LiveReward) =>
    converted && r.orderId === referral.orderId && (r.kind === 'FRIEND' || r.advocateId === referral.advocateId);
  const supersede = live.filter((r) => !stays(r));
  // Crediting runs once per basis: a later campaign change never credits a referral again.
  const basis = creditBasis(referral);
  if (!converted || referral.amount === null || !referral.currency || referral.creditedBasis === basis) {
    return { supersede, credit: [], nothing: null, ranFor: null };
  }
  const kept = new Set(live.filter(stays).map((r) => r.kind));
  const credit: PlannedReward[] = [];
  const rules_: [RewardKindName, RewardRule | null][] = [
    ['ADVOCATE', rules.advocateReward],
    ['FRIEND', rules.friendIncentive],
  ];
  for (const [kind, rule] of rules_) {
    if (!rule || kept.has(kind)) continue;
    if (rule.kind === 'PERCENT' && referral.currency !== rule.currency) {
      return { supersede, credit: [], nothing: currencyReason(referral.currency, rule.currency), ranFor: basis };
    }
    const amount = rule.kind === 'FIXED' ? (rule.amount ?? 0) : percentOf(referral.amount, rule.percentBps ?? 0);
    const beneficiary =
      kind === 'ADVOCATE'
        ? { type: 'advocate' as const, id: referral.advocateId }
        : { type: 'customer' as const, id: referral.referredCustomerId };
    if (amount > 0) credit.push({ kind, rule, amount, currency: rule.currency, beneficiary });
  }
  const nothing =
    credit.length === 0 && kept.size === 0
      ? referral.amount === 0
        ? 'NOTHING_TO_CREDIT: the order amount is 0'
        : `NOTHING_TO_CREDIT: the rewards for an order of ${referral.amount} ${referral.currency} round to 0`
      : null;
  return { supersede, credit, nothing, ranFor: basis };
}

/** What the advocate has earned in the campaign and what the campaign has spent, in the campaign's currency. */
export interface Spent {
  advocateEarned: number;
  budgetSpent: number;
}

/**
 * Why the campaign's cap or budget refuses these rewards, if it does. A reward in a currency
 * other than the cap's or budget's is refused too: a limit in one currency cannot count another.
 */
export function limitReason(
  planned: readonly PlannedReward[],
  rules: Pick<CampaignRules, 'budget' | 'advocateCap'>,
  spent: Spent,
): string | null {
  const cap = rules.advocateCap;
  const advocatePart = planned.find((p) => p.kind === 'ADVOCATE');
  if (cap && advocatePart) {
    if (advocatePart.currency !== cap.currency) return currencyReason(advocatePart.currency, cap.currency, 'cap');
    if (spent.advocateEarned + advocatePart.amount > cap.amount) {
      return `ADVOCATE_CAP: the advocate has earned ${spent.advocateEarned} of the ${cap.amount} ${cap.currency} cap`;
    }
  }
  const budget = rules.budget;
  if (budget && planned.length > 0) {
    const other = planned.find((p) => p.currency !== budget.currency);
    if (other) return currencyReason(other.currency, budget.currency, 'budget');
    const cost = planned.reduce((s, p) => s + p.amount, 0);
    if (spent.budgetSpent + cost > budget.amount)
      return `BUDGET: ${spent.budgetSpent} of the ${budget.amount} ${budget.currency} budget is spent`;
  }
  return null;
}

function currencyReason(given: string, expected: string, what = 'rewards'): string {
  return what === 'rewards'
    ? `CURRENCY: the order is in ${given}; this campaign rewards in ${expected}`
    : `CURRENCY: a reward in ${given} cannot count toward the ${expected} ${what}`;
}
