import ipaddr from 'ipaddr.js';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL (${protocols.join(' or ')})` },
  );

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** A secret of at least 32 characters; shorter ones are guessable or typed by hand. */
const secret = z.string().min(32, 'must be at least 32 characters');

/**
 * Which proxies may set X-Forwarded-For, as Fastify's trustProxy takes it: a hop count, or a
 * comma-separated list of addresses and CIDRs (and proxy-addr's names loopback, linklocal,
 * uniquelocal). `true` is refused: it would let any client choose its own address.
 */
const trustProxy = z.string().transform((v, ctx): number | string[] => {
  if (/^\d+$/.test(v)) return Number(v);
  const entries = v
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = entries.filter((e) => !PROXY_NAMES.includes(e) && !isAddressOrCidr(e));
  if (entries.length === 0 || bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a hop count or a comma-separated list of IP addresses or CIDRs${bad.length ? ` (not: ${bad.join(', ')})` : ''}`,
    });
    return z.NEVER;
  }
  return entries;
});
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];
function isAddressOrCidr(value: string): boolean {
  return ipaddr.isValid(value) || (value.includes('/') && isCidr(value));
}
function isCidr(value: string): boolean {
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}

/** Every environment variable Truthloop reads, with its default. `.env.example` mirrors this. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/truthloop'),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  MIGRATIONS_RUN: bool.default(true),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')
    .default('tl'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GRAPHQL_MAX_DEPTH: int(2, 50).default(10),
  GRAPHQL_MAX_COST: int(10, 1_000_000).default(5000),
  GRAPHQL_MAX_ALIASES: int(1, 1000).default(50),
  WORKER_CONCURRENCY: int(1, 1000).default(20),
  // The queues this worker process consumes (comma-separated; unset: all of them).
  WORKER_QUEUES: z
    .string()
    .regex(/^[a-z]+(,[a-z]+)*$/, 'must be queue names separated by commas, such as rewards,moments')
    .optional(),
  // How far the clocks of API processes may disagree; the click flush watermark stays this far behind.
  CLICK_CLOCK_SKEW_MS: int(0, 60_000).default(500),
  // Marketer reads (campaignStats, leaderboard, cycle, channelReport) are shared for this long (0: only in-flight).
  ANALYTICS_CACHE_MS: int(0, 600_000).default(2_000),
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(10_000),
  // Required (checked in loadConfig, so the message can say how to get one); `npm start` makes one.
  SECRET_KEY: secret.optional(),
  // The key before the current one, while keys rotate: what it signed or sealed still verifies.
  SECRET_KEY_PREVIOUS: secret.optional(),
  TRUST_PROXY: trustProxy.optional(),
  // Requests per window: per API key (GraphQL and REST), per client IP on public pages (shared
  // through Redis), per client IP on the redirect (in each process). 0 turns a limit off.
  RATE_LIMIT_WINDOW_MS: int(1_000, 3_600_000).default(60_000),
  RATE_LIMIT_API: int(0, 10_000_000).default(1_200),
  RATE_LIMIT_PUBLIC: int(0, 10_000_000).default(120),
  RATE_LIMIT_REDIRECT: int(0, 10_000_000).default(600),
  // /metrics behind a bearer token, and/or on a port of its own (not the public one).
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  METRICS_PORT: int(1, 65535).optional(),
  WEBHOOKS_ALLOW_PRIVATE_NETWORKS: bool.default(false),
  WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(10_000),
  WEBHOOK_RETRY_BASE_MS: int(1, 3_600_000).default(5_000),
  WEBHOOK_RETRY_MAX_MS: int(1, 86_400_000).default(3_600_000),
  WEBHOOK_RETRY_WINDOW_MS: int(1_000, 30 * 86_400_000).default(72 * 3_600_000),
  WEBHOOK_SWEEP_MS: int(100, 600_000).default(5_000),
  // Test-only fault injection (the chaos suite): ignored unless NODE_ENV=test.
  CHAOS_KILL_AFTER_COMMIT_PROB: z.coerce.number().min(0).max(1).default(0),
});

export type Env = z.input<typeof envSchema>;
