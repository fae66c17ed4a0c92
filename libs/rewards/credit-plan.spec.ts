import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { RewardRule } from '#libs/campaigns/index.js';
import {
  creditBasis,
  limitReason,
  percentOf,
  planCredit,
  proRata,
  reversalTarget,
  type CreditBasis,
  type LiveReward,
} from './credit-plan.js';

const percent = (bps: number, currency = 'USD'): RewardRule => ({ kind: 'PERCENT', amount: null, percentBps: bps, currency });
const fixed = (amount: number, currency = 'USD'): RewardRule => ({ kind: 'FIXED', amount, percentBps: null, currency });
const rules = { advocateReward: percent(1000), friendIncentive: fixed(500), budget: null, advocateCap: null };
const converted: CreditBasis = {
  status: 'CONVERTED',
  advocateId: 'adv-1',
  referredCustomerId: 'friend-1',
  orderId: 'order-1',
  amount: 12_345,
  currency: 'USD',
  creditedBasis: null,
};

describe('credit planning', () => {
  it('rounds percent rewards half up, exactly for 12-digit amounts', () => {
    expect(percentOf(1000, 1500)).toBe(150);
    expect(percentOf(333, 1500)).toBe(50); // 49.95 → 50
    expect(percentOf(330, 1500)).toBe(50); // 49.5 → 50
    expect(percentOf(329, 1500)).toBe(49); // 49.35 → 49
    expect(percentOf(999_999_999_999, 9_999)).toBe(999_899_999_999); // 99.99 % of the largest amount
    expect(percentOf(999_999_999_999, 1)).toBe(100_000_000); // 0.01 %: 99,999,999.9999 → 100,000,000
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999_999 }), fc.integer({ min: 0, max: 10_000 }), (amount, bps) => {
        const exact = (BigInt(amount) * BigInt(bps) * 2n + 10_000n) / 20_000n;
        return BigInt(percentOf(amount, bps)) === exact;
      }),
    );
  });

  it('reverses PERCENT rewards pro rata and FIXED ones only on a full refund, never more than the reward', () => {
    expect(reversalTarget('PERCENT', 1000, 2500, 10_000)).toBe(250);
    expect(reversalTarget('FIXED', 700, 2500, 10_000)).toBe(0);
    expect(reversalTarget('FIXED', 700, 10_000, 10_000)).toBe(700);
    expect(proRata(151, 500, 1000)).toBe(76); // 75.5 → 76
    fc.assert(
      fc.property(
        fc.nat(999_999_999_999),
        fc.nat(999_999_999_999),
        fc.integer({ min: 1, max: 999_999_999_999 }),
        (reward, refunded, order) => {
          const r = reversalTarget('PERCENT', reward, refunded, order);
          return r >= 0 && r <= reward;
        },
      ),
    );
  });

  it('credits a converted referral once per basis: advocate and friend, by the rules given', () => {
    const plan = planCredit(converted, rules, []);
    expect(plan.credit.map((p) => [p.kind, p.amount, p.currency, p.beneficiary])).toEqual([
      ['ADVOCATE', 1235, 'USD', { type: 'advocate', id: 'adv-1' }],
      ['FRIEND', 500, 'USD', { type: 'customer', id: 'friend-1' }],
    ]);
    expect(plan.credit[0]!.rule).toEqual(percent(1000));
    expect(plan.ranFor).toBe(creditBasis(converted));
    // crediting ran for this basis: a later campaign (another rule) credits nothing again
    expect(
      planCredit({ ...converted, creditedBasis: creditBasis(converted) }, { ...rules, advocateReward: fixed(9999) }, []).credit,
    ).toEqual([]);
  });

  it('credits and keeps the rewards of a referral refunded in full, so the refunds reverse them', () => {
    const live: LiveReward[] = [{ id: 'r1', kind: 'ADVOCATE', advocateId: 'adv-1', orderId: 'order-1' }];
    expect(planCredit({ ...converted, status: 'REVERSED' }, rules, []).credit).toHaveLength(2);
    expect(planCredit({ ...converted, status: 'REVERSED', creditedBasis: creditBasis(converted) }, rules, live)).toMatchObject({
      supersede: [],
      credit: [],
    });
  });

  it('supersedes rewards earned on another basis or by a referral no longer converted', () => {
    const live: LiveReward[] = [
      { id: 'a', kind: 'ADVOCATE', advocateId: 'adv-0', orderId: 'order-1' },
      { id: 'f', kind: 'FRIEND', advocateId: 'adv-0', orderId: 'order-1' },
    ];
    // another advocate, same order: the advocate's reward goes, the friend's stays
    expect(planCredit(converted, rules, live).supersede.map((r) => r.id)).toEqual(['a']);
    // another order: both go
    expect(
      planCredit({ ...converted, orderId: 'order-0', advocateId: 'adv-0' }, rules, [{ ...live[0]!, orderId: 'x' }]).supersede,
    ).toHaveLength(1);
    for (const status of ['LEAD', 'REJECTED'] as const) {
      expect(planCredit({ ...converted, status }, rules, live)).toMatchObject({ supersede: live, credit: [], ranFor: null });
    }
  });

  it('says why nothing is credited: an order of 0, a percentage rounding to 0, an order in another currency', () => {
    const noFriend = { ...rules, friendIncentive: null };
    expect(planCredit({ ...converted, amount: 0 }, noFriend, []).nothing).toMatch(/^NOTHING_TO_CREDIT: the order amount is 0/);
    expect(planCredit({ ...converted, amount: 4 }, noFriend, []).nothing).toMatch(/^NOTHING_TO_CREDIT: .* round to 0/);
    const eur = planCredit({ ...converted, currency: 'EUR' }, rules, []);
    expect(eur).toMatchObject({ credit: [], nothing: 'CURRENCY: the order is in EUR; this campaign rewards in USD' });
    expect(eur.ranFor).toBe(creditBasis(converted));
    // a FIXED reward is paid in the campaign's currency whatever the order's
    expect(
      planCredit({ ...converted, currency: 'EUR' }, { ...rules, advocateReward: fixed(1000) }, []).credit.map((p) => p.currency),
    ).toEqual(['USD', 'USD']);
  });

  it('refuses past the cap or the budget, and rewards in another currency than theirs', () => {
    const planned = planCredit(converted, rules, []).credit; // 1235 + 500
    const cap = { amount: 2000, currency: 'USD' };
    expect(limitReason(planned, { budget: null, advocateCap: cap }, { advocateEarned: 765, budgetSpent: 0 })).toBeNull();
    expect(limitReason(planned, { budget: null, advocateCap: cap }, { advocateEarned: 766, budgetSpent: 0 })).toMatch(/^ADVOCATE_CAP/);
    const budget = { amount: 10_000, currency: 'USD' };
    expect(limitReason(planned, { budget, advocateCap: null }, { advocateEarned: 0, budgetSpent: 8265 })).toBeNull();
    expect(limitReason(planned, { budget, advocateCap: null }, { advocateEarned: 0, budgetSpent: 8266 })).toMatch(/^BUDGET/);
    expect(
      limitReason(planned, { budget: { amount: 10_000, currency: 'EUR' }, advocateCap: null }, { advocateEarned: 0, budgetSpent: 0 }),
    ).toMatch(/^CURRENCY: a reward in USD cannot count toward the EUR budget/);
  });
});
