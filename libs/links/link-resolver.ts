import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ChangeBus, REDIS, RedisKeys, type ChangeMessage } from '#libs/queue/index.js';
import type { CampaignStatus } from '#libs/campaigns/index.js';
import { LinkRepository } from './link.repository.js';
import type { ResolvedLink } from './link.js';

/** How long a process trusts its own copy; a campaign change also drops it at once. */
export const LOCAL_TTL_MS = 5_000;
/** Redis copies live longer; campaign changes delete them. */
const REDIS_TTL_S = 3_600;
/** A missed change message (pub/sub is at-most-once) is repaired by this second pass. */
const SECOND_PASS_MS = 2_000;

export interface LinkEntry {
  link: ResolvedLink | null;
  expires: number;
  /** Per channel: the destination with the referral parameters, ready for `tl_vid`. */
  readonly prepared: Map<string, [string, string]>;
}

/**
 * Resolves share codes: an in-process map with a short lifetime, then a Redis hash per code,
 * then PostgreSQL. When warm, a lookup is a map read; an expired entry is served once more
 * while it is refreshed in the background, so the redirect never waits on a store.
 */
@Injectable()
export class LinkResolver implements OnModuleInit {
  private readonly logger = new Logger(LinkResolver.name);
  private readonly local = new Map<string, LinkEntry>();
  private readonly byCampaign = new Map<string, Set<string>>();
  private readonly loading = new Map<string, Promise<LinkEntry>>();

  constructor(
    private readonly links: LinkRepository,
    private readonly changes: ChangeBus,
    private readonly keys: RedisKeys,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  onModuleInit(): void {
    // Not awaited: with Redis down the API must still start (and report itself not ready);
    // the listener is in place at once, the subscription follows when Redis answers.
    void this.changes
      .subscribe('campaign', (m) => void this.campaignChanged(m))
      .catch((error: unknown) => this.logger.error(`subscribing to campaign changes: ${String(error)}`));
    setInterval(() => this.sweep(), 30_000).unref();
  }

  /** Codes nobody asked for lately leave memory. */
  private sweep(): void {
    const cutoff = Date.now() - LOCAL_TTL_MS;
    for (const [key, entry] of this.local) {
      if (entry.expires >= cutoff) continue;
      this.local.delete(key);
      if (entry.link) this.byCampaign.get(entry.link.campaignId)?.delete(key);
    }
  }

  /** The entry for a code: synchronously when cached and fresh enough, else a promise. */
  entry(code: string): LinkEntry | Promise<LinkEntry> {
    const key = code.toLowerCase();
    const cached = this.local.get(key);
    const now = Date.now();
    if (cached) {
      if (cached.expires > now) return cached;
      // Expired within the last TTL: answer with it while one refresh runs.
      if (cached.expires + LOCAL_TTL_MS > now) {
        void this.load(key).catch((error: unknown) => this.logger.warn(`refreshing link ${key}: ${String(error)}`));
        return cached;
      }
    }
    return this.load(key);
  }

  async resolve(code: string): Promise<ResolvedLink | null> {
    return (await this.entry(code)).link;
  }

  private load(key: string): Promise<LinkEntry> {
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.fetch(key).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  private async fetch(key: string): Promise<LinkEntry> {
    let link: ResolvedLink | null | undefined = await this.fromRedis(key);
    if (link === undefined) {
      link = (await this.links.resolveCode(key)) ?? null;
      if (link) void this.toRedis(key, link).catch((error: unknown) => this.logger.warn(`caching link ${key}: ${String(error)}`));
    }
    return this.remember(key, link);
  }

  private remember(key: string, link: ResolvedLink | null): LinkEntry {
    const entry: LinkEntry = { link, expires: Date.now() + LOCAL_TTL_MS, prepared: new Map() };
    this.local.set(key, entry);
    if (link) {
      let codes = this.byCampaign.get(link.campaignId);
      if (!codes) this.byCampaign.set(link.campaignId, (codes = new Set()));
      codes.add(key);
    }
    return entry;
  }

  private codeKey(key: string): string {
    return this.keys.key('links', 'code', key);
  }

  private campaignKey(campaignId: string): string {
    return this.keys.key('links', 'campaign', campaignId);
  }

  /** undefined: not in Redis (or Redis unavailable); look in PostgreSQL. */
  private async fromRedis(key: string): Promise<ResolvedLink | undefined> {
    // While disconnected ioredis would queue the command; go to PostgreSQL instead of waiting.
    if (this.redis.status !== 'ready') return undefined;
    try {
      const h = await this.redis.hgetall(this.codeKey(key));
      if (!h.advocateId) return undefined;
      return {
        code: h.code!,
        tenantId: h.tenantId!,
        advocateId: h.advocateId,
        campaignId: h.campaignId!,
        campaignSlug: h.slug!,
        campaignStatus: h.status as CampaignStatus,
        destinationUrl: h.dest!,
        channels: h.channels ? h.channels.split(',') : [],
      };
    } catch (error) {
      this.logger.warn(`reading link ${key} from Redis: ${String(error)}`);
      return undefined;
    }
  }

  private async toRedis(key: string, link: ResolvedLink): Promise<void> {
    if (this.redis.status !== 'ready') return;
    const codeKey = this.codeKey(key);
    const campaignKey = this.campaignKey(link.campaignId);
    await this.redis
      .multi()
      .hset(codeKey, {
        code: link.code,
        tenantId: link.tenantId,
        advocateId: link.advocateId,
        campaignId: link.campaignId,
        slug: link.campaignSlug,
        status: link.campaignStatus,
        dest: link.destinationUrl,
        channels: link.channels.join(','),
      })
      .expire(codeKey, REDIS_TTL_S)
      // The campaign's set of cached codes, so a change can delete exactly those.
      .sadd(campaignKey, key)
      .expire(campaignKey, REDIS_TTL_S + 60)
      .exec();
  }

  /** Drops every copy of the campaign's links, here and in Redis; then once more, later. */
  async campaignChanged({ id }: ChangeMessage): Promise<void> {
    await this.forget(id);
    setTimeout(() => void this.forget(id), SECOND_PASS_MS).unref();
  }

  private async forget(campaignId: string): Promise<void> {
    for (const key of this.byCampaign.get(campaignId) ?? []) this.local.delete(key);
    this.byCampaign.delete(campaignId);
    try {
      const campaignKey = this.campaignKey(campaignId);
      const codes = await this.redis.smembers(campaignKey);
      await this.redis.del(campaignKey, ...codes.map((c) => this.codeKey(c)));
    } catch (error) {
      this.logger.warn(`dropping cached links of campaign ${campaignId}: ${String(error)}`);
    }
  }
}
