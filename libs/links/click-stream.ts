import type { Redis } from 'ioredis';
import type { RedisKeys } from '#libs/queue/index.js';

/** The Redis stream that buffers clicks between the redirect and PostgreSQL. */
export function clickStreamKey(keys: RedisKeys): string {
  return keys.key('clicks', 'stream');
}

/** How many clicks the stream holds (entries carry batches, so XLEN would count batches). */
export function clickDepthKey(keys: RedisKeys): string {
  return keys.key('clicks', 'depth');
}

/** The consumer group of the flushers: each entry goes to one of them and stays pending until acked. */
export const CLICK_GROUP = 'flushers';

/** Creates the group if missing; from id 0, so clicks added before it existed are flushed too. */
export async function ensureClickGroup(redis: Redis, stream: string): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, CLICK_GROUP, '0', 'MKSTREAM');
  } catch (error) {
    if (!String(error).includes('BUSYGROUP')) throw error;
  }
}
