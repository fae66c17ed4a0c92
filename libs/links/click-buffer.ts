import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { RedisKeys, createRedis } from '#libs/queue/index.js';
import type { Click } from './click.js';
import { clickDepthKey, clickStreamKey, ensureClickGroup } from './click-stream.js';

/** Clicks gathered for this long go to Redis in one pipeline: off the request's critical path. */
const BATCH_MS = 5;
const RETRY_MS = 500;
/** Clicks per stream entry. */
const ENTRY_MAX = 500;

/**
 * Buffers clicks in process for a few milliseconds, then appends them to the Redis stream in one
 * pipeline. Nothing is lost on a graceful shutdown: the HTTP server closes first, then the
 * remainder goes out before this connection (its own, so nothing else closes it first) quits.
 */
@Injectable()
export class ClickBuffer implements OnApplicationShutdown {
  private readonly logger = new Logger(ClickBuffer.name);
  private readonly redis: Redis;
  private readonly stream: string;
  private readonly depthKey: string;
  private pending: Click[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private groupReady = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig, keys: RedisKeys) {
    this.redis = createRedis(config, 'clicks');
    this.stream = clickStreamKey(keys);
    this.depthKey = clickDepthKey(keys);
  }

  push(click: Click): void {
    this.pending.push(click);
    this.timer ??= setTimeout(() => void this.flush(), BATCH_MS);
  }

  /** Clicks not yet in Redis, plus those in the stream not yet in PostgreSQL. */
  async depth(): Promise<number> {
    return this.pending.length + Math.max(0, Number((await this.redis.get(this.depthKey)) ?? 0));
  }

  /** Sends what is pending; one flush at a time, in order. */
  flush(): Promise<void> {
    this.timer = undefined;
    this.flushing = (this.flushing ?? Promise.resolve()).then(() => this.send());
    return this.flushing;
  }

  private async send(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      if (!this.groupReady) {
        await ensureClickGroup(this.redis, this.stream);
        this.groupReady = true;
      }
      // One stream entry per batch: one command for Redis to parse and the flusher to ack.
      const pipeline = this.redis.pipeline();
      for (let i = 0; i < batch.length; i += ENTRY_MAX) pipeline.xadd(this.stream, '*', 'c', JSON.stringify(batch.slice(i, i + ENTRY_MAX)));
      pipeline.incrby(this.depthKey, batch.length);
      const results = (await pipeline.exec()) ?? [];
      if (results.some(([error]) => error)) throw new Error(`Redis refused clicks: ${String(results.find(([e]) => e)?.[0])}`);
    } catch (error) {
      // Keep them (at the front, in order) and try again shortly; an entry added twice after a
      // partial failure is harmless: the click id makes the database insert idempotent.
      this.pending = batch.concat(this.pending);
      this.logger.warn(`buffering ${batch.length} clicks in Redis failed, retrying: ${String(error)}`);
      this.timer ??= setTimeout(() => void this.flush(), RETRY_MS);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flushing;
    for (let attempt = 0; attempt < 20 && this.pending.length > 0; attempt++) {
      clearTimeout(this.timer);
      await this.flush();
      if (this.pending.length > 0) await new Promise((r) => setTimeout(r, 100));
    }
    clearTimeout(this.timer);
    if (this.pending.length > 0) this.logger.error(`${this.pending.length} clicks could not be buffered before shutdown`);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
