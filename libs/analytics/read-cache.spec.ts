import { describe, expect, it } from '@jest/globals';
import { ReadCache } from './read-cache.js';

describe(ReadCache.name, () => {
  it('shares one computation between requests in flight, and keeps nothing with ttl 0', async () => {
    const cache = new ReadCache<number>(0);
    let calls = 0;
    const compute = () => new Promise<number>((r) => setTimeout(() => r(++calls), 20));
    expect(await Promise.all([cache.get('k', compute), cache.get('k', compute), cache.get('k', compute)])).toEqual([1, 1, 1]);
    expect(await cache.get('k', compute)).toBe(2);
  });

  it('keeps an answer for its ttl, and never keeps a failure', async () => {
    const cache = new ReadCache<number>(60_000);
    let calls = 0;
    expect(await cache.get('a', async () => ++calls)).toBe(1);
    expect(await cache.get('a', async () => ++calls)).toBe(1);
    expect(await cache.get('b', async () => ++calls)).toBe(2);
    await expect(cache.get('c', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('c', async () => 7)).toBe(7);
  });
});
