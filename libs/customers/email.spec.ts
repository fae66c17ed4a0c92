import { describe, expect, it } from '@jest/globals';
import { normalizeEmail } from './email.js';

describe('normalizeEmail', () => {
  it('folds case and surrounding spaces', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
  });

  it('drops +tags on any domain', () => {
    expect(normalizeEmail('ada+shop@example.com')).toBe('ada@example.com');
  });

  it('drops Gmail dots and folds googlemail.com', () => {
    expect(normalizeEmail('A.da.L+x@GoogleMail.com')).toBe('adal@gmail.com');
    expect(normalizeEmail('a.d.a@gmail.com')).toBe(normalizeEmail('ada@gmail.com'));
  });

  it('keeps dots elsewhere', () => {
    expect(normalizeEmail('a.d.a@example.com')).toBe('a.d.a@example.com');
  });
});
