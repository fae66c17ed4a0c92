/**
 * `npm run bench:redirect`: GET /r/:code of a real API (warm cache) against bare Fastify answering
 * a static 302, same connections and duration, on a fresh database; then checks that every
 * redirect became exactly one stored click, and writes the figures into BENCHMARKS.md.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';

const exec = promisify(execFile);
// A tool run from the command line, like the test harness: it reads its own knobs from the environment.
const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

interface Proc {
  child: ChildProcess;
  port?: number;
  stop: () => Promise<void>;
}

function launch(entry: string, env: Record<string, string>, readyType: string, execArgv: string[] = []): Promise<Proc> {
  const child = fork(entry, [], { execArgv, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.on('message', (m: { type?: string; port?: number }) => {
      if (m.type === readyType) resolve({ child, port: m.port, stop: () => (child.kill('SIGTERM'), exited) });
    });
    void exited.then(() => reject(new Error(`${entry} exited early:\n${output}`)));
  });
}

interface Figures {
  rps: number;
  p99: number;
  p50: number;
  redirects: number;
  errors: number;
}

async function run(url: string, duration = DURATION_S): Promise<Figures> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration, headers: { 'user-agent': UA } });
  return {
    rps: r.requests.average,
    p99: r.latency.p99,
    p50: r.latency.p50,
    redirects: r['3xx'],
    errors: r.errors + r.timeouts + r.non2xx - r['3xx'],
  };
}

function mean(fs: Figures[]): Figures {
  const avg = (k: keyof Figures) => fs.reduce((s, f) => s + f[k], 0) / fs.length;
  const sum = (k: keyof Figures) => fs.reduce((s, f) => s + f[k], 0);
  return { rps: avg('rps'), p99: avg('p99'), p50: avg('p50'), redirects: sum('redirects'), errors: sum('errors') };
}

async function metric(apiUrl: string, name: string): Promise<number> {
  const body = await (await fetch(`${apiUrl}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(body);
  return m ? Number(m[1]) : NaN;
}

async function main(): Promise<void> {
  const runId = `${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
  const database = `tl_bench_${runId}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${database}`;
  const env = {
    NODE_ENV: 'production',
    SECRET_KEY: randomBytes(24).toString('hex'),
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL,
    REDIS_PREFIX: `tlbench-${runId}`,
    HOST: '127.0.0.1',
  };
  const procs: Proc[] = [];
  const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
  try {
    await exec('node', ['dist/apps/cli/src/main.js', 'migrate'], { env: { PATH: process.env.PATH ?? '', ...env } });
    const { stdout } = await exec('node', ['dist/apps/cli/src/main.js', 'tenant:create', '--name', 'Bench'], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    const { tenantId, apiKey } = JSON.parse(stdout) as { tenantId: string; apiKey: string };

    // BENCH_PROFILE=1 writes a CPU profile of the API into .tmp/profiles.
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=.tmp/profiles'] : [];
    const api = await launch('dist/apps/api/src/main.js', { ...env, PORT: '0', MIGRATIONS_RUN: 'false' }, 'listening', profile);
    procs.push(api);
    const apiUrl = `http://127.0.0.1:${api.port}`;
    const gql = async (query: string, variables: Record<string, unknown>) => {
      const res = await fetch(`${apiUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: Record<string, { id: string }>; errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data!;
    };
    const { createCampaign } = await gql(`mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`, {
      input: {
        name: 'Bench',
        destinationUrl: 'https://shop.example.com/welcome',
        message: { headline: 'Give 10, get 10', body: 'Try it' },
        advocateReward: { kind: 'FIXED', amount: 1000, currency: 'USD' },
      },
    });
    await gql(`mutation($id: ID!) { setCampaignStatus(id: $id, status: ACTIVE) { id } }`, { id: createCampaign!.id });
    const code = `BENCH${randomBytes(3).toString('hex').toUpperCase()}`;
    const { rows } = await db.query<{ id: string }>(
      `WITH c AS (INSERT INTO customers (tenant_id, external_id, name) VALUES ($1, 'bench', 'Bench') RETURNING id)
       INSERT INTO advocates (tenant_id, campaign_id, customer_id, code, portal_token)
       SELECT $1, $2, c.id, $3, $4 FROM c RETURNING id`,
      [tenantId, createCampaign!.id, code, randomBytes(18).toString('base64url')],
    );
    const advocateId = rows[0]!.id;

    const bare = await launch('dist/bench/bare-server.js', {}, 'listening');
    procs.push(bare);
    const bareUrl = `http://127.0.0.1:${bare.port}/r/${code}`;
    const redirectUrl = `${apiUrl}/r/${code}`;

    process.stdout.write(`Warming up (${CONNECTIONS} connections)...\n`);
    await run(bareUrl, 3);
    await run(redirectUrl, 3);
    const bareRuns: Figures[] = [];
    const redirectRuns: Figures[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      bareRuns.push(await run(bareUrl));
      redirectRuns.push(await run(redirectUrl));
      process.stdout.write(
        `round ${i + 1}: bare ${Math.round(bareRuns[i]!.rps)} req/s p99 ${bareRuns[i]!.p99} ms; redirect ${Math.round(redirectRuns[i]!.rps)} req/s p99 ${redirectRuns[i]!.p99} ms\n`,
      );
    }
    const b = mean(bareRuns);
    const r = mean(redirectRuns);

    // Every redirect the API answered is one click; start a worker and wait for all of them.
    const answered = await metric(apiUrl, 'truthloop_redirect_duration_seconds_count');
    const worker = await launch('dist/apps/worker/src/main.js', { ...env, MIGRATIONS_RUN: 'false' }, 'ready');
    procs.push(worker);
    const started = Date.now();
    let stored = 0;
    for (;;) {
      const { rows: counted } = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM clicks WHERE advocate_id = $1 AND kind = 'human'`,
        [advocateId],
      );
      stored = Number(counted[0]!.n);
      if (stored >= answered || Date.now() - started > 120_000) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    const flushSeconds = (Date.now() - started) / 1000;
    const complete = stored === answered;

    const ratioRps = r.rps / b.rps;
    const ratioP99 = r.p99 / Math.max(b.p99, 1);
    const date = new Date().toISOString().slice(0, 10);
    const section = `<!-- bench:redirect:start -->
## Redirect: \`GET /r/:code\` against bare Fastify

Command: \`npm run bench:redirect\` (bench/redirect.ts; ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION_S} s each after a
3 s warm-up, alternating; a fresh database; API in production mode, cache warm; ${cpus().length} CPUs: ${cpus()[0]?.model ?? 'unknown'}).
Run on ${date}.

| target | req/s | p50 (ms) | p99 (ms) |
|---|---:|---:|---:|
| bare Fastify, static 302 | ${Math.round(b.rps)} | ${b.p50.toFixed(1)} | ${b.p99.toFixed(1)} |
| Truthloop \`GET /r/:code\` | ${Math.round(r.rps)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |
| ratio (redirect / bare) | ${ratioRps.toFixed(2)} (target ≥ 0.70) | | ${ratioP99.toFixed(2)} (target ≤ 1.50) |

Clicks: the API answered ${answered} redirects (warm-up included); after the worker's flush ${stored} human clicks were
stored (${complete ? 'every one, exactly once' : 'MISMATCH'}), ${flushSeconds.toFixed(1)} s after the worker started.
p99 ratios use at least 1 ms for the bare p99 (autocannon reports whole milliseconds).
<!-- bench:redirect:end -->`;
    process.stdout.write(`\n${section}\n`);
    let doc = '';
    try {
      doc = await readFile('BENCHMARKS.md', 'utf8');
    } catch {
      doc = '# Benchmarks\n\nFigures written by the benchmarks under `bench/`, with the command that produced them.\n';
    }
    doc = /<!-- bench:redirect:start -->[\s\S]*<!-- bench:redirect:end -->/.test(doc)
      ? doc.replace(/<!-- bench:redirect:start -->[\s\S]*<!-- bench:redirect:end -->/, section)
      : `${doc.trimEnd()}\n\n${section}\n`;
    await writeFile('BENCHMARKS.md', doc);
    // The repository's formatting check covers this file too.
    await exec('node_modules/.bin/prettier', ['--write', 'BENCHMARKS.md']).catch(() => undefined);
    if (!complete) process.exitCode = 1;
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    const redis = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `tlbench-${runId}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
