import { describe, expect, it } from '@jest/globals';
import { open, seal } from './crypto.js';

describe('seal', () => {
  const key = 'k'.repeat(32);

  it('round-trips, and never contains the plaintext', () => {
    const sealed = seal(key, 'webhook-endpoint', 'whsec_abc123');
    expect(sealed).not.toContain('whsec_abc123');
    expect(open([key], 'webhook-endpoint', sealed)).toBe('whsec_abc123');
  });

  it('uses a fresh IV each time', () => {
    expect(seal(key, 'p', 'same')).not.toBe(seal(key, 'p', 'same'));
  });

  it('refuses another key, another purpose, or a tampered value', () => {
    const sealed = seal(key, 'p', 'secret');
    expect(() => open(['x'.repeat(32)], 'p', sealed)).toThrow();
    expect(() => open([key], 'q', sealed)).toThrow();
    const [v, iv, body, tag] = sealed.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => open([key], 'p', [v, iv, flipped.toString('base64url'), tag].join('.'))).toThrow();
    expect(() => open([key], 'p', 'garbage')).toThrow(/sealed/);
  });

  it('opens with the previous key while keys rotate', () => {
    const previous = 'p'.repeat(32);
    const sealed = seal(previous, 'p', 'made before the rotation');
    expect(open([key, previous], 'p', sealed)).toBe('made before the rotation');
    expect(() => open([key], 'p', sealed)).toThrow(/SECRET_KEY/);
  });
});
