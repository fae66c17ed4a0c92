import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { loadConfig } from '#libs/config/index.js';
import { createDataSource, migrations } from '#libs/database/index.js';
import { ADMIN_DATABASE_URL, databaseUrl } from './support/env.js';
import { createTenant, gql, pool, postJson, startApi, testEnv, type RunningApi, type TestEnv } from './support/harness.js';
import { seedAdvocate, seedCampaign, seedConversion } from './support/seed.js';

type Scope = 'ADMIN' | 'WRITE' | 'READ';

describe('API keys with scopes, expiry and an audit trail', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: pg.Pool;
  let tenant: { tenantId: string; apiKey: string };
  let campaignId: string;

  const newKey = async (scopes: Scope[], extra = '') => {
    const res = await gql(
      api,
      tenant.apiKey,
      `mutation($s: [ApiKeyScope!]!) { createApiKey(name: "k ${scopes.join('+')}", scopes: $s${extra}) { id key scopes expiresAt } }`,
      {
        s: scopes,
      },
    );
    return res.data!.createApiKey as { id: string; key: string; scopes: Scope[]; expiresAt: string | null };
  };
  const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code ?? 'ok';

  beforeAll(async () => {
    env = testEnv();
    api = await startApi(env);
    db = pool(env);
    tenant = await createTenant(env, 'Keys');
    campaignId = await seedCampaign(env, tenant.tenantId);
  });
  afterAll(async () => {
    await api?.stop();
    await db?.end();
  });

  it("gives a tenant's first key every scope", async () => {
    const me = await fetch(`${api.url}/v1/me`, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
    expect(await me.json()).toMatchObject({ scopes: ['ADMIN'] });
  });

  it('lets each scope do what it names and refuses the rest with FORBIDDEN (403 on REST)', async () => {
    const write = await newKey(['WRITE']);
    const read = await newKey(['READ']);
    const both = await newKey(['READ', 'WRITE']);
    const calls: [string, (key: string) => Promise<string>][] = [
      ['query', async (k) => codeOf(await gql(api, k, `{ campaigns { edges { cursor } } }`))],
      ['stats', async (k) => codeOf(await gql(api, k, `query($c: ID!) { campaignStats(campaignId: $c) { clicks } }`, { c: campaignId }))],
      [
        'recordEvent',
        async (k) =>
          codeOf(
            await gql(api, k, `mutation { recordEvent(input: {id: "${k.slice(-6)}-g", type: "signup", customerId: "c1"}) { accepted } }`),
          ),
      ],
      [
        'REST events',
        async (k) => String((await postJson(api, '/v1/events', k, { id: `${k.slice(-6)}-r`, type: 'signup', customerId: 'c1' })).status),
      ],
      [
        'Segment',
        async (k) =>
          String(
            (
              await fetch(`${api.url}/v1/track`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${k}:`).toString('base64')}` },
                body: JSON.stringify({ type: 'track', event: 'Signed Up', userId: 'c2', messageId: `${k.slice(-6)}-s` }),
              })
            ).status,
          ),
      ],
      [
        'createCampaign',
        async (k) =>
          codeOf(
            await gql(
              api,
              k,
              `mutation { createCampaign(input: {name: "S ${k.slice(-6)}", destinationUrl: "https://shop.example.com", message: {headline: "h", body: "b"}, advocateReward: {kind: FIXED, amount: 100, currency: "USD"}}) { id } }`,
            ),
          ),
      ],
      ['createApiKey', async (k) => codeOf(await gql(api, k, `mutation { createApiKey(name: "escalate", scopes: [ADMIN]) { id } }`))],
      [
        'setStripeWebhookSecret',
        async (k) => codeOf(await gql(api, k, `mutation { setStripeWebhookSecret(secret: "whsec_scope_test_0123456789") }`)),
      ],
      ['apiKeys', async (k) => codeOf(await gql(api, k, `{ apiKeys { edges { node { id } } } }`))],
      ['auditLog', async (k) => codeOf(await gql(api, k, `{ auditLog { edges { node { id } } } }`))],
    ];
    const results: Record<string, Record<string, string>> = {};
    for (const [who, key] of [
      ['ADMIN', tenant.apiKey],
      ['WRITE', write.key],
      ['READ', read.key],
      ['READ+WRITE', both.key],
    ] as const) {
      results[who] = {};
      for (const [what, call] of calls) results[who]![what] = await call(key);
    }
    expect(results).toEqual({
      ADMIN: {
        query: 'ok',
        stats: 'ok',
        recordEvent: 'ok',
        'REST events': '202',
        Segment: '200',
        createCampaign: 'ok',
        createApiKey: 'ok',
        setStripeWebhookSecret: 'ok',
        apiKeys: 'ok',
        auditLog: 'ok',
      },
      WRITE: {
        query: 'FORBIDDEN',
        stats: 'FORBIDDEN',
        recordEvent: 'ok',
        'REST events': '202',
        Segment: '200',
        createCampaign: 'FORBIDDEN',
        createApiKey: 'FORBIDDEN',
        setStripeWebhookSecret: 'FORBIDDEN',
        apiKeys: 'FORBIDDEN',
        auditLog: 'FORBIDDEN',
      },
      READ: {
        query: 'ok',
        stats: 'ok',
        recordEvent: 'FORBIDDEN',
        'REST events': '403',
        Segment: '403',
        createCampaign: 'FORBIDDEN',
        createApiKey: 'FORBIDDEN',
        setStripeWebhookSecret: 'FORBIDDEN',
        apiKeys: 'FORBIDDEN',
        auditLog: 'FORBIDDEN',
      },
      'READ+WRITE': {
        query: 'ok',
        stats: 'ok',
        recordEvent: 'ok',
        'REST events': '202',
        Segment: '200',
        createCampaign: 'FORBIDDEN',
        createApiKey: 'FORBIDDEN',
        setStripeWebhookSecret: 'FORBIDDEN',
        apiKeys: 'FORBIDDEN',
        auditLog: 'FORBIDDEN',
      },
    });
    const refused = await postJson(api, '/v1/events', read.key, { id: 'x', type: 'signup', customerId: 'c1' });
    expect(await refused.json()).toEqual({ error: { code: 'FORBIDDEN', message: expect.stringMatching(/READ.*needs WRITE/) } });
    // A READ key asking for a mutation beside a query: the query answers, the mutation does not.
    const mixed = await gql(
      api,
      read.key,
      `mutation { a: recordEvent(input: {id: "mixed", type: "signup", customerId: "c"}) { accepted } }`,
    );
    expect(codeOf(mixed)).toBe('FORBIDDEN');
  });

  it('refuses a key without scopes, or an unknown one', async () => {
    const none = await gql(api, tenant.apiKey, `mutation { createApiKey(name: "none", scopes: []) { id } }`);
    expect(none.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [{ field: 'scopes', message: 'must name at least one scope' }],
    });
    expect(codeOf(await gql(api, tenant.apiKey, `mutation { createApiKey(name: "x", scopes: [ROOT]) { id } }`))).toBe('BAD_USER_INPUT');
  });

  it('refuses a key once it has expired, and shows when each key was last used', async () => {
    const soon = await newKey(['READ'], `, expiresAt: "${new Date(Date.now() + 3_000).toISOString()}"`);
    expect(soon.expiresAt).not.toBeNull();
    expect(codeOf(await gql(api, soon.key, `{ campaigns { edges { cursor } } }`))).toBe('ok');
    await new Promise((r) => setTimeout(r, 3_500));
    const expired = await gql(api, soon.key, `{ campaigns { edges { cursor } } }`);
    expect(expired.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringMatching(/expired/) });
    expect((await fetch(`${api.url}/v1/me`, { headers: { 'x-api-key': soon.key } })).status).toBe(401);
    expect(
      codeOf(
        await gql(api, tenant.apiKey, `mutation { createApiKey(name: "past", scopes: [READ], expiresAt: "2020-01-01T00:00:00Z") { id } }`),
      ),
    ).toBe('BAD_USER_INPUT');

    const keys = (await gql(api, tenant.apiKey, `{ apiKeys(first: 100) { edges { node { id lastUsedAt } } } }`)).data!.apiKeys.edges as {
      node: { id: string; lastUsedAt: string | null };
    }[];
    const used = keys.find((e) => e.node.id === soon.id)!.node.lastUsedAt;
    expect(used).not.toBeNull();
    // Updated at most once a minute per key: the first request of a fresh key sends one statement
    // more (the update, off the request's path), the next ones none.
    const fresh = await newKey(['READ']);
    const counts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${api.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${fresh.key}` },
        body: JSON.stringify({ query: '{ campaigns { edges { cursor } } }' }),
      });
      counts.push(Number(res.headers.get('x-sql-statements')));
    }
    expect(counts.slice(1)).toEqual(Array(5).fill(counts[0]! - 1));
    const stamp = async () =>
      (await db.query(`SELECT last_used_at FROM api_keys WHERE id = $1`, [fresh.id])).rows[0].last_used_at as Date | null;
    const first = await stamp();
    expect(first).not.toBeNull();
    await gql(api, fresh.key, `{ campaigns { edges { cursor } } }`);
    expect(await stamp()).toEqual(first);
  });

  it('records every marketer change in an append-only log, listed newest first for ADMIN keys', async () => {
    const audited = await createTenant(env, 'Audited');
    const key = audited.apiKey;
    const { tenantId } = audited;
    const c = await seedCampaign(env, tenantId);
    const advocate = await seedAdvocate(env, tenantId, c);
    const referralId = await seedConversion(env, tenantId, advocate.code, 5000);
    const run = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await gql(api, key, query, variables);
      expect(res.errors).toBeUndefined();
      return res.data!;
    };
    const created = await run(
      `mutation { createCampaign(input: {name: "Audit", destinationUrl: "https://shop.example.com", message: {headline: "h", body: "b"}, advocateReward: {kind: FIXED, amount: 100, currency: "USD"}}) { id } }`,
    );
    const campaign = created.createCampaign.id as string;
    await run(`mutation($id: ID!) { updateCampaign(id: $id, input: {name: "Audit 2"}) { id } }`, { id: campaign });
    await run(`mutation($id: ID!) { setCampaignStatus(id: $id, status: ACTIVE) { id } }`, { id: campaign });
    const k = await run(`mutation { createApiKey(name: "ingest", scopes: [WRITE]) { id } }`);
    await run(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: k.createApiKey.id });
    await run(`mutation { setStripeWebhookSecret(secret: "whsec_audit_0123456789") }`);
    const e = await run(`mutation { createWebhookEndpoint(url: "https://93.184.216.34/hooks", events: ["*"]) { id } }`);
    const endpoint = e.createWebhookEndpoint.id as string;
    await run(`mutation($id: ID!) { rotateWebhookSecret(id: $id, graceHours: 2) { secret previousSecretExpiresAt } }`, { id: endpoint });
    await run(`mutation($id: ID!) { disableWebhookEndpoint(id: $id) { id } }`, { id: endpoint });
    await run(`mutation($id: ID!) { approveReferral(id: $id) { id } }`, { id: referralId });
    // A refused change is not recorded.
    expect(codeOf(await gql(api, key, `mutation { rejectReferral(id: "00000000-0000-4000-8000-000000000000", reason: "x") { id } }`))).toBe(
      'NOT_FOUND',
    );

    const log = await run(
      `{ auditLog(first: 50) { edges { cursor node { action apiKeyName targetType targetId details } } pageInfo { hasNextPage } } }`,
    );
    const entries = (
      log.auditLog.edges as {
        node: { action: string; apiKeyName: string; targetType: string; targetId: string | null; details: Record<string, unknown> };
      }[]
    ).map((x) => x.node);
    expect(entries.map((x) => x.action)).toEqual(
      [
        'REFERRAL_APPROVED',
        'WEBHOOK_ENDPOINT_DISABLED',
        'WEBHOOK_SECRET_ROTATED',
        'WEBHOOK_ENDPOINT_CREATED',
        'STRIPE_SECRET_SET',
        'API_KEY_REVOKED',
        'API_KEY_CREATED',
        'CAMPAIGN_STATUS_CHANGED',
        'CAMPAIGN_UPDATED',
        'CAMPAIGN_CREATED',
      ].filter((a) => entries.some((x) => x.action === a)),
    );
    expect(entries).toContainEqual({
      action: 'CAMPAIGN_STATUS_CHANGED',
      apiKeyName: 'default',
      targetType: 'campaign',
      targetId: campaign,
      details: { status: 'ACTIVE' },
    });
    expect(entries).toContainEqual(
      expect.objectContaining({ action: 'WEBHOOK_SECRET_ROTATED', targetId: endpoint, details: { graceHours: 2 } }),
    );
    expect(JSON.stringify(entries)).not.toContain('whsec_audit');
    // Filtered by action, and paginated with a cursor.
    const onlyKeys = await run(`{ auditLog(action: API_KEY_CREATED) { edges { node { action } } } }`);
    expect(onlyKeys.auditLog.edges).toEqual([{ node: { action: 'API_KEY_CREATED' } }]);
    const first = await run(`{ auditLog(first: 2) { edges { cursor node { action } } pageInfo { hasNextPage endCursor } } }`);
    const next = await run(`query($a: String) { auditLog(first: 2, after: $a) { edges { node { action } } } }`, {
      a: first.auditLog.pageInfo.endCursor,
    });
    expect(next.auditLog.edges.map((x: { node: { action: string } }) => x.node.action)).toEqual(entries.slice(2, 4).map((x) => x.action));
    // Append-only in the database itself.
    await expect(db.query(`UPDATE audit_log SET action = 'X' WHERE tenant_id = $1`, [tenantId])).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM audit_log WHERE tenant_id = $1`, [tenantId])).rejects.toThrow(/append-only/);
    // Another tenant sees none of it.
    const theirs = (await gql(api, tenant.apiKey, `{ auditLog(first: 100) { edges { node { targetId } } } }`)).data!.auditLog.edges;
    expect(JSON.stringify(theirs)).not.toContain(campaign);
  });

  it('answers introspection in production to ADMIN and READ keys only', async () => {
    const prod = await startApi(env, { NODE_ENV: 'production' });
    try {
      const write = await newKey(['WRITE']);
      const read = await newKey(['READ']);
      const introspect = (k?: string) => gql(prod, k, `{ __schema { queryType { name } } }`);
      expect((await introspect(tenant.apiKey)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
      expect((await introspect(read.key)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
      expect(codeOf(await introspect(write.key))).toBe('FORBIDDEN');
      expect(codeOf(await introspect(undefined))).toBe('UNAUTHENTICATED');
      expect(codeOf(await gql(prod, undefined, `{ __type(name: "Campaign") { name } }`))).toBe('UNAUTHENTICATED');
      expect(codeOf(await gql(prod, undefined, `{ ... on Query { __schema { types { name } } } }`))).toBe('UNAUTHENTICATED');
    } finally {
      await prod.stop();
    }
  });

  it('makes every key that existed before scopes an ADMIN key (the migration)', async () => {
    const name = `tl_keys_migration_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const config = loadConfig({ ...env, DATABASE_URL: databaseUrl(name) });
      const run = async (upTo: number) => {
        const ds = createDataSource(config);
        ds.setOptions({ migrations: migrations.slice(0, upTo) });
        await ds.initialize();
        await ds.runMigrations();
        return ds;
      };
      const before = await run(migrations.findIndex((m) => m.name === 'Hardening1700000000700'));
      await before.query(`WITH t AS (INSERT INTO tenants (name) VALUES ('old') RETURNING id)
        INSERT INTO api_keys (tenant_id, name, prefix, key_hash) SELECT id, 'old key', 'tl_live_abcd', '\\x00' FROM t`);
      await before.destroy();
      const after = await run(migrations.length);
      expect(await after.query(`SELECT name, scopes FROM api_keys`)).toEqual([{ name: 'old key', scopes: ['ADMIN'] }]);
      await after.destroy();
    } finally {
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
