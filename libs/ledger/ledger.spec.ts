import { describe, expect, it } from '@jest/globals';
import { naturalBalance } from './ledger.js';

describe('ledger arithmetic', () => {
  it('reports balances in their natural sign', () => {
    expect(naturalBalance('pending', -500)).toBe(500);
    expect(naturalBalance('reward_expense', 500)).toBe(500);
    expect(Object.is(naturalBalance('pending', 0), 0)).toBe(true);
  });
});
