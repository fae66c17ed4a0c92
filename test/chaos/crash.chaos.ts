import { afterAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import type pg from 'pg';
import {
  createTenant,
  gql,
  type GqlResult,
  pool,
  startApi,
  startWorker,
  testEnv,
  type RunningApi,
  type RunningProcess,
} from '../support/harness.js';
import {
  PROFILE,
  Rng,
  bookViolations,
  accountBalances,
  followedLink,
  lostConversions,
  pick,
  postWithRetry,
  recordFigures,
  seedOf,
  sleep,
} from './support/chaos.js';
import { ADVOCATE_BPS, FRIEND_FIXED, campaignWithAdvocates, percentOf } from './support/world.js';

/**
 * Guarantee 1: workers may die at any moment (SIGKILL, no shutdown hook), also between the ledger
 * commit of a reward and the acknowledgement of its job; once the queues drain the books are exact.
 */
describe('chaos: crash', () => {
  const seed = seedOf('crash');
  const rng = new Rng(seed);
  const size = pick({ ci: { conversions: 600, advocates: 60 }, full: { conversions: 2000, advocates: 200 } });
  const MIN_KILLS = 5;
  const env = testEnv({ WORKER_CONCURRENCY: '8' });
  let api: RunningApi | undefined;
  let db: pg.Pool | undefined;
  const workers: (RunningProcess | undefined)[] = [undefined, undefined];
  let stopping = false;

  afterAll(async () => {
    stopping = true;
    await Promise.all([api?.stop(), ...workers.map((w) => w?.kill())]);
    await db?.end();
  });

  it(`keeps the books exact while workers are SIGKILLed (${size.conversions} conversions, ${size.advocates} advocates)`, async () => {
    api = await startApi(env);
    db = pool(env);
    const { tenantId, apiKey } = await createTenant(env, 'Chaos crash');
    const { campaignId, advocates } = await campaignWithAdvocates(env, tenantId, size.advocates);

    // Two worker processes; each dies by its own hand after some reward commits, or by ours.
    const killedByUs = new WeakSet<object>();
    let inflicted = 0;
    let afterCommit = 0;
    let restarts = 0;
    const launches = new Set<Promise<void>>();
    const launch = (slot: number): void => {
      const p = (async () => {
        for (;;) {
          if (stopping) return;
          try {
            const w = await startWorker(env, { CHAOS_KILL_AFTER_COMMIT_PROB: '0.004' });
            workers[slot] = w;
            w.child.once('exit', (_code, signal) => {
              if (stopping) return;
              if (!killedByUs.has(w.child) && signal === 'SIGKILL') afterCommit++;
              restarts++;
              launch(slot);
            });
            return;
          } catch (error) {
            // It died during start-up (the fault hook can fire before the ready message): again.
            if (/exited with null/.test(String(error))) afterCommit++;
            else throw error;
          }
        }
      })();
      launches.add(p);
      void p.finally(() => launches.delete(p));
    };
    launch(0);
    launch(1);
    await Promise.all([...launches]);

    // The model: what each account must hold once everything is applied.
    const expected = new Map<string, number>();
    const add = (key: string, amount: number) => expected.set(key, (expected.get(key) ?? 0) + amount);
    const now = Date.now();
    // One friend in five follows the advocate's link first: their purchase names only the visitor id
    // (sent right after the click, while the worker that flushes clicks may be dying).
    const conversions: Record<string, unknown>[] = Array.from({ length: size.conversions }, (_, i) => {
      const advocate = advocates[i < advocates.length ? i : rng.int(0, advocates.length - 1)]!;
      const amount = rng.int(500, 50_000);
      add(`advocate:${advocate.id}:pending:USD`, percentOf(amount, ADVOCATE_BPS));
      add(`campaign:${campaignId}:reward_expense:USD`, percentOf(amount, ADVOCATE_BPS) + FRIEND_FIXED);
      const purchase = {
        id: `crash-purchase-${i}`,
        type: 'purchase',
        customerId: `crash-friend-${i}`,
        orderId: `crash-order-${i}`,
        amount,
        currency: 'USD',
      };
      return i % 5 === 0
        ? { ...purchase, clickCode: advocate.code }
        : { ...purchase, referralCode: advocate.code, occurredAt: new Date(now - rng.int(60_000, 2 * 86_400_000)).toISOString() };
    });

    // Sent in random batches at a random pace, while a killer strikes at random moments.
    let sending = true;
    const killer = (async () => {
      while (sending || inflicted < MIN_KILLS) {
        await sleep(rng.int(1000, 4000));
        const slot = rng.int(0, 1);
        const w = workers[slot];
        if (!w || w.child.exitCode !== null || w.child.signalCode !== null) continue;
        killedByUs.add(w.child);
        inflicted++;
        w.child.kill('SIGKILL');
      }
    })();
    let requests = 0;
    for (let i = 0; i < conversions.length;) {
      const n = rng.int(1, 80);
      const batch = await Promise.all(conversions.slice(i, i + n).map((c) => (c.clickCode ? followedLink(api!, c) : c)));
      const res = await postWithRetry(`${api.url}/v1/events`, { batch }, { authorization: `Bearer ${apiKey}` });
      expect(res.status).toBe(202);
      requests++;
      i += n;
      await sleep(rng.int(0, 400));
    }
    sending = false;
    await killer;

    // Drained: every purchase applied, every referral credited twice (advocate and friend), no job left.
    const queue = new Queue('rewards', { connection: { url: env.REDIS_URL }, prefix: `${env.REDIS_PREFIX}:bull` });
    const deadline = Date.now() + 300_000;
    for (;;) {
      const { rows } = await db.query<{ applied: number; rewards: number }>(
        `SELECT (SELECT count(*)::int FROM event_effects WHERE tenant_id = $1) AS applied,
                (SELECT count(*)::int FROM rewards WHERE tenant_id = $1) AS rewards`,
        [tenantId],
      );
      const jobs = await queue.getJobs(['wait', 'active', 'prioritized', 'delayed'], 0, 10_000);
      const pending = jobs.filter((j) => j.name === 'reward.credit' || j.name === 'events.apply').length;
      if (rows[0]!.applied === size.conversions && rows[0]!.rewards === 2 * size.conversions && pending === 0) break;
      if (Date.now() > deadline) throw new Error(`not drained: ${JSON.stringify(rows[0])}, ${pending} jobs`);
      await sleep(500);
    }
    await queue.close();
    stopping = true;
    await Promise.all(workers.map((w) => w?.stop()));

    const violations = await bookViolations(db, tenantId);
    const balances = await accountBalances(db, tenantId);
    for (const [key, amount] of expected)
      if ((balances.get(key) ?? 0) !== amount) violations.push(`${key}: ${balances.get(key)} ≠ model ${amount}`);
    const { rows: friends } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id
       WHERE a.tenant_id = $1 AND a.owner_type = 'customer' AND a.kind = 'pending' AND e.amount = -${FRIEND_FIXED}`,
      [tenantId],
    );
    if (friends[0]!.n !== size.conversions) violations.push(`${friends[0]!.n} friend credits, expected ${size.conversions}`);
    const { rows: kinds } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM referrals f WHERE f.tenant_id = $1 AND f.status = 'CONVERTED'
         AND (SELECT count(DISTINCT kind) FROM rewards r WHERE r.referral_id = f.id) = 2`,
      [tenantId],
    );
    if (kinds[0]!.n !== size.conversions) violations.push(`${kinds[0]!.n} referrals with both rewards, expected ${size.conversions}`);
    const lost = await lostConversions(db, tenantId);
    if (lost > 0) violations.push(`${lost} purchases whose referral was not credited`);

    // What a marketer sees agrees with the model.
    let after: string | null = null;
    let seen = 0;
    do {
      type Page = {
        advocates: {
          edges: { node: { id: string; balance: { pending: number } } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
      const page: GqlResult<Page> = await gql(
        api,
        apiKey,
        `query($c: ID!, $a: String) { advocates(campaignId: $c, first: 100, after: $a) { edges { node { id balance { pending currency } } } pageInfo { hasNextPage endCursor } } }`,
        { c: campaignId, a: after },
      );
      for (const { node } of page.data!.advocates.edges) {
        seen++;
        const model = expected.get(`advocate:${node.id}:pending:USD`) ?? 0;
        if (node.balance.pending !== model) violations.push(`API balance of ${node.id}: ${node.balance.pending} ≠ model ${model}`);
      }
      after = page.data!.advocates.pageInfo.hasNextPage ? page.data!.advocates.pageInfo.endCursor : null;
    } while (after);
    if (seen !== size.advocates) violations.push(`API listed ${seen} advocates of ${size.advocates}`);

    recordFigures({
      scenario: 'crash',
      seed,
      profile: PROFILE,
      runs: 1,
      faults: inflicted + afterCommit,
      inputs: size.conversions,
      violations: violations.length,
      details: {
        conversions: size.conversions,
        advocates: size.advocates,
        requests,
        killedAtRandom: inflicted,
        killedAfterCommit: afterCommit,
        restarts,
        byClick: conversions.filter((c) => c.clickCode).length,
        lostConversions: lost,
      },
    });
    expect(violations).toEqual([]);
    expect(inflicted + afterCommit).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(afterCommit).toBeGreaterThanOrEqual(1);
  }, 900_000);
});
