import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import ipaddr from 'ipaddr.js';
import { RateLimitedError } from '#libs/common/index.js';
import type { AppConfig } from '#libs/config/index.js';
import { apiKeyFrom } from './auth.js';

/** Who a request counts against: its API key (marketer and server API), or its client address (public pages). */
export type LimitPolicy = 'api' | 'public' | 'none';

/**
 * The policy of a path. The redirect is limited apart, in process (links/redirect.routes.ts);
 * health, metrics and Stripe's signed deliveries are not limited.
 */
export function policyOf(url: string): LimitPolicy {
  if (url.startsWith('/graphql') || url.startsWith('/v1/')) return 'api';
  if (url.startsWith('/a/') || url.startsWith('/dashboard/')) return 'public';
  return 'none';
}

/** One bucket per /64 for IPv6 (a host usually has the whole prefix), per address for IPv4. */
export function clientBucket(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip); // IPv4-mapped IPv6 counts as its IPv4 address
  if (address.kind() === 'ipv4') return address.toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/64`).toString()}/64`;
}

/** Keys are hashed: the limiter's Redis keys must not show them. */
function keyBucket(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 22);
}

function bucketOf(request: FastifyRequest): string {
  if (policyOf(request.url) === 'public') return `p:${clientBucket(request.ip)}`;
  const key = apiKeyFrom(request);
  return key ? `k:${keyBucket(key)}` : `a:${clientBucket(request.ip)}`;
}

/**
 * Limits requests per API key on the API and per client address on the public pages, with
 * @fastify/rate-limit and its Redis store: every API process counts in the same Redis keys, so a
 * limit holds however many processes run. Over it: 429 RATE_LIMITED with Retry-After and the
 * x-ratelimit-* headers. If Redis does not answer, requests pass (the limiter's connection does not
 * queue commands): losing Redis must not take the API down with it.
 */
export async function registerRateLimits(fastify: FastifyInstance, config: AppConfig): Promise<void> {
  const { windowMs, api, public: perAddress } = config.rateLimits;
  const redis = new Redis(config.redis.url, {
    connectionName: 'truthloop:rate-limit',
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
  });
  redis.on('error', () => undefined); // reconnects by itself; requests pass meanwhile
  fastify.addHook('onClose', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  const limitOf = (bucket: string) => (bucket.startsWith('p:') ? perAddress : api);
  await fastify.register(rateLimit, {
    global: true,
    redis,
    nameSpace: `${config.redis.prefix}:rate:`,
    timeWindow: windowMs,
    skipOnError: true,
    keyGenerator: bucketOf,
    allowList: (request, bucket) => policyOf(request.url) === 'none' || limitOf(bucket) === 0,
    max: (_request, bucket) => limitOf(bucket),
    errorResponseBuilder: (_request, context) =>
      Object.assign(new RateLimitedError(`Too many requests: at most ${context.max} per ${windowMs / 1000} s; retry in ${context.after}`), {
        statusCode: 429,
      }),
  });
}
