import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { RedisKeys, createRedis } from '#libs/queue/index.js';
import type { Click } from './click.js';
import {
  PRODUCER_HEARTBEAT_MS,
  clickDepthKey,
  clickProducersKey,
  clickStreamKey,
  encodeProducer,
  ensureClickGroup,
} from './click-stream.js';

/** Clicks gathered for this long go to Redis in one pipeline: off the request's critical path. */
const BATCH_MS = 5;
const RETRY_MS = 500;
/** Clicks per stream entry. */
const ENTRY_MAX = 500;

/**
 * Buffers clicks in process for a few milliseconds, then appends them to the Redis stream in one
 * transaction that also renews this process's watermark (every click it made before that time is
 * in the stream), so the flush can tell when attribution may trust the clicks table. Nothing is
 * lost on a graceful shutdown: the HTTP server closes first, then the remainder goes out before
 * this connection (its own, so nothing else closes it first) quits.
 */
@Injectable()
export class ClickBuffer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ClickBuffer.name);
  private readonly redis: Redis;
  private readonly stream: string;
  private readonly depthKey: string;
  private readonly producersKey: string;
  private readonly producer = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private pending: Click[] = [];
  /** The oldest click handed to Redis and not yet acknowledged by it. */
  private sendingSince: number | undefined;
  private timer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private groupReady = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig, keys: RedisKeys) {
    this.redis = createRedis(config, 'clicks');
    this.stream = clickStreamKey(keys);
    this.depthKey = clickDepthKey(keys);
    this.producersKey = clickProducersKey(keys);
  }

  /**
   * Registers with the flush and keeps renewing. Not awaited: with Redis down the API must still
   * start; clicks reach the stream in the same transaction as a registration anyway, and clicks
   * held while Redis is unreachable for long are handled as late clicks.
   */
  onModuleInit(): void {
    void this.renew().catch((error: unknown) => this.logger.warn(`registering the click producer: ${String(error)}`));
    this.heartbeat = setInterval(() => void this.renew().catch(() => undefined), PRODUCER_HEARTBEAT_MS);
    this.heartbeat.unref();
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

  /** Every click this process made before the returned time is in Redis. */
  private watermark(now: number): number {
    return Math.min(oldest(this.pending, now), this.sendingSince ?? now);
  }

  private async renew(): Promise<unknown> {
    // While Redis is away, promises would only queue up; the next one after it is back says it all.
    if (this.redis.status !== 'ready') return;
    const now = Date.now();
    return this.redis.hset(this.producersKey, this.producer, encodeProducer(this.watermark(now), now));
  }

  private async send(): Promise<void> {
    if (this.pending.length === 0) return;
    const cut = Date.now();
    const batch = this.pending;
    this.pending = [];
    this.sendingSince = oldest(batch, cut);
    try {
      if (!this.groupReady) {
        await ensureClickGroup(this.redis, this.stream);
        this.groupReady = true;
      }
      // One stream entry per batch (its oldest click in `m`), and the new watermark, atomically.
      const multi = this.redis.multi();
      for (let i = 0; i < batch.length; i += ENTRY_MAX) {
        const part = batch.slice(i, i + ENTRY_MAX);
        multi.xadd(this.stream, '*', 'm', String(oldest(part, cut)), 'c', JSON.stringify(part));
      }
      multi.incrby(this.depthKey, batch.length);
      const wm = oldest(this.pending, cut);
      multi.hset(this.producersKey, this.producer, encodeProducer(wm, Date.now()));
      const results = (await multi.exec()) ?? [];
      if (results.some(([error]) => error)) throw new Error(`Redis refused clicks: ${String(results.find(([e]) => e)?.[0])}`);
    } catch (error) {
      // Keep them (at the front, in order) and try again shortly; an entry added twice after a
      // partial failure is harmless: the click id makes the database insert idempotent.
      this.pending = batch.concat(this.pending);
      this.logger.warn(`buffering ${batch.length} clicks in Redis failed, retrying: ${String(error)}`);
      this.timer ??= setTimeout(() => void this.flush(), RETRY_MS);
    } finally {
      this.sendingSince = undefined;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.flushing;
    for (let attempt = 0; attempt < 20 && this.pending.length > 0; attempt++) {
      clearTimeout(this.timer);
      await this.flush();
      if (this.pending.length > 0) await new Promise((r) => setTimeout(r, 100));
    }
    clearTimeout(this.timer);
    if (this.pending.length > 0) this.logger.error(`${this.pending.length} clicks could not be buffered before shutdown`);
    else await this.redis.hdel(this.producersKey, this.producer).catch(() => undefined);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** The time of the oldest click, or `otherwise` when there is none. */
function oldest(clicks: readonly Click[], otherwise: number): number {
  let at = otherwise;
  for (const c of clicks) if (c.at < at) at = c.at;
  return at;
}
