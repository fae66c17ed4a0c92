import { describe, expect, it } from '@jest/globals';
import { API_KEY_PREFIX, displayPrefix, generateApiKey, hashApiKey, looksLikeApiKey } from './api-key.js';

describe('api keys', () => {
  it('carry the recognisable prefix and are unique', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(looksLikeApiKey(a)).toBe(true);
    expect(a).not.toEqual(b);
    expect(displayPrefix(a)).toHaveLength(API_KEY_PREFIX.length + 4);
  });

  it('hash deterministically, without containing the key', () => {
    const key = generateApiKey();
    expect(hashApiKey(key).equals(hashApiKey(key))).toBe(true);
    expect(hashApiKey(key).toString('hex')).not.toContain(key);
    expect(looksLikeApiKey('tl_live_short')).toBe(false);
  });
});
