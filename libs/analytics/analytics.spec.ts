import { describe, expect, it } from '@jest/globals';
import { campaignStats, imotScore, orderChannels, ratio } from './analytics.js';
import { signDashboard, verifyDashboard } from './dashboard-link.js';

describe('analytics formulas', () => {
  it('ratio is null without a denominator', () => {
    expect(ratio(3, 4)).toBe(0.75);
    expect(ratio(0, 0)).toBeNull();
  });

  it('ROR is taken in the advocate reward currency only', () => {
    const counts = {
      clicks: 0,
      humanClicks: 0,
      shares: 0,
      signups: 0,
      conversions: 0,
      advocates: 0,
      sharingAdvocates: 0,
      referredConverted: 0,
      restarted: 0,
      answered: 0,
      kept: 0,
    };
    const s = campaignStats(
      counts,
      [
        { amount: 9000, currency: 'USD' },
        { amount: 5000, currency: 'EUR' },
      ],
      [{ amount: 3000, currency: 'USD' }],
      'USD',
    );
    expect(s.returnOnRelationship).toBe(3);
    expect(campaignStats(counts, [], [{ amount: 3000, currency: 'USD' }], 'EUR').returnOnRelationship).toBeNull();
  });

  it('IMOT score: each part saturates at its target, 0-100', () => {
    expect(imotScore({ shares: 0, distinctVisitors: 0, channels: 0, activeDays: 0 })).toBe(0);
    expect(imotScore({ shares: 2, distinctVisitors: 2, channels: 2, activeDays: 2 })).toBe(39);
    expect(imotScore({ shares: 5, distinctVisitors: 10, channels: 3, activeDays: 7 })).toBe(100);
    expect(imotScore({ shares: 500, distinctVisitors: 1, channels: 1, activeDays: 1 })).toBe(Math.round(25 + 2.5 + 25 / 3 + 25 / 7));
  });

  it('orders channels: the campaign first, then by name, unknown last', () => {
    const row = (channel: string) => ({ channel, shares: 0, humanClicks: 0, conversions: 0, preferredBy: 0 });
    expect(
      orderChannels([row('unknown'), row('tiktok'), row('x'), row('email'), row('instagram')], ['x', 'email']).map((r) => r.channel),
    ).toEqual(['x', 'email', 'instagram', 'tiktok', 'unknown']);
  });
});

describe('dashboard links', () => {
  const key = 'a-secret-key-of-thirty-two-chars';
  const exp = 2_000_000_000;
  const sig = signDashboard(key, 'tenant', 'campaign', exp);
  const now = new Date((exp - 10 * 86_400) * 1000);

  it('accepts its own signature until it expires', () => {
    expect(verifyDashboard([key], 'tenant', 'campaign', String(exp), sig, now)).toBe('valid');
    expect(verifyDashboard([key], 'tenant', 'campaign', String(exp), sig, new Date(exp * 1000))).toBe('expired');
  });

  it('refuses another tenant, campaign, expiry, key or a malformed signature', () => {
    expect(verifyDashboard([key], 'other', 'campaign', String(exp), sig, now)).toBe('invalid');
    expect(verifyDashboard([key], 'tenant', 'other', String(exp), sig, now)).toBe('invalid');
    expect(verifyDashboard([key], 'tenant', 'campaign', String(exp + 1), sig, now)).toBe('invalid');
    expect(verifyDashboard([`${key}x`], 'tenant', 'campaign', String(exp), sig, now)).toBe('invalid');
    expect(verifyDashboard([key], 'tenant', 'campaign', String(exp), sig.slice(2), now)).toBe('invalid');
    expect(verifyDashboard([key], 'tenant', 'campaign', undefined, sig, now)).toBe('invalid');
  });

  it('refuses a correctly signed link that claims to live longer than 30 days', () => {
    const far = Math.floor(now.getTime() / 1000) + 31 * 86_400;
    expect(verifyDashboard([key], 'tenant', 'campaign', String(far), signDashboard(key, 'tenant', 'campaign', far), now)).toBe('invalid');
    const years = Math.floor(now.getTime() / 1000) + 5 * 365 * 86_400;
    expect(verifyDashboard([key], 'tenant', 'campaign', String(years), signDashboard(key, 'tenant', 'campaign', years), now)).toBe(
      'invalid',
    );
  });

  it('accepts links of the previous key while keys rotate', () => {
    const current = 'the-new-secret-key-of-32-characters';
    expect(verifyDashboard([current, key], 'tenant', 'campaign', String(exp), sig, now)).toBe('valid');
    expect(verifyDashboard([current], 'tenant', 'campaign', String(exp), sig, now)).toBe('invalid');
  });
});
