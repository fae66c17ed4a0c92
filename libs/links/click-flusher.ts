import { hostname } from 'node:os';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS, RedisKeys } from '#libs/queue/index.js';
import type { Click } from './click.js';
import { ClickRepository } from './click.repository.js';
import { CLICK_GROUP, clickDepthKey, clickStreamKey, ensureClickGroup } from './click-stream.js';

/** Stream entries per read; each holds up to 500 clicks, and each insert takes up to this many clicks. */
const BATCH = 20;
const INSERT_MAX = 5000;
/** Entries pending this long belong to a consumer that died mid-batch: another takes them over. */
const CLAIM_IDLE_MS = 30_000;
/** One job drains at most this many entries, so a huge backlog does not hold a worker slot for long. */
const MAX_PER_RUN = 2_000;

type StreamEntry = [id: string, fields: string[]];

/**
 * Moves clicks from the Redis stream into PostgreSQL, exactly once: entries are read through a
 * consumer group, inserted with ON CONFLICT DO NOTHING on the click id, and only then acked
 * (and deleted). A crash between insert and ack leaves them pending; they are claimed again
 * and re-inserted as no-ops.
 */
@Injectable()
export class ClickFlusher {
  private readonly logger = new Logger(ClickFlusher.name);
  private readonly stream: string;
  private readonly depthKey: string;
  private readonly consumer = `${hostname()}-${process.pid}`;
  private groupReady = false;

  constructor(
    private readonly clicks: ClickRepository,
    @Inject(REDIS) private readonly redis: Redis,
    keys: RedisKeys,
  ) {
    this.stream = clickStreamKey(keys);
    this.depthKey = clickDepthKey(keys);
  }

  /** Flushes what the stream holds now; returns how many clicks were stored. */
  async flush(): Promise<number> {
    if (!this.groupReady) {
      await ensureClickGroup(this.redis, this.stream);
      this.groupReady = true;
    }
    let stored = await this.reclaim();
    let seen = 0;
    while (seen < MAX_PER_RUN) {
      const entries = await this.read();
      if (entries.length === 0) break;
      seen += entries.length;
      stored += await this.store(entries);
    }
    return stored;
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
  private async reclaim(): Promise<number> {
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
      stored += await this.store(entries.filter((e) => Array.isArray(e[1])));
    } while (cursor !== '0-0');
    return stored;
  }

  private async store(entries: StreamEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const clicks: Click[] = [];
    for (const [id, fields] of entries) {
      const raw = fields[fields.indexOf('c') + 1];
      try {
        // An entry holds one batch of the API's click buffer.
        const parsed = JSON.parse(raw ?? '') as Click[] | Click;
        if (Array.isArray(parsed)) clicks.push(...parsed);
        else clicks.push(parsed);
      } catch {
        this.logger.error(`dropping malformed click entry ${id}`);
      }
    }
    let stored = 0;
    for (let i = 0; i < clicks.length; i += INSERT_MAX) stored += await this.clicks.insertMany(clicks.slice(i, i + INSERT_MAX));
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
