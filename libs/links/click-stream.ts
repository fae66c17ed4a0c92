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

/**
 * Each API process's promise about its clicks: field = process, value = `<watermark>:<seen>`
 * (epoch ms). Every click it made before `watermark` is in the stream already; `seen` is when
 * it last said so. The flusher trusts only processes seen within PRODUCER_TTL_MS.
 */
export function clickProducersKey(keys: RedisKeys): string {
  return keys.key('clicks', 'producers');
}

/** A producer not heard from for this long is gone (its unbuffered clicks, if any, arrive late). */
export const PRODUCER_TTL_MS = 10_000;
/** How often an API process renews its promise. */
export const PRODUCER_HEARTBEAT_MS = 250;

/** The watermark table's row for this stream (one stream today; shards would have a row each). */
export const CLICK_STREAM_NAME = 'clicks';

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

export function encodeProducer(watermark: number, seen: number): string {
  return `${watermark}:${seen}`;
}

/**
 * The time before which every live producer's clicks are in the stream: the smallest watermark
 * of the producers seen lately. With none alive, nothing is held back: any API process that
 * reappears with old clicks is late, and late clicks are handled by re-attribution.
 */
export function producersWatermark(fields: Record<string, string>, now: number): { watermark: number; dead: string[] } {
  let watermark = now;
  const dead: string[] = [];
  for (const [producer, value] of Object.entries(fields)) {
    const [wm, seen] = value.split(':').map(Number);
    if (!Number.isFinite(wm) || !Number.isFinite(seen) || now - seen! > PRODUCER_TTL_MS) dead.push(producer);
    else watermark = Math.min(watermark, wm!);
  }
  return { watermark, dead };
}

/** Seconds between the click watermark and now (null: no flush has run yet). */
export function flushLagSeconds(watermark: Date | null, now = Date.now()): number | null {
  return watermark === null ? null : Math.max(0, (now - watermark.getTime()) / 1000);
}
