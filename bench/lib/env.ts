/**
 * The world of one benchmark run: a fresh database, a Redis prefix of its own, a tenant with an
 * ACTIVE campaign, and launchers for the real API and worker (the built dist/) and the baselines.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig } from '#libs/config/index.js';
import { openWorld, type WorldBuilder } from '#libs/world/index.js';

const exec = promisify(execFile);
// A tool run from the command line, like the test harness: it reads its own knobs from the environment.
const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** BENCH_PROFILE=1 writes CPU profiles of every API and worker into .tmp/profiles. */
const PROFILE = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=.tmp/profiles'] : [];

export interface Proc {
  child: ChildProcess;
  port?: number;
  url: string;
  /** Resident set size in bytes, read from /proc (0 where there is none). */
  rss: () => Promise<number>;
  stop: () => Promise<void>;
}

export function launch(entry: string, env: Record<string, string>, readyType: string, execArgv: string[] = []): Promise<Proc> {
  const child = fork(entry, [], { execArgv, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.on('message', (m: { type?: string; port?: number }) => {
      if (m.type !== readyType) return;
      resolve({
        child,
        port: m.port,
        url: `http://127.0.0.1:${m.port ?? 0}`,
        rss: () => rssOf(child.pid),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
    void exited.then(() => reject(new Error(`${entry} exited early:\n${output}`)));
  });
}

async function rssOf(pid: number | undefined): Promise<number> {
  if (!pid) return 0;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return kb ? Number(kb[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export interface World {
  env: Record<string, string>;
  db: pg.Pool;
  tenantId: string;
  apiKey: string;
  campaignId: string;
  /** The code of one advocate of the campaign, for redirects. */
  code: string;
  advocateId: string;
  procs: Set<Proc>;
  startApi: (extra?: Record<string, string>) => Promise<Proc>;
  startWorker: (extra?: Record<string, string>) => Promise<Proc>;
  startBare: (entry: string, extra?: Record<string, string>) => Promise<Proc>;
  stop: (p: Proc) => Promise<void>;
  gql: <T>(api: Proc, query: string, variables?: Record<string, unknown>) => Promise<T>;
  redis: Redis;
  /** The world builder on the run's database: every row a benchmark seeds goes through it. */
  build: WorldBuilder;
  close: () => Promise<void>;
}

export async function createWorld(): Promise<World> {
  const runId = `${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
  const database = `tl_bench_${runId}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${database}`;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    SECRET_KEY: randomBytes(24).toString('hex'),
    // One client sends everything: limits on, but far above what a benchmark sends, so their cost is measured.
    RATE_LIMIT_API: '10000000',
    RATE_LIMIT_PUBLIC: '10000000',
    RATE_LIMIT_REDIRECT: '10000000',
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL,
    REDIS_PREFIX: `tlbench-${runId}`,
    HOST: '127.0.0.1',
    PUBLIC_URL: 'https://go.example.com',
    MIGRATIONS_RUN: 'false',
  };
  const procs = new Set<Proc>();
  const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
  // Idle clients are cut when the database is dropped at the end; nothing to report then.
  db.on('error', () => undefined);
  const redis = new Redis(REDIS_URL);
  let builder: Awaited<ReturnType<typeof openWorld>> | undefined;
  const close = async () => {
    await Promise.all([...procs].map((p) => p.stop()));
    await builder?.close();
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${env.REDIS_PREFIX}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  };
  try {
    const cliEnv = { PATH: process.env.PATH ?? '', ...env };
    await exec('node', ['dist/apps/cli/src/main.js', 'migrate'], { env: cliEnv });
    const { stdout } = await exec('node', ['dist/apps/cli/src/main.js', 'tenant:create', '--name', 'Bench'], { env: cliEnv });
    const { tenantId, apiKey } = JSON.parse(stdout) as { tenantId: string; apiKey: string };
    builder = await openWorld(loadConfig(env));

    const track = async (p: Promise<Proc>) => {
      const proc = await p;
      procs.add(proc);
      return proc;
    };
    const world: World = {
      env,
      db,
      tenantId,
      apiKey,
      campaignId: '',
      code: '',
      advocateId: '',
      procs,
      redis,
      build: builder.builder,
      close,
      startApi: (extra = {}) => track(launch('dist/apps/api/src/main.js', { ...env, PORT: '0', ...extra }, 'listening', PROFILE)),
      startWorker: (extra = {}) => track(launch('dist/apps/worker/src/main.js', { ...env, ...extra }, 'ready', PROFILE)),
      startBare: (entry, extra = {}) => track(launch(entry, { ...env, ...extra }, 'listening')),
      stop: async (p) => {
        await p.stop();
        procs.delete(p);
      },
      gql: async <T>(api: Proc, query: string, variables: Record<string, unknown> = {}) => {
        const res = await fetch(`${api.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await res.json()) as { data?: T; errors?: unknown };
        if (body.errors) throw new Error(JSON.stringify(body.errors));
        return body.data!;
      },
    };

    const api = await world.startApi();
    const { createCampaign } = await world.gql<{ createCampaign: { id: string } }>(
      api,
      `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`,
      {
        input: {
          name: 'Bench',
          destinationUrl: 'https://shop.example.com/welcome',
          message: { headline: 'Give 10, get 10', body: 'Try it' },
          advocateReward: { kind: 'FIXED', amount: 1000, currency: 'USD' },
        },
      },
    );
    await world.gql(api, `mutation($id: ID!) { setCampaignStatus(id: $id, status: ACTIVE) { id } }`, { id: createCampaign.id });
    await world.stop(api);
    world.campaignId = createCampaign.id;
    world.code = `BENCH${randomBytes(3).toString('hex').toUpperCase()}`;
    world.advocateId = (
      await world.build.advocate(tenantId, world.campaignId, { externalId: 'bench', name: 'Bench', code: world.code })
    ).id;
    return world;
  } catch (error) {
    await close();
    throw error;
  }
}
