import { envSchema } from './config.schema.js';

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  http: {
    host: string;
    port: number;
    publicUrl: string;
    /** Proxies whose X-Forwarded-For is believed: a hop count or addresses/CIDRs; false: none. */
    trustProxy: false | number | string[];
  };
  database: { url: string; poolSize: number; migrationsRun: boolean };
  redis: { url: string; prefix: string };
  log: { level: string };
  /** introspection: open to every caller (development, tests); otherwise answered to ADMIN and READ keys only. */
  graphql: { maxDepth: number; maxCost: number; maxAliases: number; introspection: boolean; landingPage: boolean };
  /** `queues`: the queues this process consumes (undefined: all). */
  worker: { concurrency: number; queues: string[] | undefined };
  /** The click flush watermark stays `clockSkewMs` behind what the API processes report (their clocks may disagree). */
  clicks: { clockSkewMs: number };
  /** How long marketer reads are shared between requests (0: only requests in flight share one). */
  analyticsCacheMs: number;
  shutdownTimeoutMs: number;
  /** Derives salts and signing keys (IP hashes, signed links, sealed secrets): signs and seals. */
  secretKey: string;
  /** Keys that verify and open: the current one first, then SECRET_KEY_PREVIOUS while keys rotate. */
  secretKeys: readonly string[];
  /** Requests per window (0: no limit). */
  rateLimits: { windowMs: number; api: number; public: number; redirect: number };
  /** /metrics behind a bearer token (null: none) and/or on a port of its own (null: the API's). */
  metrics: { token: string | null; port: number | null };
  webhooks: {
    /** Lets endpoints point at private, loopback and link-local addresses (tests, local development). */
    allowPrivateNetworks: boolean;
    timeoutMs: number;
    retryBaseMs: number;
    retryMaxMs: number;
    /** Retries stop once an event is older than this. */
    retryWindowMs: number;
    /** How often each worker looks for undispatched events and due deliveries. */
    sweepMs: number;
  };
  /** Test-only faults (NODE_ENV=test only): the chaos suite's crash between a commit and the job's acknowledgement. */
  faults: { killAfterCommitProbability: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Where `npm start` keeps the key it generated (apps/cli/src/secret-key.ts). */
export const LAPTOP_SECRET_KEY_FILE = '.data/secret-key';

/** Validates the environment once, into one typed object. The only reader of process.env. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  // Empty strings count as unset, as in most .env tooling.
  const env = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = i.path.join('.');
        const got = source[name];
        return `${name}: ${i.message}${got === undefined ? ' (not set)' : ` (got "${got}")`}`;
      }),
    );
  }
  const e = parsed.data;
  // No fallback: a default key would be public, and with it anyone could sign links and open secrets.
  if (!e.SECRET_KEY) {
    throw new ConfigError([
      'SECRET_KEY: required, at least 32 random characters (not set); e.g. SECRET_KEY=$(openssl rand -hex 32). ' +
        `On a laptop, \`npm start\` makes one and keeps it in ${LAPTOP_SECRET_KEY_FILE}`,
    ]);
  }
  const production = e.NODE_ENV === 'production';
  return {
    env: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
      trustProxy: e.TRUST_PROXY ?? false,
    },
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE, migrationsRun: e.MIGRATIONS_RUN },
    redis: { url: e.REDIS_URL, prefix: e.REDIS_PREFIX },
    log: { level: e.LOG_LEVEL },
    graphql: {
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxCost: e.GRAPHQL_MAX_COST,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      introspection: !production,
      landingPage: !production,
    },
    worker: { concurrency: e.WORKER_CONCURRENCY, queues: e.WORKER_QUEUES?.split(',') },
    clicks: { clockSkewMs: e.CLICK_CLOCK_SKEW_MS },
    analyticsCacheMs: e.ANALYTICS_CACHE_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    secretKey: e.SECRET_KEY,
    secretKeys: e.SECRET_KEY_PREVIOUS ? [e.SECRET_KEY, e.SECRET_KEY_PREVIOUS] : [e.SECRET_KEY],
    rateLimits: { windowMs: e.RATE_LIMIT_WINDOW_MS, api: e.RATE_LIMIT_API, public: e.RATE_LIMIT_PUBLIC, redirect: e.RATE_LIMIT_REDIRECT },
    metrics: { token: e.METRICS_TOKEN ?? null, port: e.METRICS_PORT ?? null },
    webhooks: {
      allowPrivateNetworks: e.WEBHOOKS_ALLOW_PRIVATE_NETWORKS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: e.WEBHOOK_RETRY_MAX_MS,
      retryWindowMs: e.WEBHOOK_RETRY_WINDOW_MS,
      sweepMs: e.WEBHOOK_SWEEP_MS,
    },
    faults: { killAfterCommitProbability: e.NODE_ENV === 'test' ? e.CHAOS_KILL_AFTER_COMMIT_PROB : 0 },
  };
}
