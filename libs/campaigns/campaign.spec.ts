import { describe, expect, it } from '@jest/globals';
import { canMove, slugify } from './campaign.js';

describe('campaign status moves', () => {
  it('follows DRAFT → ACTIVE ⇄ PAUSED → ENDED', () => {
    expect(canMove('DRAFT', 'ACTIVE')).toBe(true);
    expect(canMove('ACTIVE', 'PAUSED')).toBe(true);
    expect(canMove('PAUSED', 'ACTIVE')).toBe(true);
    expect(canMove('PAUSED', 'ENDED')).toBe(true);
    expect(canMove('DRAFT', 'PAUSED')).toBe(false);
    expect(canMove('DRAFT', 'ENDED')).toBe(false);
    expect(canMove('ENDED', 'ACTIVE')).toBe(false);
    expect(canMove('ACTIVE', 'DRAFT')).toBe(false);
  });

  it('derives URL-safe slugs', () => {
    expect(slugify('Spring Referral — Ümlauts & more!')).toBe('spring-referral-umlauts-more');
    expect(slugify('!!!')).toBe('campaign');
  });
});
