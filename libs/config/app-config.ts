import { envSchema } from './config.schema.js';

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  http: { host: string; port: number; publicUrl: string };
  database: { url: string; poolSize: number; migrationsRun: boolean };
  redis: { url: string; prefix: string };
  log: { level: string };
  graphql: { maxDepth: number; maxCost: number; maxAliases: number; introspection: boolean; landingPage: boolean };
  /** `queues`: the queues this process consumes (undefined: all). */
  worker: { concurrency: number; queues: string[] | undefined };
  /** The click flush watermark stays `clockSkewMs` behind what the API processes report (their clocks may disagree). */
  clicks: { clockSkewMs: number };
  /** How long marketer reads are shared between requests (0: only requests in flight share one). */
  analyticsCacheMs: number;
  shutdownTimeoutMs: number;
  /** Used to derive salts and signing keys (IP hashes, signed links). */
  secretKey: string;
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

const DEV_SECRET = 'truthloop-development-secret-change-me';

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
  if (e.NODE_ENV === 'production' && !e.SECRET_KEY) {
    throw new ConfigError(['SECRET_KEY: required in production (at least 16 characters) (not set)']);
  }
  const production = e.NODE_ENV === 'production';
  return {
    env: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
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
    secretKey: e.SECRET_KEY ?? DEV_SECRET,
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
