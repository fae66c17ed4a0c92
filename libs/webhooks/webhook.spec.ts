import { describe, expect, it } from '@jest/globals';
import { nextAttemptAt, retryDelayMs } from './retry.js';
import { newEndpointSecret, signatureHeader, verifySignature, webhookBody } from './webhook.js';

describe('signatureHeader', () => {
  const secret = newEndpointSecret();
  const body = webhookBody({ id: 'e1', type: 'reward.credited', createdAt: new Date('2024-01-01T00:00:00Z'), data: { amount: 1000 } });

  it('signs "<t>.<body>" and verifies', () => {
    const header = signatureHeader(secret, body, new Date(1_700_000_000_000));
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(secret, body, header, 300, 1_700_000_000_000)).toBe(true);
  });

  it('fails with another secret, another body, or an old timestamp', () => {
    const header = signatureHeader(secret, body, new Date(1_700_000_000_000));
    expect(verifySignature(newEndpointSecret(), body, header, 300, 1_700_000_000_000)).toBe(false);
    expect(verifySignature(secret, body + ' ', header, 300, 1_700_000_000_000)).toBe(false);
    expect(verifySignature(secret, body, header, 300, 1_700_000_000_000 + 301_000)).toBe(false);
  });

  it('signs with the new and the previous secret after a rotation: a receiver with either accepts', () => {
    const previous = newEndpointSecret();
    const header = signatureHeader([secret, previous], body, new Date(1_700_000_000_000));
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifySignature(secret, body, header, 300, 1_700_000_000_000)).toBe(true);
    expect(verifySignature(previous, body, header, 300, 1_700_000_000_000)).toBe(true);
    expect(verifySignature(newEndpointSecret(), body, header, 300, 1_700_000_000_000)).toBe(false);
    // A second timestamp is refused: the signed one could be old while the other looks fresh.
    expect(verifySignature(secret, body, `t=1700009999,${header}`, 300, 1_700_000_000_000)).toBe(false);
  });
});

describe('retry schedule', () => {
  const policy = { retryBaseMs: 5000, retryMaxMs: 3_600_000, retryWindowMs: 72 * 3_600_000 };

  it('doubles from the base up to the cap, with full jitter', () => {
    expect(retryDelayMs(1, 5000, 3_600_000, () => 1)).toBe(5000);
    expect(retryDelayMs(2, 5000, 3_600_000, () => 1)).toBe(10_000);
    expect(retryDelayMs(30, 5000, 3_600_000, () => 1)).toBe(3_600_000);
    expect(retryDelayMs(5, 5000, 3_600_000, () => 0)).toBe(0);
  });

  it('keeps retrying for the whole window (at least 24 hours), then gives up', () => {
    const created = new Date(0);
    let now = created;
    let attempts = 0;
    for (;;) {
      const next = nextAttemptAt(++attempts, created, now, policy, () => 1);
      if (!next) break;
      now = next;
    }
    expect(now.getTime()).toBeGreaterThan(24 * 3_600_000);
    expect(now.getTime()).toBeLessThanOrEqual(72 * 3_600_000);
  });
});
