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
} from './support/harness.js';
import { seedCampaign } from './support/seed.js';

/**
 * Nested lists cost a bounded number of SQL statements however much data there is (relations load
 * through DataLoaders), and the cost limit sees list sizes before anything runs.
 */
describe('nested queries as data grows', () => {
  let api: RunningApi;
  let worker: RunningProcess;
  let db: pg.Pool;
  let tenant: { tenantId: string; apiKey: string };
  let campaignId: string;

  beforeAll(async () => {
    const env = testEnv();
    [api, worker] = (await Promise.all([startApi(env), startWorker(env)])) as [RunningApi, RunningProcess];
    db = pool(env);
    tenant = await createTenant(env, 'Batching');
    campaignId = await seedCampaign(env, tenant.tenantId, {
      name: 'Batching',
      advocateReward: { kind: 'FIXED', amount: 500, currency: 'USD' },
      friendIncentive: { kind: 'FIXED', amount: 300, currency: 'USD' },
    });
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await db?.end();
  });

  /** An advocate whose link brought `friends` paying friends, each credited by the worker. */
  async function advocateWith(friends: number, tag: string): Promise<string> {
    await postJson(api, '/v1/events', tenant.apiKey, { id: `${tag}-used`, type: 'first_use', customerId: `adv-${tag}` });
    const enrolled = await gql(
      api,
      tenant.apiKey,
      `mutation($c: ID!, $cust: String!) { enrollAdvocate(campaignId: $c, customerId: $cust) { id code } }`,
      {
        c: campaignId,
        cust: `adv-${tag}`,
      },
    );
    const { id, code } = enrolled.data!.enrollAdvocate as { id: string; code: string };
    const batch = Array.from({ length: friends }, (_, i) => ({
      id: `${tag}-buy-${i}`,
      type: 'purchase',
      customerId: `${tag}-friend-${i}`,
      email: `${tag}-friend-${i}@example.com`,
      referralCode: code,
      orderId: `${tag}-order-${i}`,
      amount: 2000,
      currency: 'USD',
    }));
    expect((await postJson(api, '/v1/events', tenant.apiKey, { batch })).status).toBe(202);
    await eventually(
      async () => {
        const { rows } = await db.query(`SELECT count(*)::int AS n FROM rewards WHERE advocate_id = $1 AND kind = 'ADVOCATE'`, [id]);
        return rows[0].n === friends || undefined;
      },
      60_000,
      `${friends} rewards credited`,
    );
    return id;
  }

  async function statements(query: string, variables: Record<string, unknown>) {
    const res = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.apiKey}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { errors?: unknown; data: Record<string, { edges: unknown[] }> };
    expect(body.errors).toBeUndefined();
    return { count: Number(res.headers.get('x-sql-statements')), body };
  }

  it('sends the same few statements for 3 rewards as for 40, each with its referral, advocate and friend', async () => {
    const few = await advocateWith(3, 'few');
    const many = await advocateWith(40, 'many');
    const rewards = `query($a: ID!) { rewards(advocateId: $a, first: 100) { edges { node { id amount status
      referral { id status advocate { id code customer { id } campaign { id } balance { pending } } referredCustomer { id externalId }
        rewards { id kind referral { id } } } } } } }`;
    const small = await statements(rewards, { a: few });
    const large = await statements(rewards, { a: many });
    expect(small.body.data.rewards!.edges).toHaveLength(3);
    expect(large.body.data.rewards!.edges).toHaveLength(40);
    expect(large.count).toBe(small.count);
    expect(large.count).toBeLessThanOrEqual(12);

    const referrals = `query($c: ID!) { referrals(campaignId: $c, first: 100) { edges { node { id advocate { id balance { pending } }
      referredCustomer { id } rewards { id referral { id advocate { id } } } } } } }`;
    const all = await statements(referrals, { c: campaignId });
    expect(all.body.data.referrals!.edges).toHaveLength(43);
    expect(all.count).toBeLessThanOrEqual(10);

    // Paginated: the second page follows the first's cursor, and a page is at most 100.
    const page = await gql(
      api,
      tenant.apiKey,
      `query($a: ID!) { rewards(advocateId: $a, first: 30) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
      {
        a: many,
      },
    );
    expect(page.data!.rewards.pageInfo.hasNextPage).toBe(true);
    const rest = await gql(
      api,
      tenant.apiKey,
      `query($a: ID!, $after: String) { rewards(advocateId: $a, first: 30, after: $after) { edges { node { id } } pageInfo { hasNextPage } } }`,
      {
        a: many,
        after: page.data!.rewards.pageInfo.endCursor,
      },
    );
    expect(rest.data!.rewards.edges).toHaveLength(10);
    expect(rest.data!.rewards.pageInfo.hasNextPage).toBe(false);
    const tooMany = await gql(api, tenant.apiKey, `query($a: ID!) { rewards(advocateId: $a, first: 1000) { edges { node { id } } } }`, {
      a: many,
    });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('counts list sizes in the cost: nested pages multiply, and an over-costly one is refused before it runs', async () => {
    const page = (alias: string) =>
      `${alias}: rewards(advocateId: "00000000-0000-4000-8000-000000000000", first: 100) { edges { node { referral { rewards { referral { advocate { id } } } } } } }`;
    const cheap = await gql(api, tenant.apiKey, `{ ${page('a')} }`);
    expect(cheap.errors?.[0]?.extensions?.code).toBe('NOT_FOUND'); // ran: under the limit
    const res = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.apiKey}` },
      body: JSON.stringify({ query: `{ ${['a', 'b', 'c', 'd', 'e'].map(page).join(' ')} }` }),
    });
    const body = (await res.json()) as { errors?: { message: string; extensions?: { code?: string; reason?: string } }[]; data?: unknown };
    expect(res.status).toBe(400);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'COST_LIMIT' });
    expect(body.data).toBeUndefined();
  });
});
