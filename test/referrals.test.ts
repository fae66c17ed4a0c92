import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import {
  createTenant,
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
import { RewardsService } from '#libs/rewards/index.js';
import { testWorld } from './support/world.js';

/** Referrals and rewards through real API and worker processes, from events as a brand sends them. */
describe('referrals and rewards, end to end', () => {
  let env: TestEnv;
  let api: RunningApi;
  let workers: RunningProcess[];
  let db: pg.Pool;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;

  beforeAll(async () => {
    env = testEnv();
    [api, ...workers] = (await Promise.all([startApi(env), startWorker(env), startWorker(env)])) as [
      RunningApi,
      RunningProcess,
      RunningProcess,
    ];
    db = pool(env);
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), ...(workers ?? []).map((w) => w.stop())]);
    await db?.end();
  });

  const send = async (key: string, body: unknown) => {
    const res = await postJson(api, '/v1/events', key, body);
    expect(res.status).toBe(202);
    return res.json();
  };

  /** A tenant with an ACTIVE campaign and one advocate (enrolled by hand); returns its code. */
  async function setup(campaign: Record<string, unknown> = {}) {
    const { tenantId, apiKey } = await createTenant(env, uid('Brand'));
    const created = await gql(api, apiKey, `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`, {
      input: {
        name: 'Loop',
        destinationUrl: 'https://shop.example.com',
        message: { headline: 'Give 10, get 10', body: 'Try it' },
        advocateReward: { kind: 'PERCENT', percentBps: 1000, currency: 'USD' },
        friendIncentive: { kind: 'FIXED', amount: 500, currency: 'USD' },
        holdDays: 30,
        ...campaign,
      },
    });
    expect(created.errors).toBeUndefined();
    const campaignId = created.data!.createCampaign.id as string;
    await gql(api, apiKey, `mutation($id: ID!) { setCampaignStatus(id: $id, status: ACTIVE) { status } }`, { id: campaignId });
    const advocateCustomer = uid('ada');
    await send(apiKey, { id: uid('e'), type: 'first_use', customerId: advocateCustomer, email: `${advocateCustomer}@example.com` });
    const enrolled = await gql(
      api,
      apiKey,
      `mutation($c: ID!, $cust: String!) { enrollAdvocate(campaignId: $c, customerId: $cust) { id code } }`,
      { c: campaignId, cust: advocateCustomer },
    );
    expect(enrolled.errors).toBeUndefined();
    const advocate = enrolled.data!.enrollAdvocate as { id: string; code: string };
    return { tenantId, apiKey, campaignId, advocateId: advocate.id, code: advocate.code, advocateCustomer };
  }

  const balance = async (key: string, advocateId: string) =>
    (
      await gql(api, key, `query($id: ID!) { advocate(id: $id) { balance { pending available paid reversed currency } } }`, {
        id: advocateId,
      })
    ).data!.advocate.balance as { pending: number; available: number; paid: number; reversed: number; currency: string };

  it('runs the loop: signup → purchase → PENDING → (clock moved) AVAILABLE → refund → clawback', async () => {
    const s = await setup();
    const friend = uid('friend');
    await send(s.apiKey, { id: uid('signup'), type: 'signup', customerId: friend, email: `${friend}@example.com`, referralCode: s.code });
    const lead = await eventually(async () => {
      const res = await gql(
        api,
        s.apiKey,
        `query($c: ID!) { referrals(campaignId: $c) { edges { node { id status advocate { id } referredCustomer { externalId } } } } }`,
        { c: s.campaignId },
      );
      return res.data?.referrals.edges[0]?.node;
    });
    expect(lead).toMatchObject({ status: 'LEAD', advocate: { id: s.advocateId }, referredCustomer: { externalId: friend } });

    await send(s.apiKey, { id: uid('buy'), type: 'purchase', customerId: friend, orderId: 'order-1', amount: 12_345, currency: 'USD' });
    await eventually(async () => (await balance(s.apiKey, s.advocateId)).pending === 1235 || undefined, 20_000, 'a PENDING reward');
    const rewards = await gql(
      api,
      s.apiKey,
      `query($a: ID!) { rewards(advocateId: $a) { edges { node { kind amount currency status availableAt referral { status orderId amount } } } } }`,
      { a: s.advocateId },
    );
    expect(rewards.data!.rewards.edges.map((e: { node: unknown }) => e.node)).toEqual([
      expect.objectContaining({
        kind: 'ADVOCATE',
        amount: 1235,
        status: 'PENDING',
        referral: { status: 'CONVERTED', orderId: 'order-1', amount: 12_345 },
      }),
    ]);
    const { rows: friendRewards } = await db.query(`SELECT kind, amount, status FROM rewards WHERE tenant_id = $1 AND kind = 'FRIEND'`, [
      s.tenantId,
    ]);
    expect(friendRewards).toEqual([{ kind: 'FRIEND', amount: '500', status: 'PENDING' }]);

    // the clock moves past the 30-day hold: the release makes the reward available
    const world = await testWorld(env);
    try {
      await world.app.get(RewardsService).releaseDue(new Date(Date.now() + 31 * 86_400_000));
    } finally {
      await world.close();
    }
    await eventually(async () => (await balance(s.apiKey, s.advocateId)).available === 1235 || undefined, 30_000, 'the release');

    const payout = await gql(
      api,
      s.apiKey,
      `mutation($a: ID!) { recordPayout(advocateId: $a, amount: 1000, currency: "USD", reference: "bank-1") { id amount } }`,
      { a: s.advocateId },
    );
    expect(payout.errors).toBeUndefined();
    const over = await gql(
      api,
      s.apiKey,
      `mutation($a: ID!) { recordPayout(advocateId: $a, amount: 1000, currency: "USD", reference: "bank-2") { id } }`,
      { a: s.advocateId },
    );
    expect(over.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    await send(s.apiKey, { id: uid('refund'), type: 'refund', customerId: friend, orderId: 'order-1' });
    await eventually(
      async () => {
        const b = await balance(s.apiKey, s.advocateId);
        return b.reversed === 1235 ? b : undefined;
      },
      20_000,
      'the clawback',
    );
    expect(await balance(s.apiKey, s.advocateId)).toEqual({ pending: 0, available: -1000, paid: 1000, reversed: 1235, currency: 'USD' });
    const status = await gql(
      api,
      s.apiKey,
      `query($c: ID!) { referrals(campaignId: $c, status: REVERSED) { edges { node { status } } } }`,
      { c: s.campaignId },
    );
    expect(status.data!.referrals.edges).toHaveLength(1);
    const { rows } = await db.query(`SELECT type FROM outbox WHERE tenant_id = $1 ORDER BY seq`, [s.tenantId]);
    expect(rows.map((r) => r.type)).toEqual(
      expect.arrayContaining(['advocate.enrolled', 'referral.converted', 'reward.credited', 'reward.available', 'reward.reversed']),
    );
  });

  it('attributes by the visitor id of a real click on the share link', async () => {
    const s = await setup({ attributionModel: 'LAST_CLICK' });
    const res = await fetch(`${api.url}/r/${s.code}/whatsapp`, {
      redirect: 'manual',
      headers: { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1' },
    });
    expect(res.status).toBe(302);
    const visitorId = new URL(res.headers.get('location')!).searchParams.get('tl_vid')!;
    expect(res.headers.get('set-cookie')).toContain(`tl_vid=${visitorId}`);
    await eventually(
      async () => {
        const { rows } = await db.query(`SELECT 1 FROM clicks WHERE visitor_id = $1`, [visitorId]);
        return rows.length > 0 || undefined;
      },
      20_000,
      'the click flushed',
    );
    const friend = uid('clicker');
    await send(s.apiKey, { id: uid('s'), type: 'signup', customerId: friend, visitorId });
    await send(s.apiKey, {
      id: uid('p'),
      type: 'purchase',
      customerId: friend,
      orderId: uid('o'),
      amount: 2000,
      currency: 'USD',
      visitorId,
    });
    await eventually(async () => (await balance(s.apiKey, s.advocateId)).pending === 200 || undefined, 20_000, 'the reward of the click');
    const { rows } = await db.query(`SELECT attributed_by, visitor_id FROM referrals WHERE tenant_id = $1`, [s.tenantId]);
    expect(rows).toEqual([{ attributed_by: 'VISITOR_ID', visitor_id: visitorId }]);
    const { rows: gen } = await db.query(
      `SELECT generation, referred_by_advocate_id FROM customers WHERE tenant_id = $1 AND external_id = $2`,
      [s.tenantId, friend],
    );
    expect(gen).toEqual([{ generation: 2, referred_by_advocate_id: s.advocateId }]);
    // the referred customer, delighted in turn, advocates as the next generation
    const next = await gql(
      api,
      s.apiKey,
      `mutation($c: ID!, $cust: String!) { enrollAdvocate(campaignId: $c, customerId: $cust) { generation } }`,
      {
        c: s.campaignId,
        cust: friend,
      },
    );
    expect(next.data!.enrollAdvocate).toEqual({ generation: 2 });
  });

  it('leaves exactly one reward per referral when events are replayed 3 times, shuffled, refunds first', async () => {
    const s = await setup({ advocateReward: { kind: 'FIXED', amount: 700, currency: 'USD' }, friendIncentive: null });
    const events: Record<string, unknown>[] = [];
    for (let i = 0; i < 6; i++) {
      const friend = uid(`f${i}`);
      events.push({ id: `${friend}-s`, type: 'signup', customerId: friend, referralCode: s.code });
      events.push({
        id: `${friend}-p`,
        type: 'purchase',
        customerId: friend,
        orderId: `${friend}-o`,
        amount: 5000,
        currency: 'USD',
        referralCode: s.code,
      });
      if (i < 2) events.push({ id: `${friend}-r`, type: 'refund', customerId: friend, orderId: `${friend}-o` });
    }
    const deliveries = [...events, ...events, ...events].sort(() => Math.random() - 0.5);
    // refunds of the first two orders go out before anything else
    deliveries.sort((a, b) => Number(b.type === 'refund') - Number(a.type === 'refund'));
    for (let i = 0; i < deliveries.length; i += 7) await send(s.apiKey, { batch: deliveries.slice(i, i + 7) });
    await eventually(
      async () => {
        const { rows } = await db.query(`SELECT count(*)::int AS n FROM event_effects WHERE tenant_id = $1`, [s.tenantId]);
        return rows[0].n === events.length || undefined;
      },
      30_000,
      'every event applied',
    );
    await eventually(async () => (await balance(s.apiKey, s.advocateId)).pending === 4 * 700 || undefined, 20_000, 'the credits');
    const { rows } = await db.query(
      `SELECT referral_id, kind, count(*)::int AS n FROM rewards WHERE tenant_id = $1 GROUP BY referral_id, kind HAVING count(*) > 1`,
      [s.tenantId],
    );
    expect(rows).toEqual([]);
    const { rows: refs } = await db.query(
      `SELECT status, count(*)::int AS n FROM referrals WHERE tenant_id = $1 GROUP BY status ORDER BY status`,
      [s.tenantId],
    );
    expect(refs).toEqual([
      { status: 'CONVERTED', n: 4 },
      { status: 'REVERSED', n: 2 },
    ]);
    const { rows: books } = await db.query(`SELECT coalesce(sum(amount), 0)::int AS total FROM ledger_entries WHERE tenant_id = $1`, [
      s.tenantId,
    ]);
    expect(books[0].total).toBe(0);
  });

  it('refuses self-referral under a gmail variant, and customers who bought before', async () => {
    const { tenantId, apiKey } = await createTenant(env, uid('Brand'));
    const created = await gql(api, apiKey, `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }`, {
      input: {
        name: 'Self',
        destinationUrl: 'https://shop.example.com',
        message: { headline: 'h', body: 'b' },
        advocateReward: { kind: 'FIXED', amount: 100, currency: 'USD' },
      },
    });
    const campaignId = created.data!.createCampaign.id as string;
    await gql(api, apiKey, `mutation($id: ID!) { setCampaignStatus(id: $id, status: ACTIVE) { status } }`, { id: campaignId });
    const ada = uid('ada');
    await send(apiKey, { id: uid('e'), type: 'first_use', customerId: ada, email: 'ada.lovelace@gmail.com' });
    const enrolled = await gql(
      api,
      apiKey,
      `mutation($c: ID!, $cust: String!) { enrollAdvocate(campaignId: $c, customerId: $cust) { code } }`,
      { c: campaignId, cust: ada },
    );
    const code = enrolled.data!.enrollAdvocate.code as string;
    const alias = uid('alias');
    await send(apiKey, { id: uid('s'), type: 'signup', customerId: alias, email: 'Ada.Love.Lace+promo@gmail.com', referralCode: code });
    const old = uid('old');
    await send(apiKey, {
      id: uid('p0'),
      type: 'purchase',
      customerId: old,
      orderId: uid('o'),
      amount: 100,
      currency: 'USD',
      occurredAt: '2026-01-01T00:00:00Z',
    });
    await send(apiKey, { id: uid('s'), type: 'signup', customerId: old, referralCode: code });
    const refused = await eventually(async () => {
      const res = await gql(
        api,
        apiKey,
        `query($c: ID!) { referrals(campaignId: $c, status: REJECTED) { edges { node { rejectedReason risk { decision reasons } referredCustomer { externalId } } } } }`,
        { c: campaignId },
      );
      const edges = res.data?.referrals.edges as
        { node: { rejectedReason: string; referredCustomer: { externalId: string } } }[] | undefined;
      return edges?.length === 2 ? edges.map((e) => e.node) : undefined;
    });
    const byCustomer = Object.fromEntries(refused.map((r) => [r.referredCustomer.externalId, r.rejectedReason]));
    expect(byCustomer[alias]).toMatch(/BLOCKED/);
    expect(byCustomer[old]).toMatch(/EXISTING_CUSTOMER/);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM rewards WHERE tenant_id = $1`, [tenantId]);
    expect(rows[0].n).toBe(0);
  });
});
