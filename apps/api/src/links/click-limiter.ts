import { createRequire } from 'node:module';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { clientBucket } from '../common/rate-limit.js';

// @fastify/rate-limit's own in-memory store: fixed windows kept in an LRU of 20,000 addresses.
const LocalStore = createRequire(import.meta.url)('@fastify/rate-limit/store/LocalStore') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  cache: number,
) => FastifyRateLimitStore;

/**
 * Clicks per client address on the redirect, counted in this process only: the hot path never
 * waits on Redis. With N API processes an address may click up to N times the limit; the limit is
 * there to stop one client flooding the click stream, not to meter.
 */
@Injectable()
export class ClickLimiter {
  private readonly store = new LocalStore(false, false, 20_000);
  private readonly max: number;
  private readonly windowMs: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.max = config.rateLimits.redirect;
    this.windowMs = config.rateLimits.windowMs;
  }

  get limit(): number {
    return this.max;
  }

  /** Seconds until the address may click again, or undefined while it is within the limit. */
  retryAfter(ip: string): number | undefined {
    if (this.max === 0) return undefined;
    let seen: { current: number; ttl: number } | undefined;
    // An IPv4 address is its own bucket; only IPv6 needs parsing (one bucket per /64).
    this.store.incr(ip.includes(':') ? clientBucket(ip) : ip, (_error, result) => (seen = result), this.windowMs, this.max);
    return seen && seen.current > this.max ? Math.max(1, Math.ceil(seen.ttl / 1000)) : undefined;
  }
}
