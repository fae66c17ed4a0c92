import { describe, expect, it } from '@jest/globals';
import { checkEligibility, scoreDelight } from './delight.js';
import type { CustomerFacts } from './moment.js';

const at = (iso: string) => new Date(iso);
const answer = (nps: number | null, iso: string, extra: Partial<CustomerFacts['feedback'][number]> = {}) => ({
  nps,
  csat: null,
  expectationMet: null,
  occurredAt: at(iso),
  ...extra,
});
const rule = { minNps: 9, withinDaysOfFirstUse: 30, requireExpectationMet: false };

describe('scoreDelight', () => {
  it('explains a promoter shortly after first use', () => {
    const facts: CustomerFacts = {
      events: [{ type: 'first_use', occurredAt: at('2026-11-01T10:00:00Z') }],
      feedback: [answer(10, '2026-11-03T12:00:00Z', { expectationMet: true })],
    };
    const d = scoreDelight(facts);
    expect(d.score).toBe(80);
    expect(d.reasons).toEqual([
      'NPS 10, 2 days after first use',
      'said the product matched what they were told',
      'first used on 2026-11-01',
    ]);
  });

  it('takes the latest answer and subtracts refunds, never below 0', () => {
    const d = scoreDelight({
      events: [{ type: 'refund', occurredAt: at('2026-11-02T00:00:00Z') }],
      feedback: [answer(10, '2026-10-01T00:00:00Z'), answer(2, '2026-11-01T00:00:00Z')],
    });
    expect(d.reasons).toEqual(['NPS 2, no first use recorded', 'refund on 2026-11-02']);
    expect(d.score).toBe(0);
  });

  it('says when nothing is known', () => {
    expect(scoreDelight({ events: [], feedback: [] })).toEqual({ score: 0, reasons: ['no feedback or first use yet'] });
  });
});

describe('checkEligibility', () => {
  const used: CustomerFacts['events'] = [{ type: 'first_use', occurredAt: at('2026-11-01T00:00:00Z') }];

  it('enrols a promoter within the window', () => {
    expect(checkEligibility({ events: used, feedback: [answer(9, '2026-11-05T00:00:00Z')] }, rule).eligible).toBe(true);
  });

  it('never enrols a detractor, even with a low minimum, until a newer answer', () => {
    const low = { ...rule, minNps: 0 };
    const detractor = { events: used, feedback: [answer(10, '2026-11-02T00:00:00Z'), answer(5, '2026-11-03T00:00:00Z')] };
    expect(checkEligibility(detractor, low)).toEqual({ eligible: false, reason: 'detractor (NPS 5)' });
    detractor.feedback.push(answer(10, '2026-11-04T00:00:00Z'));
    expect(checkEligibility(detractor, low).eligible).toBe(true);
  });

  it('requires first use, the window, the expectation and no later refund', () => {
    const f = (events = used, feedback = [answer(10, '2026-11-05T00:00:00Z')]) => ({ events, feedback });
    expect(checkEligibility(f([]), rule).eligible).toBe(false);
    expect(checkEligibility(f(used, [answer(10, '2026-12-15T00:00:00Z')]), rule).eligible).toBe(false);
    expect(checkEligibility(f(), { ...rule, requireExpectationMet: true }).eligible).toBe(false);
    expect(
      checkEligibility(f(used, [answer(10, '2026-11-05T00:00:00Z', { expectationMet: true })]), { ...rule, requireExpectationMet: true })
        .eligible,
    ).toBe(true);
    expect(checkEligibility(f([...used, { type: 'refund', occurredAt: at('2026-11-06T00:00:00Z') }]), rule).eligible).toBe(false);
  });
});
