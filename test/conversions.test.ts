import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Stripe from 'stripe';
import type pg from 'pg';
import type { Advocate } from '#libs/advocates/index.js';
import { ReferralsService } from '#libs/referrals/index.js';
import type { WorldBuilder } from '#libs/world/index.js';
import {
  eventually,
  gql,
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
const stripe = new Stripe('sk_test_unused');
const WITHOUT_CLICKS = 'campaigns,moments,rewards,webhooks';

/**
 * Every referred purchase is credited (issue 12): attribution waits for the clicks it depends on,
 * gives the same result in any order, and money is right in every size and currency. Two APIs,
 * two workers that do everything but the click flush, and one click flusher that a test can pause.
 */
describe('conversions', () => {
  let env: TestEnv;
  let apis: RunningApi[];
  let workers: RunningProcess[];
  let flusher: RunningProcess;
  let world: World;
  let w: WorldBuilder;
  let db: pg.Pool;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;

  beforeAll(async () => {
    env = testEnv();
    const started = await Promise.all([
      startApi(env),
      startApi(env),
      startWorker(env, { WORKER_QUEUES: WITHOUT_CLICKS }),
      startWorker(env, { WORKER_QUEUES: WITHOUT_CLICKS }),
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

  const api = (i = 0) => apis[i % apis.length]!;
  const send = async (key: string, body: unknown, via = 0) => {
    const res = await postJson(api(via), '/v1/events', key, body);
    expect(res.status).toBe(202);
  };

  async function setup(input: Record<string, unknown> = {}) {
    const { tenantId, apiKey } = await w.tenant(uid('Brand'));
    const campaign = await w.campaign(tenantId, { holdDays: 30, ...input });
    const advocate = await w.advocate(tenantId, campaign.id);
    return { tenantId, apiKey, campaign, advocate };
  }

  /** A friend's browser follows the advocate's link: the visitor id the brand's site receives. */
  async function clickAs(advocate: Advocate, via = 0, cookie?: string): Promise<string> {
    const res = await fetch(`${api(via).url}/r/${advocate.code}/whatsapp`, {
      redirect: 'manual',
      headers: { 'user-agent': BROWSER_UA, ...(cookie ? { cookie: `tl_vid=${cookie}` } : {}) },
    });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!).searchParams.get('tl_vid')!;
  }

  const balance = async (key: string, advocateId: string) =>
    (
      await gql(api(), key, `query($id: ID!) { advocate(id: $id) { balance { pending available paid reversed currency } } }`, {
        id: advocateId,
      })
    ).data?.advocate.balance as { pending: number; available: number; paid: number; reversed: number; currency: string } | undefined;

  const referralOf = async (tenantId: string, friend: string) => {
    const { rows } = await db.query(
      `SELECT f.status, f.attributed_by, f.advocate_id, f.amount::text, f.refunded_amount::text, f.reward_blocked_reason, f.version, f.rewards_version
       FROM referrals f JOIN customers c ON c.id = f.referred_customer_id WHERE f.tenant_id = $1 AND c.external_id = $2`,
      [tenantId, friend],
    );
    return rows[0] as Record<string, unknown> | undefined;
  };

  const credited = (key: string, advocateId: string, pending: number) =>
    eventually(async () => ((await balance(key, advocateId))?.pending === pending ? true : undefined), 30_000, `${pending} pending`);

  const purchase = (friend: string, extra: Record<string, unknown> = {}) => ({
    id: uid('buy'),
    type: 'purchase',
    customerId: friend,
    email: `${friend}@example.com`,
    orderId: uid('order'),
    amount: 12_000,
    currency: 'USD',
    ...extra,
  });

  describe('attribution waits for the clicks it depends on', () => {
    it('credits a click followed at once by signup and purchase', async () => {
      const s = await setup();
      const visitorId = await clickAs(s.advocate);
      const friend = uid('friend');
      // no wait for the flush: the brand's server reports the signup and the purchase right away
      await send(s.apiKey, { id: uid('signup'), type: 'signup', customerId: friend, email: `${friend}@example.com`, visitorId });
      await send(s.apiKey, purchase(friend, { visitorId }));
      await credited(s.apiKey, s.advocate.id, 1200);
      expect(await referralOf(s.tenantId, friend)).toMatchObject({
        status: 'CONVERTED',
        attributed_by: 'VISITOR_ID',
        advocate_id: s.advocate.id,
      });
    });

    it('credits it when the click flush is stopped for a while, then resumed; the lag shows meanwhile', async () => {
      const s = await setup();
      flusher.child.kill('SIGSTOP');
      try {
        const visitorId = await clickAs(s.advocate, 1);
        const friend = uid('friend');
        await send(
          s.apiKey,
          { batch: [{ id: uid('signup'), type: 'signup', customerId: friend, visitorId }, purchase(friend, { visitorId })] },
          0,
        );
        await new Promise((r) => setTimeout(r, 4000));
        // nothing judged yet, nothing dropped: both events wait for the flush
        expect(await referralOf(s.tenantId, friend)).toBeUndefined();
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM events e WHERE e.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM event_effects x WHERE x.event_uuid = e.id)`,
          [s.tenantId],
        );
        expect(rows[0].n).toBe(2);
        const ready = (await (await fetch(`${api().url}/readyz`)).json()) as { info: { clicks: { flushLagSeconds: number } } };
        expect(ready.info.clicks.flushLagSeconds).toBeGreaterThan(3);
        const metrics = await (await fetch(`${api().url}/metrics`)).text();
        const lag = Number(/^truthloop_click_flush_lag_seconds (\S+)$/m.exec(metrics)?.[1]);
        expect(lag).toBeGreaterThan(3);
      } finally {
        flusher.child.kill('SIGCONT');
      }
      await credited(s.apiKey, s.advocate.id, 1200);
    });

    it('credits clicks and events spread over two APIs and two workers', async () => {
      const s = await setup();
      const friends = [uid('a'), uid('b'), uid('c'), uid('d')];
      for (const [i, friend] of friends.entries()) {
        const visitorId = await clickAs(s.advocate, i);
        await send(s.apiKey, { id: uid('signup'), type: 'signup', customerId: friend, visitorId }, i + 1);
        await send(s.apiKey, purchase(friend, { visitorId, amount: 10_000 }), i);
      }
      await credited(s.apiKey, s.advocate.id, 4000);
    });

    it('attributes nothing for a visitor id that matches no click, and keeps the event', async () => {
      const s = await setup();
      const friend = uid('friend');
      await send(s.apiKey, purchase(friend, { visitorId: 'no-such-visitor-0123456789' }));
      await eventually(async () => {
        const { rows } = await db.query(
          `SELECT x.outcome FROM events e JOIN event_effects x ON x.event_uuid = e.id WHERE e.tenant_id = $1`,
          [s.tenantId],
        );
        return rows[0];
      });
      expect(await referralOf(s.tenantId, friend)).toBeUndefined();
    });
  });

  describe('any order gives the same result', () => {
    it('converts with a purchase that arrived before its signup', async () => {
      const s = await setup();
      const visitorId = await clickAs(s.advocate);
      const friend = uid('friend');
      const t = Date.now();
      await send(s.apiKey, purchase(friend, { occurredAt: new Date(t + 2000).toISOString() }));
      await eventually(async () => {
        const { rows } = await db.query(`SELECT count(*)::int AS n FROM event_effects WHERE tenant_id = $1`, [s.tenantId]);
        return rows[0].n === 1 || undefined;
      });
      await send(
        s.apiKey,
        { id: uid('signup'), type: 'signup', customerId: friend, visitorId, occurredAt: new Date(t + 1000).toISOString() },
        1,
      );
      await credited(s.apiKey, s.advocate.id, 1200);
    });

    it('converts a purchase without a visitor id after a signup that had one, sent in one batch', async () => {
      const s = await setup();
      const visitorId = await clickAs(s.advocate);
      const friend = uid('friend');
      const t = Date.now();
      // the purchase first in the batch; it happened after the signup
      await send(s.apiKey, {
        batch: [
          purchase(friend, { occurredAt: new Date(t + 50).toISOString() }),
          { id: uid('signup'), type: 'signup', customerId: friend, visitorId, occurredAt: new Date(t).toISOString() },
        ],
      });
      await credited(s.apiKey, s.advocate.id, 1200);
    });

    it('keeps a refund that comes first and credits nothing for a refunded order', async () => {
      const s = await setup();
      const friend = uid('friend');
      const buy = purchase(friend, { referralCode: s.advocate.code });
      await send(s.apiKey, { id: uid('refund'), type: 'refund', customerId: friend, orderId: buy.orderId });
      await send(s.apiKey, buy, 1);
      await eventually(async () => ((await referralOf(s.tenantId, friend))?.status === 'REVERSED' ? true : undefined));
      await eventually(async () => {
        const r = await referralOf(s.tenantId, friend);
        return r && Number(r.rewards_version) >= Number(r.version) ? r : undefined;
      });
      // credited and reversed at once, as if the refund had come after the purchase
      expect(await balance(s.apiKey, s.advocate.id)).toMatchObject({ pending: 0, available: 0, reversed: 1200 });
    });
  });

  describe('money of any size', () => {
    it('takes 12-digit amounts through REST and Stripe and reads sums beyond 2^31 through GraphQL', async () => {
      const s = await setup({ friendIncentive: null });
      const secret = 'whsec_conversions_0123456789';
      expect((await gql(api(), s.apiKey, `mutation($s: String!) { setStripeWebhookSecret(secret: $s) }`, { s: secret })).data).toEqual({
        setStripeWebhookSecret: true,
      });
      for (let i = 0; i < 3; i++) await send(s.apiKey, purchase(uid('big'), { amount: 100_000_000_000, referralCode: s.advocate.code }));
      const payload = JSON.stringify({
        id: uid('evt'),
        object: 'event',
        type: 'checkout.session.completed',
        created: Math.floor(Date.now() / 1000),
        data: {
          object: {
            object: 'checkout.session',
            id: uid('cs'),
            client_reference_id: uid('stripe-friend'),
            payment_intent: uid('pi'),
            amount_total: 999_999_999_999,
            currency: 'usd',
            metadata: { referralCode: s.advocate.code },
          },
        },
      });
      const hook = await fetch(`${api(1).url}/webhooks/stripe/${s.tenantId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret }) },
        body: payload,
      });
      expect(hook.status).toBe(200);
      // 10% of 3 × 10^11 and of 999,999,999,999: 130,000,000,000 minor units
      await credited(s.apiKey, s.advocate.id, 130_000_000_000);
      const read = await gql(
        api(),
        s.apiKey,
        `query($c: ID!) {
          campaignStats(campaignId: $c) { conversions revenue { amount currency } rewardCost { amount currency } }
          leaderboard(campaignId: $c) { rewards { amount currency } }
          referrals(campaignId: $c) { edges { node { amount } } }
        }`,
        { c: s.campaign.id },
      );
      expect(read.errors).toBeUndefined();
      expect(read.data!.campaignStats).toEqual({
        conversions: 4,
        revenue: [{ amount: 1_299_999_999_999, currency: 'USD' }],
        rewardCost: [{ amount: 130_000_000_000, currency: 'USD' }],
      });
      expect(read.data!.leaderboard[0].rewards).toEqual([{ amount: 130_000_000_000, currency: 'USD' }]);
      expect((read.data!.referrals.edges as { node: { amount: number } }[]).map((e) => e.node.amount).sort()).toEqual([
        100_000_000_000, 100_000_000_000, 100_000_000_000, 999_999_999_999,
      ]);
    });

    it('refuses amounts of 13 digits, negative amounts and times more than 5 minutes ahead, naming the field', async () => {
      const s = await setup();
      const cases: [Record<string, unknown>, string][] = [
        [{ amount: 1_000_000_000_000 }, 'amount'],
        [{ amount: -1 }, 'amount'],
        [{ occurredAt: new Date(Date.now() + 6 * 60_000).toISOString() }, 'occurredAt'],
      ];
      for (const [extra, field] of cases) {
        const res = await postJson(api(), '/v1/events', s.apiKey, purchase(uid('bad'), extra));
        expect(res.status).toBe(400);
        const body = (await res.json()) as { error: { code: string; fields: { field: string }[] } };
        expect(body.error.code).toBe('BAD_USER_INPUT');
        expect(body.error.fields.map((f) => f.field)).toEqual([field]);
      }
      const gqlBig = await gql(api(), s.apiKey, `mutation($i: EventInput!) { recordEvent(input: $i) { accepted } }`, {
        i: { id: uid('g'), type: 'purchase', customerId: uid('g'), orderId: 'o', amount: 10_000_000_000_000, currency: 'USD' },
      });
      expect(gqlBig.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1`, [s.tenantId]);
      expect(rows[0].n).toBe(0);
    });
  });

  describe('limits hold in every currency; rules are fixed when they apply', () => {
    it('refuses a campaign whose budget or cap is in another currency than its rewards', async () => {
      const { apiKey } = await w.tenant(uid('Brand'));
      const res = await gql(api(), apiKey, `mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { id } }`, {
        i: {
          name: 'Two currencies',
          destinationUrl: 'https://shop.example.com',
          message: { headline: 'h', body: 'b' },
          advocateReward: { kind: 'FIXED', amount: 1000, currency: 'USD' },
          budget: { amount: 100_000, currency: 'EUR' },
          advocateCap: { amount: 5000, currency: 'GBP' },
        },
      });
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect((res.errors![0]!.extensions!.fields ?? []).map((f) => f.field).sort()).toEqual(['advocateCap.currency', 'budget.currency']);
    });

    it('never exceeds a cap or a budget with orders in two currencies, and says why', async () => {
      const fixed = await setup({
        advocateReward: { kind: 'FIXED', amount: 1000, currency: 'USD' },
        advocateCap: { amount: 2500, currency: 'USD' },
      });
      const percent = await setup({
        advocateReward: { kind: 'PERCENT', percentBps: 1000, currency: 'USD' },
        budget: { amount: 1500, currency: 'USD' },
      });
      const friends = { fixed: [uid('f'), uid('f'), uid('f')], percent: [uid('p'), uid('p'), uid('p')] };
      for (const [i, currency] of ['USD', 'EUR', 'USD'].entries()) {
        await send(fixed.apiKey, purchase(friends.fixed[i]!, { amount: 10_000, currency, referralCode: fixed.advocate.code }));
        await send(percent.apiKey, purchase(friends.percent[i]!, { amount: 10_000, currency, referralCode: percent.advocate.code }));
      }
      const settled = async (tenantId: string, friend: string) =>
        eventually(async () => {
          const r = await referralOf(tenantId, friend);
          return r && Number(r.rewards_version) >= Number(r.version) ? r : undefined;
        });
      const reasons = async (tenantId: string, list: string[]) =>
        Promise.all(list.map(async (f) => (await settled(tenantId, f)).reward_blocked_reason as string | null));
      // FIXED rewards are in the campaign's currency whatever the order's: two of 1000 fit the 2500 cap, the third does not
      expect((await reasons(fixed.tenantId, friends.fixed)).map((r) => r?.split(':')[0] ?? null).filter(Boolean)).toEqual(['ADVOCATE_CAP']);
      expect((await balance(fixed.apiKey, fixed.advocate.id))!.pending).toBe(2000);
      // PERCENT of an order in euros cannot count toward a budget in dollars: refused with the reason
      const p = await reasons(percent.tenantId, friends.percent);
      expect(p[1]).toMatch(/^CURRENCY: the order is in EUR; this campaign rewards in USD/);
      expect([p[0], p[2]].map((r) => r?.split(':')[0] ?? null).sort()).toEqual(['BUDGET', null].sort());
      expect((await balance(percent.apiKey, percent.advocate.id))!.pending).toBe(1000);
    });

    it('reverses with the rule that credited the reward, not the campaign as it is now', async () => {
      const s = await setup({ advocateReward: { kind: 'PERCENT', percentBps: 1000, currency: 'USD' }, friendIncentive: null });
      const friend = uid('friend');
      const buy = purchase(friend, { amount: 10_000, referralCode: s.advocate.code });
      await send(s.apiKey, buy);
      await credited(s.apiKey, s.advocate.id, 1000);
      const changed = await gql(
        api(),
        s.apiKey,
        `mutation($id: ID!, $i: UpdateCampaignInput!) { updateCampaign(id: $id, input: $i) { id } }`,
        {
          id: s.campaign.id,
          i: { advocateReward: { kind: 'FIXED', amount: 5000, currency: 'USD' } },
        },
      );
      expect(changed.errors).toBeUndefined();
      // half the order refunded: the 10% rule takes back half (a FIXED rule would take back nothing)
      await send(s.apiKey, { id: uid('refund'), type: 'refund', customerId: friend, orderId: buy.orderId, amount: 5000, currency: 'USD' });
      await eventually(async () => ((await balance(s.apiKey, s.advocate.id))?.reversed === 500 ? true : undefined));
      // a new conversion earns by the new rule
      await send(s.apiKey, purchase(uid('next'), { amount: 10_000, referralCode: s.advocate.code }));
      await credited(s.apiKey, s.advocate.id, 500 + 5000);
    });

    it('records why a conversion earned nothing, and the sweeper never picks it up again', async () => {
      const s = await setup({ friendIncentive: null });
      const zero = uid('zero');
      const tiny = uid('tiny');
      await send(s.apiKey, purchase(zero, { amount: 0, referralCode: s.advocate.code }));
      await send(s.apiKey, purchase(tiny, { amount: 4, referralCode: s.advocate.code }));
      for (const friend of [zero, tiny]) {
        const r = await eventually(async () => {
          const row = await referralOf(s.tenantId, friend);
          return row && Number(row.rewards_version) >= Number(row.version) ? row : undefined;
        });
        expect(r).toMatchObject({ status: 'CONVERTED' });
        expect(r.reward_blocked_reason).toMatch(/^NOTHING_TO_CREDIT/);
      }
      // A world whose jobs reach no worker: a conversion whose crediting job is lost.
      const lost = await testWorld({ ...env, REDIS_PREFIX: `${env.REDIS_PREFIX}-nobody` });
      try {
        const referral = await lost.builder.conversion(s.tenantId, s.advocate, { amount: 10_000 }, { credit: false });
        const due = (await world.app.get(ReferralsService).unsynced(0, 10_000)).filter((r) => r.tenantId === s.tenantId);
        expect(due.map((r) => r.referralId)).toEqual([referral.id]);
        // the file's workers sweep it up (every 15 s, once it is 10 s old)
        await credited(s.apiKey, s.advocate.id, 1000);
      } finally {
        await lost.close();
      }
    }, 90_000);
  });

  it('treats a reused payout reference as the same payout, or a CONFLICT naming what differs', async () => {
    const s = await setup({ holdDays: 0, friendIncentive: null });
    const other = await w.advocate(s.tenantId, s.campaign.id);
    await send(s.apiKey, purchase(uid('f'), { amount: 10_000, referralCode: s.advocate.code }));
    await send(s.apiKey, purchase(uid('f'), { amount: 10_000, referralCode: other.code }));
    const available = (id: string) =>
      eventually(async () => ((await balance(s.apiKey, id))?.available === 1000 ? true : undefined), 30_000, 'released');
    await available(s.advocate.id);
    await available(other.id);
    const pay = (advocateId: string, amount: number, currency = 'USD') =>
      gql(
        api(),
        s.apiKey,
        `mutation($a: ID!, $n: SafeInt!, $c: String!) { recordPayout(advocateId: $a, amount: $n, currency: $c, reference: "bank-7") { id } }`,
        {
          a: advocateId,
          n: amount,
          c: currency,
        },
      );
    const first = await pay(s.advocate.id, 300);
    expect(first.errors).toBeUndefined();
    expect((await pay(s.advocate.id, 300)).data!.recordPayout.id).toBe(first.data!.recordPayout.id);
    for (const [advocateId, amount, currency, what] of [
      [s.advocate.id, 400, 'USD', 'amount'],
      [other.id, 300, 'USD', 'advocateId'],
      [s.advocate.id, 300, 'EUR', 'currency'],
    ] as const) {
      const again = await pay(advocateId, amount, currency);
      expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(again.errors?.[0]?.message).toContain(what);
    }
    expect((await balance(s.apiKey, s.advocate.id))!).toMatchObject({ available: 700, paid: 300 });
    expect((await balance(s.apiKey, other.id))!).toMatchObject({ available: 1000, paid: 0 });
  });

  it('sends a purchase its own risk holds for review to the queue, even after its lead was approved', async () => {
    const s = await setup({ holdDays: 0, friendIncentive: null });
    const friend = uid('friend');
    const queue = async () =>
      (await gql(api(), s.apiKey, `query($c: ID!) { reviewQueue(campaignId: $c) { id status } }`, { c: s.campaign.id })).data!
        .reviewQueue as {
        id: string;
        status: string;
      }[];
    await send(s.apiKey, {
      id: uid('signup'),
      type: 'signup',
      customerId: friend,
      email: `${friend}@mailinator.com`,
      referralCode: s.advocate.code,
    });
    const [lead] = await eventually(async () => ((await queue()).length === 1 ? queue() : undefined));
    expect(lead!.status).toBe('LEAD');
    const approved = await gql(api(), s.apiKey, `mutation($id: ID!) { approveReferral(id: $id) { status reviewedAt } }`, { id: lead!.id });
    expect(approved.data!.approveReferral).toMatchObject({ status: 'LEAD' });
    expect(await queue()).toEqual([]);
    await send(s.apiKey, purchase(friend, { amount: 10_000, email: `${friend}@mailinator.com` }));
    // the purchase was judged again (disposable email: REVIEW): it waits for its own decision
    const [held] = await eventually(async () => ((await queue())[0]?.status === 'CONVERTED' ? queue() : undefined));
    expect(held!.id).toBe(lead!.id);
    await credited(s.apiKey, s.advocate.id, 1000);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await balance(s.apiKey, s.advocate.id))!).toMatchObject({ pending: 1000, available: 0 });
    await gql(api(), s.apiKey, `mutation($id: ID!) { approveReferral(id: $id) { status } }`, { id: held!.id });
    await eventually(async () => ((await balance(s.apiKey, s.advocate.id))?.available === 1000 ? true : undefined), 30_000, 'released');
  });
});
