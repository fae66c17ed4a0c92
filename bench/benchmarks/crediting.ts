/** Benchmark 3: conversions credited per second by the worker, against a no-op BullMQ worker. */
import { randomBytes, randomUUID } from 'node:crypto';
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

/**
 * `n` converted referrals of `advocates` advocates, left for the worker to credit; returns their ids.
 * Customers, advocates and referrals come in through the world builder's history import.
 */
export async function seedConversions(world: World, n: number, advocates = 100): Promise<string[]> {
  const tag = randomBytes(3).toString('hex');
  const now = new Date();
  const advocateCustomers = Array.from({ length: advocates }, (_, i) => ({
    id: randomUUID(),
    externalId: `adv-${tag}-${i}`,
    name: 'Advocate',
  }));
  const advocateIds = advocateCustomers.map(() => randomUUID());
  const friends = Array.from({ length: n }, (_, i) => ({ id: randomUUID(), externalId: `friend-${tag}-${i}`, name: 'Friend' }));
  const ids = friends.map(() => randomUUID());
  await world.build.importHistory(world.tenantId, world.campaignId, {
    customers: [...advocateCustomers, ...friends],
    advocates: advocateCustomers.map((c, i) => ({
      id: advocateIds[i]!,
      customerId: c.id,
      code: `C${tag}${i}`.toUpperCase(),
      portalToken: randomBytes(18).toString('base64url'),
      generation: 0,
      createdAt: now,
    })),
    referrals: friends.map((f, i) => ({
      id: ids[i]!,
      advocateId: advocateIds[i % advocates]!,
      referredCustomerId: f.id,
      status: 'CONVERTED' as const,
      attributedBy: 'REFERRAL_CODE' as const,
      visitorId: null,
      orderId: `bench-${tag}-${i}`,
      amount: 5000,
      currency: 'USD',
      refundedAmount: 0,
      convertedAt: now,
      createdAt: now,
      riskDecision: 'ALLOW' as const,
      toCredit: true,
    })),
  });
  return ids;
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
