import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { RiskAssessment } from '#libs/fraud/index.js';
import {
  byOccurrence,
  deriveReferrals,
  existingCustomerReason,
  type AdvocateHit,
  type Assessor,
  type ConversionEvent,
} from './attribution.js';
import { canMove } from './referral-lifecycle.js';
import { refundedTotal } from './refunds.js';

const ALLOW: RiskAssessment = { score: 0, decision: 'ALLOW', reasons: [] };
const t = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 12, minutes));
const event = (id: string, type: 'signup' | 'purchase', minutes: number, extra: Partial<ConversionEvent> = {}): ConversionEvent => ({
  eventId: id,
  type,
  occurredAt: t(minutes),
  email: null,
  emailNormalized: null,
  visitorId: null,
  referralCode: null,
  couponCode: null,
  orderId: type === 'purchase' ? `order-${id}` : null,
  amount: type === 'purchase' ? 1000 : null,
  currency: type === 'purchase' ? 'USD' : null,
  cardFingerprint: null,
  ...extra,
});
const hit = (advocate: string, campaign = 'k1', by: AdvocateHit['attributedBy'] = 'REFERRAL_CODE'): AdvocateHit => ({
  advocateId: advocate,
  campaignId: campaign,
  customerId: `customer-of-${advocate}`,
  generation: 1,
  emailNormalized: null,
  attributedBy: by,
  firstClickAt: null,
});
const byCode = (e: ConversionEvent) => (e.referralCode ? hit(e.referralCode) : undefined);
const derive = (events: ConversionEvent[], hitOf = byCode, assess: Assessor = async () => ALLOW) =>
  deriveReferrals({ events: [...events].sort(byOccurrence), hitOf, isActive: () => true, assess });

describe('deriveReferrals', () => {
  it('makes a LEAD at the first event naming an advocate and converts it at the first purchase', async () => {
    const r = (await derive([event('s', 'signup', 1, { referralCode: 'A' }), event('p1', 'purchase', 2), event('p2', 'purchase', 3)])).get(
      'k1',
    )!;
    expect(r).toMatchObject({ status: 'CONVERTED', sourceEventId: 's', conversion: { eventId: 'p1', orderId: 'order-p1' } });
  });

  it('keeps the first advocate of a campaign, and refuses a customer who bought before the referral began', async () => {
    const r = (await derive([event('s', 'signup', 1, { referralCode: 'A' }), event('p', 'purchase', 2, { referralCode: 'B' })])).get('k1')!;
    expect(r.hit.advocateId).toBe('A');
    const old = (await derive([event('p0', 'purchase', 1), event('s', 'signup', 2, { referralCode: 'A' }), event('p', 'purchase', 3)])).get(
      'k1',
    )!;
    expect(old.status).toBe('REJECTED');
    expect(old.rejectedReason).toMatch(/^EXISTING_CUSTOMER/);
  });

  it('blocks at attribution or at purchase by the risk decision, judged against the referral’s advocate', async () => {
    const judged: string[] = [];
    const assess = async (e: ConversionEvent, h: AdvocateHit, stage: string) => {
      judged.push(`${stage}:${e.eventId}:${h.advocateId}`);
      return stage === 'purchase'
        ? { score: 90, decision: 'BLOCK' as const, reasons: [{ code: 'X', message: 'Bad.', points: 90 }] }
        : ALLOW;
    };
    const r = (
      await derive([event('s', 'signup', 1, { referralCode: 'A' }), event('p', 'purchase', 2, { referralCode: 'B' })], byCode, assess)
    ).get('k1')!;
    expect(r).toMatchObject({ status: 'REJECTED', rejectedReason: 'BLOCKED: Bad.' });
    expect(judged).toEqual(['attribution:s:A', 'purchase:p:A']);
  });

  it('gives the same referrals whatever order the events arrive in (they are folded in the order they happened)', async () => {
    const kinds = fc.array(
      fc.record({ purchase: fc.boolean(), code: fc.option(fc.constantFrom('A', 'B'), { nil: null }), minute: fc.nat(30) }),
      { minLength: 1, maxLength: 8 },
    );
    await fc.assert(
      fc.asyncProperty(kinds, fc.nat(), async (specs, seed) => {
        const events = specs.map((s, i) => event(`e${i}`, s.purchase ? 'purchase' : 'signup', s.minute, { referralCode: s.code }));
        const shuffled = [...events].sort(
          (a, b) => ((a.eventId.charCodeAt(1) * 31 + seed) % 7) - ((b.eventId.charCodeAt(1) * 31 + seed) % 7),
        );
        expect(JSON.stringify([...(await derive(shuffled))])).toBe(JSON.stringify([...(await derive(events))]));
      }),
    );
  });
});

describe('existingCustomerReason', () => {
  it('dates the referral from the first click, or the first event naming the code', () => {
    const clicked = { ...hit('A', 'k1', 'VISITOR_ID'), firstClickAt: t(5) };
    expect(existingCustomerReason([event('p', 'purchase', 4)], event('s', 'signup', 6), clicked)).toMatch(/EXISTING_CUSTOMER/);
    expect(existingCustomerReason([event('p', 'purchase', 6)], event('s', 'signup', 7), clicked)).toBeNull();
    expect(
      existingCustomerReason(
        [event('s', 'signup', 1, { referralCode: 'a' }), event('p', 'purchase', 2)],
        event('x', 'signup', 3, { referralCode: 'A' }),
        hit('A'),
      ),
    ).toBeNull();
  });
});

describe('refundedTotal', () => {
  it('takes a whole-order refund, else the larger of Stripe’s running total and the single refunds, within the order', () => {
    expect(refundedTotal([], 1000)).toBe(0);
    expect(
      refundedTotal(
        [
          { amount: 100, cumulative: false },
          { amount: null, cumulative: false },
        ],
        1000,
      ),
    ).toBe(1000);
    expect(
      refundedTotal(
        [
          { amount: 100, cumulative: false },
          { amount: 250, cumulative: false },
        ],
        1000,
      ),
    ).toBe(350);
    expect(
      refundedTotal(
        [
          { amount: 300, cumulative: true },
          { amount: 200, cumulative: true },
        ],
        1000,
      ),
    ).toBe(300);
    expect(
      refundedTotal(
        [
          { amount: 300, cumulative: true },
          { amount: 400, cumulative: false },
        ],
        1000,
      ),
    ).toBe(400);
    expect(
      refundedTotal(
        [
          { amount: 900, cumulative: false },
          { amount: 900, cumulative: false },
        ],
        1000,
      ),
    ).toBe(1000);
  });
});

describe('referral lifecycle', () => {
  it('allows the moves of each cause and no other', () => {
    expect(canMove('NEW', 'LEAD', 'attribution')).toBe(true);
    expect(canMove('LEAD', 'CONVERTED', 'attribution')).toBe(true);
    expect(canMove('CONVERTED', 'REVERSED', 'refund')).toBe(true);
    expect(canMove('CONVERTED', 'APPROVED', 'review')).toBe(true);
    expect(canMove('CONVERTED', 'LEAD', 'reattribution')).toBe(true);
    expect(canMove('APPROVED', 'LEAD', 'reattribution')).toBe(false);
    expect(canMove('REJECTED', 'CONVERTED', 'review')).toBe(false);
    expect(canMove('REVERSED', 'CONVERTED', 'refund')).toBe(false);
    expect(canMove('LEAD', 'APPROVED', 'attribution')).toBe(false);
  });
});
