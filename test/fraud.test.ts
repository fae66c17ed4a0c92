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
import { seedCampaign } from './support/seed.js';

/** Labelled fraud cases, through real API and worker processes. */
describe('fraud scoring and the review queue', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: RunningProcess;
  let db: pg.Pool;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;

  beforeAll(async () => {
    // The test plays the proxy in front of the API: its X-Forwarded-For carries the client addresses.
    env = testEnv({ TRUST_PROXY: 'loopback' });
    [api, worker] = (await Promise.all([startApi(env), startWorker(env)])) as [RunningApi, RunningProcess];
    db = pool(env);
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await db?.end();
  });

  const send = async (key: string, body: unknown) => {
    const res = await postJson(api, '/v1/events', key, body);
    expect(res.status).toBe(202);
  };

  async function setup(extra: Record<string, unknown> = {}) {
    const { tenantId, apiKey } = await createTenant(env, uid('Brand'));
    const campaignId = await seedCampaign(env, tenantId, {
      name: 'Fraud',
      advocateReward: { kind: 'FIXED', amount: 1000, currency: 'USD' },
      holdDays: 0,
      ...extra,
    });
    const advocate = uid('adv');
    await send(apiKey, {
      id: uid('e'),
      type: 'purchase',
      customerId: advocate,
      email: `${advocate}@example.com`,
      orderId: uid('o'),
      amount: 100,
      currency: 'USD',
      properties: { cardFingerprint: `card-${advocate}` },
    });
    const enrolled = await gql(
      api,
      apiKey,
      `mutation($c: ID!, $cust: String!) { enrollAdvocate(campaignId: $c, customerId: $cust) { id code } }`,
      { c: campaignId, cust: advocate },
    );
    const { id: advocateId, code } = enrolled.data!.enrollAdvocate as { id: string; code: string };
    return { tenantId, apiKey, campaignId, advocateId, code, advocate };
  }

  const buy = (s: { apiKey: string; code: string }, friend: string, extra: Record<string, unknown> = {}) =>
    send(s.apiKey, {
      id: uid('p'),
      type: 'purchase',
      customerId: friend,
      orderId: uid('o'),
      amount: 5000,
      currency: 'USD',
      referralCode: s.code,
      ...extra,
    });

  const referralOf = (apiKey: string, campaignId: string, externalId: string) =>
    eventually(
      async () => {
        const res = await gql(
          api,
          apiKey,
          `query($c: ID!) { referrals(campaignId: $c, first: 100) { edges { node { id status rejectedReason risk { score decision reasons signals { code } } referredCustomer { externalId } } } } }`,
          { c: campaignId },
        );
        type Node = {
          id: string;
          status: string;
          risk: { score: number; decision: string; reasons: string[]; signals: { code: string }[] };
          referredCustomer: { externalId: string };
        };
        return (res.data?.referrals.edges as { node: Node }[] | undefined)
          ?.map((e) => e.node)
          .find((r) => r.referredCustomer.externalId === externalId && r.status !== 'LEAD');
      },
      20_000,
      `the referral of ${externalId}`,
    );

  it('sends a disposable email domain to review, explaining why', async () => {
    const s = await setup();
    const friend = uid('temp');
    await buy(s, friend, { email: `${friend}@mailinator.com` });
    const r = await referralOf(s.apiKey, s.campaignId, friend);
    expect(r.risk.decision).toBe('REVIEW');
    expect(r.risk.signals.map((x) => x.code)).toEqual(['DISPOSABLE_EMAIL']);
    expect(r.risk.reasons[0]).toMatch(/disposable/);
  });

  it('flags the same card as the advocate, and velocity over the campaign limit', async () => {
    const s = await setup({ maxConversionsPerAdvocatePerDay: 2 });
    const card = uid('samecard');
    await buy(s, card, { properties: { cardFingerprint: `card-${s.advocate}` } });
    const sameCard = await referralOf(s.apiKey, s.campaignId, card);
    expect(sameCard.risk.signals.map((x) => x.code)).toContain('SAME_CARD_AS_ADVOCATE');
    expect(sameCard.risk.decision).toBe('REVIEW');
    const f1 = uid('v');
    const f2 = uid('v');
    await buy(s, f1);
    await referralOf(s.apiKey, s.campaignId, f1);
    await buy(s, f2);
    const fast = await referralOf(s.apiKey, s.campaignId, f2);
    expect(fast.risk.signals.map((x) => x.code)).toContain('VELOCITY_DAY');
    expect(fast.risk.decision).toBe('REVIEW');
  });

  const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
  const PHONE =
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
  const visitorOf = (res: Response) => /tl_vid=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];

  /** The advocate opens their share page, and someone clicks their link: returns the clicker's visitor id. */
  async function pageThenClick(
    s: { apiKey: string; advocateId: string; code: string },
    click: { ip: string; ua: string; sameBrowser: boolean },
  ) {
    const { data } = await gql(api, s.apiKey, `query($id: ID!) { advocate(id: $id) { portalUrl } }`, { id: s.advocateId });
    const token = (data!.advocate.portalUrl as string).split('/a/')[1];
    const page = await fetch(`${api.url}/a/${token}`, { headers: { 'user-agent': DESKTOP, 'x-forwarded-for': '198.51.100.7' } });
    expect(page.status).toBe(200);
    const own = visitorOf(page)!;
    const res = await fetch(`${api.url}/r/${s.code}`, {
      redirect: 'manual',
      headers: { 'user-agent': click.ua, 'x-forwarded-for': click.ip, ...(click.sameBrowser ? { cookie: `tl_vid=${own}` } : {}) },
    });
    expect(res.status).toBe(302);
    const visitor = visitorOf(res)!;
    await eventually(
      async () => {
        const { rows } = await db.query(`SELECT 1 FROM clicks WHERE visitor_id = $1`, [visitor]);
        return rows.length > 0 || undefined;
      },
      20_000,
      'the click flushed',
    );
    return visitor;
  }

  it('flags the advocate clicking their own link from their own browser', async () => {
    const s = await setup();
    const visitorId = await pageThenClick(s, { ip: '198.51.100.7', ua: DESKTOP, sameBrowser: true });
    const alias = uid('alias');
    await send(s.apiKey, {
      id: uid('p'),
      type: 'purchase',
      customerId: alias,
      email: `${alias}@example.com`,
      orderId: uid('o'),
      amount: 5000,
      currency: 'USD',
      visitorId,
    });
    const r = await referralOf(s.apiKey, s.campaignId, alias);
    expect(r.risk.signals.map((x) => x.code).sort()).toEqual(['ADVOCATE_OWN_CLICK', 'SAME_DEVICE']);
    expect(r.status).toBe('REJECTED');
  });

  it('allows a household sharing an IP address: different people, browsers and cards', async () => {
    const s = await setup();
    const visitorId = await pageThenClick(s, { ip: '198.51.100.7', ua: PHONE, sameBrowser: false });
    const partner = uid('partner');
    await send(s.apiKey, {
      id: uid('p'),
      type: 'purchase',
      customerId: partner,
      email: `${partner}@example.com`,
      orderId: uid('o'),
      amount: 5000,
      currency: 'USD',
      visitorId,
      properties: { cardFingerprint: uid('card') },
    });
    const r = await referralOf(s.apiKey, s.campaignId, partner);
    expect(r).toMatchObject({ status: 'CONVERTED', risk: { decision: 'ALLOW', score: 10 } });
    expect(r.risk.signals.map((x) => x.code)).toEqual(['SAME_IP']);
  });

  it('allows a different person and card', async () => {
    const s = await setup();
    const partner = uid('partner');
    await buy(s, partner, { email: `${partner}@example.com`, properties: { cardFingerprint: uid('card') } });
    const r = await referralOf(s.apiKey, s.campaignId, partner);
    expect(r).toMatchObject({ status: 'CONVERTED', risk: { decision: 'ALLOW' } });
  });

  it('holds reviewed rewards until approved, and reverses them when rejected', async () => {
    const s = await setup();
    const [good, bad] = [uid('good'), uid('bad')];
    await buy(s, good, { email: `${good}@mailinator.com` });
    await buy(s, bad, { email: `${bad}@mailinator.com` });
    const [g, b] = [await referralOf(s.apiKey, s.campaignId, good), await referralOf(s.apiKey, s.campaignId, bad)];
    const queue = await gql(api, s.apiKey, `query($c: ID!) { reviewQueue(campaignId: $c) { id } }`, { c: s.campaignId });
    expect((queue.data!.reviewQueue as { id: string }[]).map((r) => r.id).sort()).toEqual([g.id, b.id].sort());
    const pending = async () => {
      const { rows } = await db.query(
        `SELECT r.status, f.id FROM rewards r JOIN referrals f ON f.id = r.referral_id WHERE f.tenant_id = $1`,
        [s.tenantId],
      );
      return Object.fromEntries(rows.map((x) => [x.id, x.status]));
    };
    await eventually(async () => Object.keys(await pending()).length === 2 || undefined, 20_000, 'both credited');
    // hold is 0 days: the release job runs, but rewards under review stay PENDING
    await new Promise((r) => setTimeout(r, 6000));
    expect(await pending()).toEqual({ [g.id]: 'PENDING', [b.id]: 'PENDING' });

    const approved = await gql(api, s.apiKey, `mutation($id: ID!) { approveReferral(id: $id) { status reviewedBy reviewedAt } }`, {
      id: g.id,
    });
    expect(approved.data!.approveReferral).toMatchObject({ status: 'APPROVED', reviewedBy: 'default' });
    const rejected = await gql(
      api,
      s.apiKey,
      `mutation($id: ID!) { rejectReferral(id: $id, reason: "fake account") { status rejectedReason reviewedBy } }`,
      { id: b.id },
    );
    expect(rejected.data!.rejectReferral).toMatchObject({
      status: 'REJECTED',
      rejectedReason: 'REVIEW: fake account',
      reviewedBy: 'default',
    });
    await eventually(
      async () => {
        const p = await pending();
        return p[g.id] === 'AVAILABLE' && p[b.id] === 'REVERSED' ? p : undefined;
      },
      20_000,
      'release of the approved, reversal of the rejected',
    );
    const again = await gql(api, s.apiKey, `mutation($id: ID!) { approveReferral(id: $id) { status } }`, { id: b.id });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const { rows } = await db.query(`SELECT coalesce(sum(amount), 0)::int AS total FROM ledger_entries WHERE tenant_id = $1`, [s.tenantId]);
    expect(rows[0].total).toBe(0);
  });
});
