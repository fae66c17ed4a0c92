import { describe, expect, it } from '@jest/globals';
import { assessRisk, isCouponSite, isDisposableEmail, type RiskSignals } from './risk.js';

const clean: RiskSignals = {
  sameCustomer: false,
  sameNormalizedEmail: false,
  visitorSeenOnAdvocatePage: false,
  friendEmail: 'friend@example.com',
  conversionsLastHour: 0,
  conversionsLastDay: 0,
  maxPerDay: null,
  sameIpHash: false,
  sameUserAgent: false,
  sameCardAsAdvocate: false,
  sameCardAsOtherReferral: false,
  couponFromCouponSite: false,
};

describe('assessRisk', () => {
  it('allows a clean referral', () => {
    expect(assessRisk(clean)).toEqual({ score: 0, decision: 'ALLOW', reasons: [] });
  });

  it('blocks the same person under another email spelling', () => {
    const r = assessRisk({ ...clean, sameNormalizedEmail: true });
    expect(r.decision).toBe('BLOCK');
    expect(r.reasons[0]!.code).toBe('SAME_PERSON_EMAIL');
  });

  it('sends disposable domains, velocity and shared cards to review', () => {
    expect(assessRisk({ ...clean, friendEmail: 'x@mailinator.com' }).decision).toBe('REVIEW');
    expect(assessRisk({ ...clean, conversionsLastDay: 30 }).decision).toBe('REVIEW');
    expect(assessRisk({ ...clean, conversionsLastDay: 4, maxPerDay: 3 }).reasons[0]!.code).toBe('VELOCITY_DAY');
    expect(assessRisk({ ...clean, sameCardAsOtherReferral: true }).decision).toBe('REVIEW');
    expect(assessRisk({ ...clean, sameCardAsAdvocate: true }).decision).toBe('REVIEW');
  });

  it('never blocks on the same IP alone: a household is allowed', () => {
    expect(assessRisk({ ...clean, sameIpHash: true })).toMatchObject({ decision: 'ALLOW', score: 10 });
  });

  it('honours campaign thresholds and caps the score at 100', () => {
    expect(assessRisk({ ...clean, sameCardAsAdvocate: true }, { review: 20, block: 50 }).decision).toBe('BLOCK');
    expect(assessRisk({ ...clean, sameCustomer: true, sameCardAsAdvocate: true, couponFromCouponSite: true }).score).toBe(100);
  });

  it('knows disposable domains and coupon sites', () => {
    expect(isDisposableEmail('a@mailinator.com')).toBe(true);
    expect(isDisposableEmail('a@gmail.com')).toBe(false);
    expect(isCouponSite('www.retailmenot.com')).toBe(true);
    expect(isCouponSite('uk.honey.com')).toBe(true);
    expect(isCouponSite('blog.example.com')).toBe(false);
  });
});
