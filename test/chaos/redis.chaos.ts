import { afterAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { createTenant, pool, startApi, startWorker, testEnv, type RunningApi, type RunningProcess } from '../support/harness.js';
import {
  bookViolations,
  lostConversions,
  pick,
  postWithRetry,
  privateRedis,
  PROFILE,
  recordFigures,
  Rng,
  seedOf,
  sleep,
} from './support/chaos.js';
import { campaignWithAdvocates } from './support/world.js';

/**
 * Guarantee 2: Redis is a cache of work, PostgreSQL the truth. Redis crashes and restarts, and once
 * loses everything (FLUSHALL), in the middle of a run: every committed conversion still gets its
 * rewards (the sweepers re-queue from PostgreSQL) and every outbox event exists, once, for delivery.
 */
describe('chaos: Redis lost', () => {
  const seed = seedOf('redis');
  const rng = new Rng(seed);
  const conversions = pick({ ci: 300, full: 900 });
  let redis: Awaited<ReturnType<typeof privateRedis>> | undefined;
  let api: RunningApi | undefined;
  let worker: RunningProcess | undefined;
  let db: pg.Pool | undefined;

  afterAll(async () => {
    await Promise.all([api?.kill(), worker?.kill()]);
    await db?.end();
    await redis?.stop();
  });

  it(`credits every committed conversion and keeps every outbox event through a Redis restart and a FLUSHALL (${conversions} conversions)`, async () => {
    redis = await privateRedis();
    const env = testEnv({ REDIS_URL: redis.url });
    [api, worker] = (await Promise.all([startApi(env), startWorker(env)])) as [RunningApi, RunningProcess];
    db = pool(env);
    const { tenantId, apiKey } = await createTenant(env, 'Chaos redis');
    const { advocates } = await campaignWithAdvocates(env, tenantId, 30);

    const events = Array.from({ length: conversions }, (_, i) => ({
      id: `redis-purchase-${i}`,
      type: 'purchase',
      customerId: `redis-friend-${i}`,
      referralCode: rng.pick(advocates).code,
      orderId: `redis-order-${i}`,
      amount: rng.int(500, 20_000),
      currency: 'USD',
      occurredAt: new Date(Date.now() - rng.int(60_000, 86_400_000)).toISOString(),
    }));
    // The faults land at seeded points of the stream: a crash-restart while events flow, then a total
    // loss while committed work waits in Redis only (the worker is down when it is queued).
    const restartAt = rng.int(Math.floor(conversions * 0.2), Math.floor(conversions * 0.4));
    const outageAt = rng.int(Math.floor(conversions * 0.5), Math.floor(conversions * 0.6));
    const flushAt = rng.int(Math.floor(conversions * 0.75), Math.floor(conversions * 0.85));
    let retries = 0;
    let requests = 0;
    let lostWithFlush = 0;
    const faults: Promise<void>[] = [];
    let phase = 0;
    for (let i = 0; i < events.length;) {
      if (phase === 0 && i >= restartAt) {
        phase = 1;
        faults.push(redis.restart(rng.int(500, 3000)));
      }
      if (phase === 1 && i >= outageAt) {
        phase = 2;
        await Promise.all(faults);
        await worker.kill();
      }
      if (phase === 2 && i >= flushAt) {
        phase = 3;
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM events e WHERE e.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM event_effects x WHERE x.event_uuid = e.id)`,
          [tenantId],
        );
        lostWithFlush = rows[0]!.n;
        await redis.flushAll();
        worker = await startWorker(env);
      }
      const n = rng.int(1, 40);
      const res = await postWithRetry(
        `${api.url}/v1/events`,
        { batch: events.slice(i, i + n) },
        { authorization: `Bearer ${apiKey}` },
        () => retries++,
      );
      expect(res.status).toBe(202);
      requests++;
      i += n;
      await sleep(rng.int(0, 150));
    }
    await Promise.all(faults);

    // Sweepers (re-scheduled by the worker itself after the flush) finish what Redis forgot.
    const deadline = Date.now() + 240_000;
    let state: { applied: number; converted: number; rewards: number } | undefined;
    for (;;) {
      const { rows } = await db.query<{ applied: number; converted: number; rewards: number }>(
        `SELECT (SELECT count(*)::int FROM event_effects WHERE tenant_id = $1) AS applied,
                (SELECT count(*)::int FROM referrals WHERE tenant_id = $1 AND status = 'CONVERTED') AS converted,
                (SELECT count(*)::int FROM rewards WHERE tenant_id = $1) AS rewards`,
        [tenantId],
      );
      state = rows[0]!;
      if (state.applied === conversions && state.converted === conversions && state.rewards === 2 * conversions) break;
      if (Date.now() > deadline) break;
      await sleep(1000);
    }
    const violations = await bookViolations(db, tenantId);
    if (state.applied !== conversions) violations.push(`${state.applied} of ${conversions} events applied`);
    if (state.converted !== conversions) violations.push(`${state.converted} of ${conversions} referrals converted`);
    if (state.rewards !== 2 * conversions) violations.push(`${state.rewards} of ${2 * conversions} rewards credited`);
    // Every change that committed left exactly one outbox event, whatever Redis lost.
    const { rows: outbox } = await db.query<{ missing_converted: number; missing_credited: number; doubles: number }>(
      `SELECT
         (SELECT count(*)::int FROM referrals f WHERE f.tenant_id = $1 AND NOT EXISTS (
            SELECT 1 FROM outbox o WHERE o.tenant_id = $1 AND o.type = 'referral.converted' AND o.data->>'referralId' = f.id::text)) AS missing_converted,
         (SELECT count(*)::int FROM rewards r WHERE r.tenant_id = $1 AND NOT EXISTS (
            SELECT 1 FROM outbox o WHERE o.tenant_id = $1 AND o.type = 'reward.credited' AND o.data->>'rewardId' = r.id::text)) AS missing_credited,
         (SELECT count(*)::int FROM (SELECT 1 FROM outbox WHERE tenant_id = $1 AND type IN ('referral.converted', 'reward.credited')
            GROUP BY type, coalesce(data->>'rewardId', data->>'referralId') HAVING count(*) > 1) d) AS doubles`,
      [tenantId],
    );
    const o = outbox[0]!;
    if (o.missing_converted) violations.push(`${o.missing_converted} conversions without a referral.converted event`);
    if (o.missing_credited) violations.push(`${o.missing_credited} rewards without a reward.credited event`);
    if (o.doubles) violations.push(`${o.doubles} changes announced twice`);
    const lost = await lostConversions(db, tenantId);
    if (lost > 0) violations.push(`${lost} purchases whose referral was not credited`);
    // The flush must have taken committed work with it, or it proved nothing.
    if (lostWithFlush === 0) violations.push('the FLUSHALL found no queued work to lose');

    recordFigures({
      scenario: 'redis',
      seed,
      profile: PROFILE,
      runs: 1,
      faults: 3,
      inputs: conversions,
      violations: violations.length,
      details: {
        conversions,
        requests,
        senderRetries: retries,
        redisRestarts: 1,
        redisFlushes: 1,
        workerKills: 1,
        restartAtEvent: restartAt,
        flushAtEvent: flushAt,
        eventsQueuedOnlyInRedisAtFlush: lostWithFlush,
        lostConversions: lost,
      },
    });
    expect(violations).toEqual([]);
  }, 600_000);
});
