import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { naturalBalance, percentOf, proRata } from './ledger.js';

describe('ledger arithmetic', () => {
  it('rounds percent rewards half up to the minor unit', () => {
    expect(percentOf(1000, 1500)).toBe(150);
    expect(percentOf(333, 1500)).toBe(50); // 49.95 → 50
    expect(percentOf(331, 1500)).toBe(50); // 49.65 → 50
    expect(percentOf(330, 1500)).toBe(50); // 49.5 → 50
    expect(percentOf(329, 1500)).toBe(49); // 49.35 → 49
    expect(percentOf(0, 10_000)).toBe(0);
  });

  it('computes pro-rata reversals that never exceed the reward', () => {
    expect(proRata(150, 500, 1000)).toBe(75);
    expect(proRata(151, 500, 1000)).toBe(76); // 75.5 → 76
    expect(proRata(150, 2000, 1000)).toBe(150);
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.nat(1_000_000), fc.integer({ min: 1, max: 1_000_000 }), (reward, refunded, order) => {
        const r = proRata(reward, refunded, order);
        return r >= 0 && r <= reward;
      }),
    );
  });

  it('reports balances in their natural sign', () => {
    expect(naturalBalance('pending', -500)).toBe(500);
    expect(naturalBalance('reward_expense', 500)).toBe(500);
  });
});
