import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type pg from 'pg';
import type { Advocate } from '#libs/advocates/index.js';
import { RewardsService } from '#libs/rewards/index.js';
import type { WorldBuilder } from '#libs/world/index.js';
import {
  eventually,
  pool,
  postJson,
  startApi,
  startWorker,
  testEnv,
  type RunningApi,
  type RunningProcess,
  type TestEnv,
} from './support/harness.js';
import { BROWSER_UA } from './support/links.js';
import { testWorld } from './support/world.js';

type World = Awaited<ReturnType<typeof testWorld>>;

/** How many histories a run tries: a few in `npm test`, more with PROPERTY_RUNS (say 100). */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 6);
const FRIENDS = 3;
const ADVOCATES = 3;
const ADVOCATE_BPS = 1000;
const FRIEND_FIXED = 500;

type By = 'visitor' | 'code' | 'none';
type Op =
  | { kind: 'click'; friend: number; advocate: number }
  | { kind: 'signup'; friend: number; by: By; advocate: number }
  | { kind: 'purchase'; friend: number; by: By; advocate: number; amount: number }
  | { kind: 'refund'; purchase: number; part: number | null };

interface Delivery {
  /** Index into the history's events; some are sent twice. */
  order: number[];
  /** Which API each send goes to, and a pause (ms) after it. */
  via: number[];
  pauses: number[];
  /** The click flush is stopped before the history and resumed after this many sends (-1: never stopped). */
  flushResumesAfter: number;
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('click' as const), friend: fc.nat(FRIENDS - 1), advocate: fc.nat(ADVOCATES - 1) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('signup' as const),
      friend: fc.nat(FRIENDS - 1),
      by: fc.constantFrom<By>('visitor', 'code', 'none'),
      advocate: fc.nat(ADVOCATES - 1),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('purchase' as const),
      friend: fc.nat(FRIENDS - 1),
      by: fc.constantFrom<By>('visitor', 'code', 'none'),
      advocate: fc.nat(ADVOCATES - 1),
      amount: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 50_000 }) }, { weight: 1, arbitrary: fc.constant(0) }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      purchase: fc.nat(6),
      part: fc.option(fc.integer({ min: 1, max: 30_000 }), { nil: null }),
    }),
  },
);

/**
 * Issue 12's property: whatever order, delay, duplication and click-flush pause the events of a
 * history meet, on two APIs and two workers, the referrals, rewards and balances are those of the
 * history applied in order, as an independent model of the rules computes them.
 */
describe('attribution property: any delivery of a history gives the in-order books', () => {
  let env: TestEnv;
  let apis: RunningApi[];
  let workers: RunningProcess[];
  let flusher: RunningProcess;
  let world: World;
  let w: WorldBuilder;
  let db: pg.Pool;
  let run = 0;

  beforeAll(async () => {
    env = testEnv();
    const started = await Promise.all([
      startApi(env),
      startApi(env),
      startWorker(env, { WORKER_QUEUES: 'campaigns,moments,rewards,webhooks' }),
      startWorker(env, { WORKER_QUEUES: 'campaigns,moments,rewards,webhooks' }),
      startWorker(env, { WORKER_QUEUES: 'clicks' }),
    ]);
    apis = started.slice(0, 2) as RunningApi[];
    workers = started.slice(2, 4);
    flusher = started[4]!;
    world = await testWorld(env);
    w = world.builder;
    db = pool(env);
  });
  afterAll(async () => {
    flusher?.child.kill('SIGCONT');
    await Promise.all([...(apis ?? []), ...(workers ?? []), flusher].map((p) => p?.stop()));
    await db?.end();
    await world?.close();
  });

  it(`holds for ${RUNS} generated histories`, async () => {
    const historyArb = fc.array(opArb, { minLength: 2, maxLength: 12 });
    const arb = historyArb.chain((ops) => {
      const events = ops.filter((o) => o.kind !== 'click').length;
      return fc.record({
        ops: fc.constant(ops),
        delivery: fc.record({
          order: fc
            .shuffledSubarray([...Array(events).keys(), ...Array(events).keys()], { minLength: events })
            .map((xs) => withEach(xs, events)),
          via: fc.array(fc.nat(1), { minLength: 2 * events, maxLength: 2 * events }),
          pauses: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 300 })), { minLength: 2 * events, maxLength: 2 * events }),
          flushResumesAfter: fc.integer({ min: -1, max: Math.max(0, events) }),
        }),
        model: fc.constantFrom<'FIRST_CLICK' | 'LAST_CLICK'>('FIRST_CLICK', 'LAST_CLICK'),
      });
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ ops, delivery, model }) => {
        await check(ops, delivery, model);
      }),
      {
        numRuns: RUNS,
        endOnFailure: true,
        // PROPERTY_SEED=<seed> PROPERTY_PATH=<path> replays a failure fast-check reported.
        ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED), path: process.env.PROPERTY_PATH } : {}),
      },
    );
  }, 600_000);

  /** Plays one history in real time (clicks through the redirect), delivers its events as told, and compares. */
  async function check(ops: Op[], delivery: Delivery, attributionModel: 'FIRST_CLICK' | 'LAST_CLICK'): Promise<void> {
    const r = ++run;
    const { tenantId, apiKey } = await w.tenant(`Property ${r}`);
    const campaign = await w.campaign(tenantId, {
      attributionModel,
      advocateReward: { kind: 'PERCENT', percentBps: ADVOCATE_BPS, currency: 'USD' },
      friendIncentive: { kind: 'FIXED', amount: FRIEND_FIXED, currency: 'USD' },
      holdDays: 30,
    });
    const advocates: Advocate[] = [];
    for (let i = 0; i < ADVOCATES; i++) advocates.push(await w.advocate(tenantId, campaign.id));
    const paused = delivery.flushResumesAfter >= 0;
    if (paused) flusher.child.kill('SIGSTOP');
    try {
      const { events, times } = await play(r, ops, advocates);
      let sent = 0;
      for (const [k, index] of delivery.order.entries()) {
        const res = await postJson(apis[delivery.via[k]! % apis.length]!, '/v1/events', apiKey, events[index]!);
        if (res.status !== 202) throw new Error(`${res.status} ${await res.text()} for ${JSON.stringify(events[index])}`);
        if (++sent === delivery.flushResumesAfter) flusher.child.kill('SIGCONT');
        if (delivery.pauses[k]) await new Promise((res_) => setTimeout(res_, delivery.pauses[k]));
      }
      flusher.child.kill('SIGCONT');
      await settled(tenantId, events.length);
      const expected = inOrder(ops, times, attributionModel);
      expect(await actual(tenantId, advocates)).toEqual(expected);
    } finally {
      flusher.child.kill('SIGCONT');
    }
  }

  /**
   * The history in real time, 40 ms between moments: clicks go through the redirect (each friend's
   * browser keeps its cookie); events are written down with their time, to be delivered later.
   */
  async function play(r: number, ops: Op[], advocates: Advocate[]) {
    const browsers: (string | undefined)[] = Array(FRIENDS).fill(undefined);
    const events: Record<string, unknown>[] = [];
    const times: number[] = [];
    const purchases: { friend: number; orderId: string }[] = [];
    const friendId = (f: number) => `p${r}-friend-${f}`;
    for (const [i, op] of ops.entries()) {
      await new Promise((res) => setTimeout(res, 40));
      times.push(Date.now());
      if (op.kind === 'click') {
        const res = await fetch(`${apis[i % apis.length]!.url}/r/${advocates[op.advocate]!.code}`, {
          redirect: 'manual',
          headers: { 'user-agent': BROWSER_UA, ...(browsers[op.friend] ? { cookie: `tl_vid=${browsers[op.friend]}` } : {}) },
        });
        browsers[op.friend] = new URL(res.headers.get('location')!).searchParams.get('tl_vid')!;
        times[i] = Date.now(); // the click was stored at a moment between the two readings; both are before the next op
        continue;
      }
      const occurredAt = new Date(times[i]!).toISOString();
      if (op.kind === 'refund') {
        // A refund before any purchase refunds an order nobody has seen (kept, applied to nothing).
        const p = purchases[op.purchase % Math.max(1, purchases.length)] ?? { friend: 0, orderId: `p${r}-unknown-order-${i}` };
        events.push({
          id: `p${r}-e${i}`,
          type: 'refund',
          customerId: friendId(p.friend),
          orderId: p.orderId,
          occurredAt,
          ...(op.part === null ? {} : { amount: op.part, currency: 'USD' }),
        });
        continue;
      }
      const naming =
        op.by === 'code'
          ? { referralCode: advocates[op.advocate]!.code }
          : op.by === 'visitor'
            ? { visitorId: browsers[op.friend] ?? `p${r}-unknown-browser-${op.friend}-0000` }
            : {};
      const base = {
        id: `p${r}-e${i}`,
        type: op.kind,
        customerId: friendId(op.friend),
        email: `${friendId(op.friend)}@example.com`,
        occurredAt,
        ...naming,
      };
      if (op.kind === 'signup') events.push(base);
      else {
        const orderId = `p${r}-order-${i}`;
        purchases.push({ friend: op.friend, orderId });
        events.push({ ...base, orderId, amount: op.amount, currency: 'USD' });
      }
    }
    return { events, times };
  }

  async function settled(tenantId: string, events: number): Promise<void> {
    await eventually(
      async () => {
        const { rows } = await db.query<{ applied: number; unsynced: number }>(
          `SELECT (SELECT count(*)::int FROM events e JOIN event_effects x ON x.event_uuid = e.id WHERE e.tenant_id = $1) AS applied,
                  (SELECT count(*)::int FROM referrals WHERE tenant_id = $1 AND rewards_version < version) AS unsynced`,
          [tenantId],
        );
        return rows[0]!.applied === events && rows[0]!.unsynced === 0 ? true : undefined;
      },
      60_000,
      'every event applied and every referral credited',
    );
  }

  /** The books as stored, in the model's terms (friend and advocate numbers). */
  async function actual(tenantId: string, advocates: Advocate[]): Promise<Books> {
    const index = new Map(advocates.map((a, i) => [a.id, i]));
    const { rows: referrals } = await db.query<{
      friend: string;
      advocate_id: string;
      status: string;
      amount: string | null;
      refunded: string;
    }>(
      `SELECT c.external_id AS friend, f.advocate_id, f.status, f.amount::text, f.refunded_amount::text AS refunded
       FROM referrals f JOIN customers c ON c.id = f.referred_customer_id WHERE f.tenant_id = $1`,
      [tenantId],
    );
    const { rows: rewards } = await db.query<{ friend: string; kind: string; held: string; reversed: string }>(
      `SELECT c.external_id AS friend, r.kind, (r.amount - r.reversed_amount)::text AS held, r.reversed_amount::text AS reversed
       FROM rewards r JOIN referrals f ON f.id = r.referral_id JOIN customers c ON c.id = f.referred_customer_id
       WHERE r.tenant_id = $1 AND r.amount - r.reversed_amount > 0`,
      [tenantId],
    );
    const balances = await world.app.get(RewardsService).balances(
      tenantId,
      advocates.map((a) => a.id),
    );
    return {
      referrals: Object.fromEntries(
        referrals.map((x) => [
          friendNumber(x.friend),
          {
            advocate: index.get(x.advocate_id)!,
            status: x.status,
            amount: x.amount === null ? null : Number(x.amount),
            refunded: Number(x.refunded),
          },
        ]),
      ),
      rewards: Object.fromEntries(rewards.map((x) => [`${friendNumber(x.friend)}:${x.kind}`, Number(x.held)])),
      pending: advocates.map((a) => balances.get(a.id)?.find((b) => b.currency === 'USD')?.pending ?? 0),
    };
  }
});

interface Books {
  referrals: Record<number, { advocate: number; status: string; amount: number | null; refunded: number }>;
  /** Money still held per `friend:kind`. */
  rewards: Record<string, number>;
  /** Each advocate's pending balance. */
  pending: number[];
}

function friendNumber(externalId: string): number {
  return Number(/friend-(\d+)$/.exec(externalId)![1]);
}

/** Every index at least once (the shuffled sub-array may have dropped one of its two copies). */
function withEach(xs: number[], n: number): number[] {
  const seen = new Set(xs);
  return [...xs, ...[...Array(n).keys()].filter((i) => !seen.has(i))];
}

const percentOf = (amount: number, bps: number) => Math.floor((amount * bps + 5000) / 10_000);

/**
 * The model: the history applied in order, by the rules of the README written out again here.
 * A signup or purchase names an advocate by code, or by the friend's clicks before it (the first
 * or last by the campaign's model); the first event naming one makes the referral (refused if the
 * friend bought before it began); the first purchase converts it; refunds reverse pro rata.
 */
function inOrder(ops: Op[], times: number[], model: 'FIRST_CLICK' | 'LAST_CLICK'): Books {
  const clicks: { friend: number; advocate: number; at: number }[] = [];
  const refs = new Map<
    number,
    { advocate: number; status: 'LEAD' | 'CONVERTED' | 'REJECTED'; order: string | null; amount: number | null }
  >();
  const history = new Map<number, { at: number; purchase: boolean; code: number | null }[]>();
  const orders = new Map<string, { friend: number; amount: number; refunds: (number | null)[] }>();
  const purchaseOrder: string[] = [];
  for (const [i, op] of ops.entries()) {
    const at = times[i]!;
    if (op.kind === 'click') {
      clicks.push({ friend: op.friend, advocate: op.advocate, at });
      continue;
    }
    if (op.kind === 'refund') {
      const orderId = purchaseOrder[op.purchase % Math.max(1, purchaseOrder.length)];
      if (orderId) orders.get(orderId)!.refunds.push(op.part);
      continue;
    }
    const earlier = history.get(op.friend) ?? [];
    history.set(op.friend, [...earlier, { at, purchase: op.kind === 'purchase', code: op.by === 'code' ? op.advocate : null }]);
    const orderId = op.kind === 'purchase' ? `order-${i}` : null;
    if (orderId && op.kind === 'purchase') {
      purchaseOrder.push(orderId);
      orders.set(orderId, { friend: op.friend, amount: op.amount, refunds: [] });
    }
    const mine = clicks.filter((c) => c.friend === op.friend && c.at < at);
    let advocate: number | undefined;
    let began = at;
    if (op.by === 'code') {
      advocate = op.advocate;
      began = Math.min(at, ...earlier.filter((e) => e.code === op.advocate).map((e) => e.at));
    } else if (op.by === 'visitor' && mine.length > 0) {
      advocate = (model === 'FIRST_CLICK' ? mine[0]! : mine[mine.length - 1]!).advocate;
      began = mine[0]!.at;
    }
    let ref = refs.get(op.friend);
    if (advocate === undefined && op.kind === 'purchase' && ref?.status === 'LEAD') advocate = ref.advocate;
    if (advocate === undefined) continue;
    if (!ref) {
      const boughtBefore = earlier.some((e) => e.purchase && e.at < began);
      ref = { advocate, status: boughtBefore ? 'REJECTED' : 'LEAD', order: null, amount: null };
      refs.set(op.friend, ref);
    }
    if (op.kind === 'purchase' && ref.status === 'LEAD') Object.assign(ref, { status: 'CONVERTED', order: orderId, amount: op.amount });
  }
  const books: Books = { referrals: {}, rewards: {}, pending: Array(ADVOCATES).fill(0) };
  for (const [friend, ref] of refs) {
    const order = ref.order ? orders.get(ref.order)! : undefined;
    const refunded = !order
      ? 0
      : order.refunds.includes(null)
        ? order.amount
        : Math.min(
            order.amount,
            order.refunds.reduce<number>((s, p) => s + (p ?? 0), 0),
          );
    const reversed = order !== undefined && order.amount > 0 && refunded >= order.amount;
    books.referrals[friend] = { advocate: ref.advocate, status: reversed ? 'REVERSED' : ref.status, amount: ref.amount, refunded };
    if (ref.status !== 'CONVERTED' || !order) continue;
    const reward = percentOf(order.amount, ADVOCATE_BPS);
    const back = reversed
      ? reward
      : refunded > 0
        ? Math.min(reward, Math.floor((reward * refunded * 2 + order.amount) / (2 * order.amount)))
        : 0;
    if (reward - back > 0) books.rewards[`${friend}:ADVOCATE`] = reward - back;
    if (!reversed) books.rewards[`${friend}:FRIEND`] = FRIEND_FIXED;
    books.pending[ref.advocate]! += reward - back;
  }
  return books;
}
