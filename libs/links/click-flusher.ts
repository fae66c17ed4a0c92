import { hostname } from 'node:os';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { REDIS, RedisKeys } from '#libs/queue/index.js';
import type { Click } from './click.js';
import { ClickRepository } from './click.repository.js';
import {
  CLICK_GROUP,
  CLICK_STREAM_NAME,
  clickDepthKey,
  clickProducersKey,
  clickStreamKey,
  ensureClickGroup,
  producersWatermark,
} from './click-stream.js';

/** Stream entries per read; each holds up to 500 clicks, and each insert takes up to this many clicks. */
const BATCH = 20;
const INSERT_MAX = 5000;
/** Entries pending this long belong to a consumer that died mid-batch: another takes them over. */
const CLAIM_IDLE_MS = 30_000;
/** One job drains at most this many entries, so a huge backlog does not hold a worker slot for long. */
const MAX_PER_RUN = 2_000;
/** Past this many entries left in the stream, the watermark waits for the next run. */
const SCAN_MAX = 1_000;

type StreamEntry = [id: string, fields: string[]];

/** A click that reached PostgreSQL after the watermark had passed its time. */
export interface LateClick {
  tenantId: string;
  visitorId: string;
  at: Date;
}

export interface FlushResult {
  stored: number;
  /** The watermark before and after this run (null before the first). */
  watermark: { before: Date | null; after: Date | null };
  late: LateClick[];
}

/**
 * Moves clicks from the Redis stream into PostgreSQL, exactly once: entries are read through a
 * consumer group, inserted with ON CONFLICT DO NOTHING on the click id, and only then acked
 * (and deleted). A crash between insert and ack leaves them pending; they are claimed again
 * and re-inserted as no-ops.
 *
 * Each run then raises the watermark: every click made before it is in PostgreSQL. It is the
 * smallest of (a) what the live API processes promised before the run (all their older clicks
 * were in the stream then) and (b) the oldest click of any entry still in the stream after the
 * run, less the allowed clock skew. Attribution waits for it; a click that lands behind it
 * anyway (an API process cut off from Redis for longer than its heartbeat) is returned as late.
 */
@Injectable()
export class ClickFlusher {
  private readonly logger = new Logger(ClickFlusher.name);
  private readonly stream: string;
  private readonly depthKey: string;
  private readonly producersKey: string;
  private readonly consumer = `${hostname()}-${process.pid}`;
  private groupReady = false;

  constructor(
    private readonly clicks: ClickRepository,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    keys: RedisKeys,
  ) {
    this.stream = clickStreamKey(keys);
    this.depthKey = clickDepthKey(keys);
    this.producersKey = clickProducersKey(keys);
  }

  /** Flushes what the stream holds now and raises the watermark. */
  async flush(): Promise<FlushResult> {
    if (!this.groupReady) {
      await ensureClickGroup(this.redis, this.stream);
      this.groupReady = true;
    }
    const before = await this.clicks.watermark();
    const promised = await this.promised();
    const late: LateClick[] = [];
    let stored = await this.reclaim(before, late);
    let seen = 0;
    while (seen < MAX_PER_RUN) {
      const entries = await this.read();
      if (entries.length === 0) break;
      seen += entries.length;
      stored += await this.store(entries, before, late);
    }
    const remaining = await this.oldestRemaining();
    let after = before;
    if (remaining !== undefined) {
      const candidate = new Date(Math.min(promised, remaining) - this.config.clicks.clockSkewMs);
      after = await this.clicks.raiseWatermark(CLICK_STREAM_NAME, candidate);
    }
    return { stored, watermark: { before, after }, late };
  }

  /** What the live producers promise; producers gone quiet are forgotten. */
  private async promised(): Promise<number> {
    const { watermark, dead } = producersWatermark(await this.redis.hgetall(this.producersKey), Date.now());
    if (dead.length > 0) await this.redis.hdel(this.producersKey, ...dead);
    return watermark;
  }

  /** The oldest click of the entries still in the stream (Infinity: none); undefined: too many to look. */
  private async oldestRemaining(): Promise<number | undefined> {
    const entries = (await this.redis.xrange(this.stream, '-', '+', 'COUNT', SCAN_MAX + 1)) as StreamEntry[];
    if (entries.length > SCAN_MAX) return undefined;
    let oldest = Infinity;
    for (const [, fields] of entries) {
      const m = Number(fields[fields.indexOf('m') + 1]);
      const at = fields.includes('m') && Number.isFinite(m) ? m : Math.min(...parseEntry(fields).map((c) => c.at));
      oldest = Math.min(oldest, at);
    }
    return oldest;
  }

  private async read(): Promise<StreamEntry[]> {
    try {
      const reply = (await this.redis.xreadgroup('GROUP', CLICK_GROUP, this.consumer, 'COUNT', BATCH, 'STREAMS', this.stream, '>')) as
        [string, StreamEntry[]][] | null;
      return reply?.[0]?.[1] ?? [];
    } catch (error) {
      // The stream was deleted (with its group) under us: recreate and read again next time.
      if (String(error).includes('NOGROUP')) {
        this.groupReady = false;
        await ensureClickGroup(this.redis, this.stream);
        this.groupReady = true;
        return [];
      }
      throw error;
    }
  }

  /** Takes over entries left pending by a consumer that stopped before acking them. */
  private async reclaim(before: Date | null, late: LateClick[]): Promise<number> {
    let stored = 0;
    let cursor = '0-0';
    do {
      const [next, entries] = (await this.redis.xautoclaim(
        this.stream,
        CLICK_GROUP,
        this.consumer,
        CLAIM_IDLE_MS,
        cursor,
        'COUNT',
        BATCH,
      )) as [string, StreamEntry[], ...unknown[]];
      cursor = next;
      // Entries deleted meanwhile come back as null fields; they are gone already.
      stored += await this.store(
        entries.filter((e) => Array.isArray(e[1])),
        before,
        late,
      );
    } while (cursor !== '0-0');
    return stored;
  }

  private async store(entries: StreamEntry[], before: Date | null, late: LateClick[]): Promise<number> {
    if (entries.length === 0) return 0;
    const clicks: Click[] = [];
    for (const [id, fields] of entries) {
      const parsed = parseEntry(fields);
      if (parsed.length === 0) this.logger.error(`dropping malformed click entry ${id}`);
      clicks.push(...parsed);
    }
    let stored = 0;
    for (let i = 0; i < clicks.length; i += INSERT_MAX) stored += await this.clicks.insertMany(clicks.slice(i, i + INSERT_MAX));
    if (before) {
      for (const c of clicks) if (c.at < before.getTime()) late.push({ tenantId: c.tenantId, visitorId: c.visitorId, at: new Date(c.at) });
    }
    const ids = entries.map(([id]) => id);
    await this.redis
      .multi()
      .xack(this.stream, CLICK_GROUP, ...ids)
      .xdel(this.stream, ...ids)
      .decrby(this.depthKey, clicks.length)
      .exec();
    return stored;
  }
}

/** An entry holds one batch of an API process's click buffer (older entries: one click). */
function parseEntry(fields: string[]): Click[] {
  try {
    const parsed = JSON.parse(fields[fields.indexOf('c') + 1] ?? '') as Click[] | Click;
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return [];
  }
}
