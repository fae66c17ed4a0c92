/** Benchmark 3: conversions credited per second by the worker, against a no-op BullMQ worker. */
import { randomBytes } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Proc, World } from '../lib/env.js';
import { log, sleep, until } from '../lib/load.js';
import { result, round, type Result } from '../lib/report.js';
import type { Options } from './options.js';

/** The worker's default job options (libs/queue/queue.module.ts), so both sides carry the same jobs. */
const JOB_OPTIONS: JobsOptions = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

function queue(world: World, name: string): Queue {
  const connection = new Redis(world.env.REDIS_URL!, { maxRetriesPerRequest: null });
  return new Queue(name, { connection, prefix: `${world.env.REDIS_PREFIX}:bull`, defaultJobOptions: JOB_OPTIONS });
}

async function enqueue(q: Queue, name: string, payloads: object[]): Promise<void> {
  for (let i = 0; i < payloads.length; i += 1000) {
    await q.addBulk(payloads.slice(i, i + 1000).map((data) => ({ name, data })));
  }
}

/** Nothing waiting or running; delayed jobs are left out (the worker's repeatable jobs are always there). */
async function drained(q: Queue): Promise<boolean> {
  const c = await q.getJobCounts('waiting', 'active', 'prioritized', 'waiting-children');
  return Object.values(c).every((n) => n === 0);
}

/** `n` converted referrals of `advocates` advocates, inserted with SQL; returns their ids. */
export async function seedConversions(world: World, n: number, advocates = 100): Promise<string[]> {
  const tag = randomBytes(3).toString('hex');
  await world.db.query(
    `WITH c AS (INSERT INTO customers (tenant_id, external_id, name)
                SELECT $1, 'adv-${tag}-' || g, 'Advocate' FROM generate_series(1, $3) g RETURNING id)
     INSERT INTO advocates (tenant_id, campaign_id, customer_id, code, portal_token)
     SELECT $1, $2, c.id, 'C${tag}' || row_number() OVER (), md5(random()::text || c.id::text) FROM c`,
    [world.tenantId, world.campaignId, advocates],
  );
  const { rows } = await world.db.query<{ id: string }>(
    `WITH a AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM advocates WHERE tenant_id = $1 AND code LIKE 'C${tag}%'),
          c AS (INSERT INTO customers (tenant_id, external_id, name)
                SELECT $1, 'friend-${tag}-' || g, 'Friend' FROM generate_series(1, $3) g RETURNING id),
          n AS (SELECT id, row_number() OVER () AS k FROM c)
     INSERT INTO referrals (tenant_id, campaign_id, advocate_id, referred_customer_id, status, attributed_by, amount, currency, converted_at)
     SELECT $1, $2, a.id, n.id, 'CONVERTED', 'REFERRAL_CODE', 5000, 'USD', now() FROM n JOIN a ON a.i = n.k % $4
     RETURNING id`,
    [world.tenantId, world.campaignId, n, advocates],
  );
  return rows.map((r) => r.id);
}

async function rewardsOf(world: World, ids: string[]): Promise<number> {
  const { rows } = await world.db.query<{ n: string }>(`SELECT count(*) AS n FROM rewards WHERE referral_id = ANY($1::uuid[])`, [ids]);
  return Number(rows[0]!.n);
}

/** One reward per referral, one credit posting per reward, and entries that balance. */
async function exactlyOnce(world: World, ids: string[]): Promise<{ ok: boolean; rewards: number; postings: number; duplicates: number }> {
  const { rows } = await world.db.query<{ rewards: string; postings: string; duplicates: string; unbalanced: string }>(
    `SELECT (SELECT count(*) FROM rewards WHERE referral_id = ANY($1::uuid[])) AS rewards,
            (SELECT count(*) FROM ledger_transactions t JOIN rewards r ON r.id = t.reward_id
              WHERE r.referral_id = ANY($1::uuid[]) AND t.kind = 'reward.credit') AS postings,
            (SELECT count(*) FROM (SELECT referral_id FROM rewards WHERE referral_id = ANY($1::uuid[])
              GROUP BY referral_id HAVING count(*) > 1) d) AS duplicates`,
    [ids],
  );
  const r = rows[0]!;
  const rewards = Number(r.rewards);
  const postings = Number(r.postings);
  const duplicates = Number(r.duplicates);
  return { ok: rewards === ids.length && postings === rewards && duplicates === 0, rewards, postings, duplicates };
}

export interface CreditFigures {
  rate: number;
  seconds: number;
  exactlyOnce: boolean;
  rewards: number;
  postings: number;
  rssWorkerMb: number;
}

/** Our workers: from the first enqueue to the last reward committed; then every job again (a redelivery). */
export async function measureCredit(world: World, n: number, workers: Proc[]): Promise<CreditFigures> {
  const ids = await seedConversions(world, n);
  const q = queue(world, 'rewards');
  try {
    const started = performance.now();
    await enqueue(
      q,
      'reward.credit',
      ids.map((referralId) => ({ tenantId: world.tenantId, referralId })),
    );
    const done = await until(async () => (await rewardsOf(world, ids)) >= n, 300_000, 50);
    const seconds = (performance.now() - started) / 1000;
    if (!done) log(`  crediting: only ${await rewardsOf(world, ids)} of ${n} rewards after 300 s`);
    let rssWorkerMb = 0;
    for (const w of workers) rssWorkerMb = Math.max(rssWorkerMb, (await w.rss()) / 2 ** 20);
    // Every job delivered a second time must change nothing.
    await enqueue(
      q,
      'reward.credit',
      ids.map((referralId) => ({ tenantId: world.tenantId, referralId })),
    );
    await until(() => drained(q), 300_000, 100);
    await sleep(200);
    const once = await exactlyOnce(world, ids);
    return { rate: n / seconds, seconds, exactlyOnce: once.ok, rewards: once.rewards, postings: once.postings, rssWorkerMb };
  } finally {
    await q.close();
  }
}

/** No-op BullMQ workers: from the first enqueue until the queue is drained. */
export async function measureNoop(world: World, n: number, workers: number): Promise<number> {
  const name = `bench-noop-${randomBytes(2).toString('hex')}`;
  const procs: Proc[] = [];
  for (let i = 0; i < workers; i++) procs.push(await world.startBare('dist/bench/baselines/noop-worker.js', { BENCH_QUEUE: name }));
  const q = queue(world, name);
  try {
    const started = performance.now();
    await enqueue(
      q,
      'reward.credit',
      Array.from({ length: n }, (_, i) => ({ tenantId: world.tenantId, referralId: String(i) })),
    );
    await until(() => drained(q), 300_000, 20);
    return n / ((performance.now() - started) / 1000);
  } finally {
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
    for (const p of procs) await world.stop(p);
  }
}

export async function crediting(world: World, o: Options, workers = 1, name = 'crediting'): Promise<Result> {
  const noop = await measureNoop(world, o.conversions, workers);
  const ws: Proc[] = [];
  for (let i = 0; i < workers; i++) ws.push(await world.startWorker());
  try {
    const ours = await measureCredit(world, o.conversions, ws);
    log(`  ${name}: no-op ${Math.round(noop)} jobs/s; ours ${Math.round(ours.rate)} conversions/s (${ours.seconds.toFixed(1)} s)`);
    return result({
      name,
      ours: round(ours.rate),
      baseline: round(noop),
      unit: 'conversions/s',
      target: '>= 0.5',
      baselineIs: `no-op BullMQ worker${workers > 1 ? 's' : ''}, same concurrency and settings`,
      workers,
      conversions: o.conversions,
      seconds: round(ours.seconds, 2),
      exactlyOnce: ours.exactlyOnce,
      rewards: ours.rewards,
      creditPostings: ours.postings,
      workerRssMb: round(ours.rssWorkerMb),
    });
  } finally {
    for (const w of ws) await world.stop(w);
  }
}
