import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '#libs/config/index.js';
import { runMigrations } from '#libs/database/index.js';
import { NoRedisError, resolvePostgres, resolveRedis, type Service } from './local-infra.js';

const log = (message: string): void => {
  process.stderr.write(`[truthloop] ${message}\n`);
};

const entry = (app: 'api' | 'worker'): string => fileURLToPath(new URL(`../../${app}/src/main.js`, import.meta.url));

/**
 * `npm start`: find (or start) PostgreSQL and Redis, apply migrations, then run the API and
 * one worker as child processes until SIGINT/SIGTERM.
 */
export async function start(): Promise<void> {
  // Fail fast on anything else that is malformed before starting services.
  loadConfig(process.env);
  const services: Service[] = [];
  let children: ChildProcess[] = [];
  let stopping = false;

  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    for (const service of services.reverse()) await service.stop?.().catch(() => undefined);
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  try {
    const postgres = await resolvePostgres(process.env.DATABASE_URL || undefined, log);
    services.push(postgres);
    const redis = await resolveRedis(process.env.REDIS_URL || undefined, log);
    services.push(redis);
    log(`database: ${postgres.description}`);
    log(`redis: ${redis.description}`);

    const env = {
      // A laptop: webhooks may go to a receiver on this machine unless told otherwise.
      WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true',
      ...process.env,
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      MIGRATIONS_RUN: 'false',
    };
    const config = loadConfig(env);
    const applied = await runMigrations(config);
    log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema is up to date');

    const api = fork(entry('api'), [], { env, stdio: 'inherit' });
    const worker = fork(entry('worker'), [], { env, stdio: 'inherit' });
    children = [api, worker];
    for (const child of children) {
      child.once('exit', (code, signal) => {
        if (!stopping) {
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
  } catch (error) {
    if (error instanceof NoRedisError) log(error.message);
    else log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    await stop(1);
  }
}
