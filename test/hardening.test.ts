import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import type pg from 'pg';
import Stripe from 'stripe';
import { signDashboard } from '#libs/analytics/index.js';
import { cli, createTenant, gql, pool, startApi, testEnv, TEST_SECRET_KEY, type RunningApi, type TestEnv } from './support/harness.js';
import { seedAdvocate, seedCampaign } from './support/seed.js';

const DAY = 86_400;
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0';
const now = () => Math.floor(Date.now() / 1000);
const cursor = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');
/** The keyed hash the API stores of a client address (libs/links/ip-hasher.ts). */
const ipHash = (ip: string, secretKey = TEST_SECRET_KEY) =>
  createHmac('sha256', createHmac('sha256', secretKey).update('truthloop:click-ip-hash:v1').digest()).update(ip).digest('hex');

describe('hardening for the open internet', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: pg.Pool;
  let tenant: { tenantId: string; apiKey: string };
  let campaignId: string;
  let portalToken: string;

  beforeAll(async () => {
    env = testEnv();
    api = await startApi(env);
    db = pool(env);
    tenant = await createTenant(env, 'Hardening');
    campaignId = await seedCampaign(env, tenant.tenantId);
    portalToken = (await seedAdvocate(env, tenant.tenantId, campaignId)).portalToken;
  });
  afterAll(async () => {
    await api?.stop();
    await db?.end();
  });

  describe('no silent secret', () => {
    const withoutKey = () => Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'SECRET_KEY'));

    it.each([
      ['the API', ['dist/apps/api/src/main.js']],
      ['the worker', ['dist/apps/worker/src/main.js']],
      ['the CLI', ['dist/apps/cli/src/main.js', 'tenant:create', '--name', 'No key']],
    ])('%s refuses to start without a SECRET_KEY of 32 characters, naming it', async (_what, args) => {
      for (const extra of [{}, { SECRET_KEY: 'too-short-0123456789' }] as Record<string, string>[]) {
        const { code, stderr } = await cli(args.slice(1), { ...withoutKey(), ...extra }, args[0]);
        expect(code).not.toBe(0);
        expect(stderr).toMatch(/SECRET_KEY: (required|must be at least 32 characters)/);
      }
    });
  });

  describe('signed links and sealed secrets across a key rotation', () => {
    const OLD = 'the-old-secret-key-0123456789abcdef';
    const NEW = 'the-new-secret-key-0123456789abcdef';

    it('verifies and opens what the previous key made, and refuses it once the previous key is gone', async () => {
      // A tenant of its own: its Stripe secret stays sealed under the old key.
      const tenant = await createTenant(env, 'Rotation');
      const campaignId = await seedCampaign(env, tenant.tenantId);
      const before = await startApi(env, { SECRET_KEY: OLD });
      const stripeSecret = 'whsec_rotation_0123456789abcdef';
      await gql(before, tenant.apiKey, `mutation($s: String!) { setStripeWebhookSecret(secret: $s) }`, { s: stripeSecret });
      const link = (
        await gql(before, tenant.apiKey, `mutation($c: ID!) { createDashboardLink(campaignId: $c) { url } }`, { c: campaignId })
      ).data!.createDashboardLink.url as string;
      await before.stop();
      const path = new URL(link).pathname + new URL(link).search;

      const rotated = await startApi(env, { SECRET_KEY: NEW, SECRET_KEY_PREVIOUS: OLD });
      const afterOnly = await startApi(env, { SECRET_KEY: NEW });
      try {
        expect((await fetch(`${rotated.url}${path}`)).status).toBe(200);
        expect((await fetch(`${afterOnly.url}${path}`)).status).toBe(403);
        const delivery = stripeDelivery(stripeSecret);
        expect((await fetch(`${rotated.url}/webhooks/stripe/${tenant.tenantId}`, delivery)).status).toBe(200);
        // New links are signed with the new key alone.
        const fresh = (
          await gql(rotated, tenant.apiKey, `mutation($c: ID!) { createDashboardLink(campaignId: $c) { url } }`, { c: campaignId })
        ).data!.createDashboardLink.url as string;
        expect((await fetch(`${afterOnly.url}${new URL(fresh).pathname}${new URL(fresh).search}`)).status).toBe(200);
      } finally {
        await Promise.all([rotated.stop(), afterOnly.stop()]);
      }
    });

    it('refuses a correctly signed dashboard link that claims to live longer than 30 days', async () => {
      for (const [ttl, status] of [
        [29 * DAY, 200],
        [31 * DAY, 403],
        [5 * 365 * DAY, 403],
      ] as const) {
        const exp = now() + ttl;
        const res = await fetch(
          `${api.url}/dashboard/${campaignId}?exp=${exp}&sig=${signDashboard(TEST_SECRET_KEY, tenant.tenantId, campaignId, exp)}`,
        );
        expect(res.status).toBe(status);
      }
    });
  });

  describe('proxies', () => {
    const visitFrom = async (target: RunningApi, forwardedFor: string) => {
      const res = await fetch(`${target.url}/a/${portalToken}`, { headers: { 'x-forwarded-for': forwardedFor, 'user-agent': BROWSER } });
      expect(res.status).toBe(200);
      const visitor = /tl_vid=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1];
      const { rows } = await db.query<{ ip_hash: string }>(`SELECT ip_hash FROM portal_visits WHERE visitor_id = $1`, [visitor]);
      return rows[0]!.ip_hash;
    };

    it('ignores X-Forwarded-For unless TRUST_PROXY names the proxy', async () => {
      expect(await visitFrom(api, '203.0.113.9')).toBe(ipHash('127.0.0.1'));
      expect(await visitFrom(api, '198.51.100.1, 203.0.113.9')).toBe(ipHash('127.0.0.1'));
      const behindProxy = await startApi(env, { TRUST_PROXY: '127.0.0.1/32' });
      const oneHop = await startApi(env, { TRUST_PROXY: '1' });
      try {
        expect(await visitFrom(behindProxy, '203.0.113.9')).toBe(ipHash('203.0.113.9'));
        // A client's own entry comes first; the trusted proxy appends the address it saw.
        expect(await visitFrom(behindProxy, '198.51.100.1, 203.0.113.9')).toBe(ipHash('203.0.113.9'));
        expect(await visitFrom(oneHop, '198.51.100.1, 203.0.113.9')).toBe(ipHash('203.0.113.9'));
      } finally {
        await Promise.all([behindProxy.stop(), oneHop.stop()]);
      }
    });
  });

  describe('inputs that cannot hurt', () => {
    const deepObject = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${api.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

    it('answers JSON nested 50,000 levels deep with 400 and the error shape of each endpoint', async () => {
      const auth = { authorization: `Bearer ${tenant.apiKey}` };
      const deep = deepObject(50_000);
      const rest = [
        await post('/v1/events', deep, auth),
        await post('/v1/events', `{"id":"e","type":"signup","customerId":"c","properties":${deepObject(40)}}`, auth),
        await post(`/a/${portalToken}/share`, deep),
        await post(`/webhooks/stripe/${tenant.tenantId}`, deep, { 'stripe-signature': `t=${now()},v1=${'0'.repeat(64)}` }),
      ];
      for (const res of rest) {
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: { code: string; fields: { message: string }[] } }).error).toMatchObject({
          code: 'BAD_USER_INPUT',
          fields: [{ message: 'nests deeper than 32 levels' }],
        });
      }
      const graphql = [
        await post('/graphql', `[${deep}]`, auth),
        await post('/graphql', `{"query":"{ campaigns { edges { cursor } } }","variables":${deep}}`, auth),
        await post(
          '/graphql',
          JSON.stringify({
            query: `mutation { recordEvent(input: {id: "x", type: "signup", customerId: "c", properties: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}}) { accepted } }`,
          }),
          auth,
        ),
      ];
      for (const res of graphql) {
        expect(res.status).toBe(400);
        const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
        expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
        expect(body.errors[0]!.message).toMatch(/nests deeper than/);
      }
      // Nesting real payloads use still passes.
      const fine = await post('/v1/events', `{"id":"e-fine","type":"signup","customerId":"c","properties":${deepObject(10)}}`, auth);
      expect(fine.status).toBe(202);
    });

    it('answers over-long headers with 431 or a 4xx of the contract, never a 5xx', async () => {
      const huge = await fetch(`${api.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${'a'.repeat(20_000)}` },
        body: '{}',
      });
      expect(huge.status).toBe(431);
      expect(await huge.json()).toEqual({ error: { code: 'BAD_USER_INPUT', message: expect.stringContaining('headers') } });
      const long = 'b'.repeat(15_000);
      for (const [path, init] of [
        ['/v1/events', { method: 'POST', headers: { authorization: `Bearer ${long}`, 'x-request-id': long }, body: '{}' }],
        [
          '/graphql',
          {
            method: 'POST',
            headers: { 'x-api-key': long, 'content-type': 'application/json' },
            body: '{"query":"{ campaigns { edges { cursor } } }"}',
          },
        ],
        [
          `/webhooks/stripe/${tenant.tenantId}`,
          {
            method: 'POST',
            headers: { 'stripe-signature': `t=${now()},${'v1=ab,'.repeat(2_000)}`, 'content-type': 'application/json' },
            body: '{}',
          },
        ],
        [`/r/NOPE`, { headers: { cookie: `tl_vid=${long}`, 'user-agent': long }, redirect: 'manual' }],
        [`/a/${portalToken}`, { headers: { cookie: `tl_vid=${long}`, 'x-forwarded-for': long } }],
      ] as const) {
        const res = await fetch(`${api.url}${path}`, init as RequestInit);
        expect([path, res.status < 500]).toEqual([path, true]);
      }
    });

    it('answers forged cursors on every paginated list with BAD_USER_INPUT, never PostgreSQL', async () => {
      const endpoint = (
        await gql(api, tenant.apiKey, `mutation { createWebhookEndpoint(url: "https://93.184.216.34/hooks", events: ["*"]) { id } }`)
      ).data;
      const lists = [
        (after: string) => `{ campaigns(after: "${after}") { edges { cursor } } }`,
        (after: string) => `{ advocates(campaignId: "${campaignId}", after: "${after}") { edges { cursor } } }`,
        (after: string) => `{ referrals(campaignId: "${campaignId}", after: "${after}") { edges { cursor } } }`,
        ...(endpoint
          ? [
              (after: string) =>
                `{ webhookDeliveries(endpointId: "${endpoint.createWebhookEndpoint.id}", after: "${after}") { edges { cursor } } }`,
            ]
          : []),
      ];
      const uuid = '00000000-0000-4000-8000-000000000000';
      const forged = [
        cursor(['garbage', uuid]),
        cursor(['1', uuid]),
        cursor(['99999-01-01T00:00:00.000Z', uuid]),
        cursor(['2026-13-45T00:00:00.000Z', uuid]),
        cursor([uuid, uuid]),
        cursor(['2026-01-01T00:00:00.000Z', 'not-a-uuid']),
        cursor(['99999999999999999999999']),
        cursor([1e308]),
        cursor({ a: 1 }),
        'not base64 at all!',
        'x'.repeat(5_000),
      ];
      for (const list of lists) {
        for (const after of forged) {
          const res = await gql(api, tenant.apiKey, list(after));
          expect([list(after).slice(0, 30), res.errors?.[0]?.extensions?.code]).toEqual([list(after).slice(0, 30), 'BAD_USER_INPUT']);
          expect(res.errors?.[0]?.message).not.toMatch(/syntax|timestamp|bigint|uuid:/i);
        }
      }
    });

    it('refuses a Stripe-Signature header with two timestamps, even when one is current and signed', async () => {
      const secret = 'whsec_repeated_t_0123456789abcdef';
      await gql(api, tenant.apiKey, `mutation($s: String!) { setStripeWebhookSecret(secret: $s) }`, { s: secret });
      const genuine = stripeDelivery(secret, now());
      const header = (genuine.headers as Record<string, string>)['stripe-signature']!;
      for (const forged of [`t=${now() + 10 * 365 * DAY},${header}`, `${header},t=${now() + 10 * 365 * DAY}`, `${header},t=${now()}`]) {
        const res = await fetch(`${api.url}/webhooks/stripe/${tenant.tenantId}`, {
          ...genuine,
          headers: { ...genuine.headers, 'stripe-signature': forged },
        });
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/exactly one timestamp/);
      }
      expect((await fetch(`${api.url}/webhooks/stripe/${tenant.tenantId}`, stripeDelivery(secret))).status).toBe(200);
    });
  });
});

let deliveries = 0;
/** A genuine, signed checkout.session.completed delivery. */
function stripeDelivery(secret: string, timestamp = now()): RequestInit {
  const payload = JSON.stringify({
    id: `evt_hardening_${++deliveries}_${Date.now()}`,
    object: 'event',
    type: 'checkout.session.completed',
    created: timestamp,
    data: {
      object: {
        object: 'checkout.session',
        id: `cs_${deliveries}`,
        client_reference_id: `buyer-${deliveries}`,
        amount_total: 1000,
        currency: 'usd',
      },
    },
  });
  const signature = new Stripe('sk_test_unused').webhooks.generateTestHeaderString({ payload, secret, timestamp });
  return { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: payload };
}
