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
  SECRET_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
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
