import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ADMIN_DATABASE_URL, databaseUrl } from './support/env.js';
import { cli, createTenant, gql, startApi, testEnv, type RunningApi, type TestEnv } from './support/harness.js';

const CAMPAIGN = `id name slug status destinationUrl message { headline body } channels
  eligibility { minNps withinDaysOfFirstUse requireExpectationMet }
  advocateReward { kind amount percentBps currency } friendIncentive { kind amount percentBps currency }
  attributionWindowDays attributionModel holdDays budget { amount currency }`;

const validInput = {
  name: 'Spring Referral',
  destinationUrl: 'https://shop.example.com/welcome',
  message: { headline: 'Give 10, get 10', body: 'I love this shop, try it:' },
  advocateReward: { kind: 'FIXED', amount: 1000, currency: 'USD' },
  friendIncentive: { kind: 'PERCENT', percentBps: 1500, currency: 'USD' },
};

describe('foundation', () => {
  let env: TestEnv;
  let api: RunningApi;
  let acme: { tenantId: string; apiKey: string };
  let globex: { tenantId: string; apiKey: string };

  beforeAll(async () => {
    env = testEnv();
    api = await startApi(env);
    acme = await createTenant(env, 'Acme');
    globex = await createTenant(env, 'Globex');
  });
  afterAll(async () => {
    await api?.stop();
  });

  const createCampaign = async (key: string, input: Record<string, unknown> = validInput) =>
    gql(api, key, `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { ${CAMPAIGN} } }`, { input });

  describe('tenants and API keys', () => {
    it('tenant:create prints the tenant id and a prefixed key', () => {
      expect(acme.tenantId).toMatch(/^[0-9a-f-]{36}$/);
      expect(acme.apiKey).toMatch(/^tl_live_/);
    });

    it('stores only a hash of each key', async () => {
      const db = new pg.Client({ connectionString: env.DATABASE_URL });
      await db.connect();
      const { rows } = await db.query(`SELECT * FROM api_keys WHERE tenant_id = $1`, [acme.tenantId]);
      await db.end();
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(acme.apiKey);
    });

    it('answers 401 on REST for a missing, wrong or revoked key', async () => {
      expect((await fetch(`${api.url}/v1/me`)).status).toBe(401);
      const wrong = await fetch(`${api.url}/v1/me`, { headers: { authorization: 'Bearer tl_live_' + 'x'.repeat(32) } });
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
      const ok = await fetch(`${api.url}/v1/me`, { headers: { 'x-api-key': acme.apiKey } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ tenantId: acme.tenantId });
    });

    it('answers UNAUTHENTICATED on GraphQL for a missing or wrong key', async () => {
      const missing = await gql(api, undefined, '{ campaigns { edges { cursor } } }');
      expect(missing.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      const wrong = await gql(api, 'nope', '{ campaigns { edges { cursor } } }');
      expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('creates keys that work, and revoked keys stop working at once', async () => {
      const created = await gql(
        api,
        acme.apiKey,
        `mutation { createApiKey(name: "ci", scopes: [ADMIN]) { id name key prefix revokedAt } }`,
      );
      const key = created.data!.createApiKey as { id: string; key: string; prefix: string };
      expect(key.key).toMatch(/^tl_live_/);
      expect(key.key.startsWith(key.prefix)).toBe(true);
      expect((await gql(api, key.key, '{ campaigns { edges { cursor } } }')).errors).toBeUndefined();

      const revoked = await gql(api, acme.apiKey, `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt key } }`, { id: key.id });
      expect(revoked.data!.revokeApiKey).toMatchObject({ id: key.id, key: null });
      expect((await gql(api, key.key, '{ campaigns { edges { cursor } } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect((await fetch(`${api.url}/v1/me`, { headers: { authorization: `Bearer ${key.key}` } })).status).toBe(401);
    });

    it('cannot revoke a key of another tenant', async () => {
      const created = await gql(api, globex.apiKey, `mutation { createApiKey(name: "theirs", scopes: [ADMIN]) { id key } }`);
      const theirs = created.data!.createApiKey as { id: string; key: string };
      const attempt = await gql(api, acme.apiKey, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: theirs.id });
      expect(attempt.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect((await gql(api, theirs.key, '{ campaigns { edges { cursor } } }')).errors).toBeUndefined();
    });
  });

  describe('campaigns', () => {
    it('creates a DRAFT campaign with a derived slug and defaults', async () => {
      const res = await createCampaign(acme.apiKey);
      expect(res.errors).toBeUndefined();
      expect(res.data!.createCampaign).toMatchObject({
        status: 'DRAFT',
        slug: 'spring-referral',
        channels: ['email', 'sms', 'whatsapp', 'x', 'facebook', 'linkedin', 'copy'],
        advocateReward: { kind: 'FIXED', amount: 1000, percentBps: null, currency: 'USD' },
        friendIncentive: { kind: 'PERCENT', amount: null, percentBps: 1500, currency: 'USD' },
        attributionModel: 'LAST_CLICK',
        eligibility: { minNps: 9, withinDaysOfFirstUse: 30, requireExpectationMet: false },
      });
    });

    it('names each bad field', async () => {
      const res = await createCampaign(acme.apiKey, {
        ...validInput,
        name: 'Bad',
        destinationUrl: 'ftp://example.com',
        advocateReward: { kind: 'FIXED', amount: -5, currency: 'usd' },
        friendIncentive: { kind: 'PERCENT', percentBps: 10001, currency: 'EUR' },
        attributionWindowDays: 0,
        eligibility: { withinDaysOfFirstUse: 400 },
      });
      const error = res.errors?.[0];
      expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
      const fields = (error?.extensions?.fields ?? []).map((f) => f.field).sort();
      expect(fields).toEqual(
        [
          'advocateReward.amount',
          'advocateReward.currency',
          'attributionWindowDays',
          'destinationUrl',
          'eligibility.withinDaysOfFirstUse',
          'friendIncentive.percentBps',
        ].sort(),
      );
      expect(error?.message).toContain('destinationUrl');
    });

    it('moves DRAFT → ACTIVE ⇄ PAUSED → ENDED and refuses other moves with CONFLICT', async () => {
      const { data } = await createCampaign(acme.apiKey, { ...validInput, name: 'Lifecycle' });
      const id = (data!.createCampaign as { id: string }).id;
      const move = (status: string) =>
        gql(api, acme.apiKey, `mutation($id: ID!, $s: CampaignStatus!) { setCampaignStatus(id: $id, status: $s) { status } }`, {
          id,
          s: status,
        });
      expect((await move('PAUSED')).errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect((await move('ACTIVE')).data).toEqual({ setCampaignStatus: { status: 'ACTIVE' } });
      expect((await move('PAUSED')).data).toEqual({ setCampaignStatus: { status: 'PAUSED' } });
      expect((await move('ACTIVE')).data).toEqual({ setCampaignStatus: { status: 'ACTIVE' } });
      expect((await move('DRAFT')).errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect((await move('PAUSED')).data).toEqual({ setCampaignStatus: { status: 'PAUSED' } });
      expect((await move('ENDED')).data).toEqual({ setCampaignStatus: { status: 'ENDED' } });
      expect((await move('ACTIVE')).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    });

    it('updates a campaign and adds a custom channel', async () => {
      const { data } = await createCampaign(acme.apiKey, { ...validInput, name: 'Updatable' });
      const id = (data!.createCampaign as { id: string }).id;
      const res = await gql(
        api,
        acme.apiKey,
        `mutation($id: ID!, $input: UpdateCampaignInput!) { updateCampaign(id: $id, input: $input) { name holdDays channels customChannels { name shareUrlTemplate } } }`,
        {
          id,
          input: {
            name: 'Renamed',
            holdDays: 14,
            customChannels: [{ name: 'threads', shareUrlTemplate: 'https://threads.net/intent/post?text={text}' }],
          },
        },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.updateCampaign).toMatchObject({ name: 'Renamed', holdDays: 14 });
      expect((res.data!.updateCampaign as { channels: string[] }).channels).toContain('threads');
    });

    it('hides campaigns of other tenants: NOT_FOUND on read and update', async () => {
      const { data } = await createCampaign(acme.apiKey, { ...validInput, name: 'Private' });
      const id = (data!.createCampaign as { id: string }).id;
      const read = await gql(api, globex.apiKey, `query($id: ID!) { campaign(id: $id) { id name } }`, { id });
      expect(read.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const update = await gql(api, globex.apiKey, `mutation($id: ID!) { updateCampaign(id: $id, input: { name: "Mine" }) { id } }`, {
        id,
      });
      expect(update.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const status = await gql(api, globex.apiKey, `mutation($id: ID!) { setCampaignStatus(id: $id, status: ACTIVE) { id } }`, { id });
      expect(status.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const list = await gql(api, globex.apiKey, `{ campaigns(first: 100) { edges { node { id } } } }`);
      expect(JSON.stringify(list.data)).not.toContain(id);
      const mine = await gql(api, acme.apiKey, `query($id: ID!) { campaign(id: $id) { name } }`, { id });
      expect(mine.data).toEqual({ campaign: { name: 'Private' } });
    });

    it('paginates with cursors', async () => {
      const tenant = await createTenant(env, 'Pager');
      for (let i = 0; i < 5; i++) await createCampaign(tenant.apiKey, { ...validInput, name: `Page ${i}` });
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const res: Awaited<ReturnType<typeof gql>> = await gql(
          api,
          tenant.apiKey,
          `query($after: String) { campaigns(first: 2, after: $after) { edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }`,
          { after },
        );
        const conn = (res.data as Record<string, unknown>).campaigns as {
          edges: { node: { name: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
        seen.push(...conn.edges.map((e) => e.node.name));
        if (!conn.pageInfo.hasNextPage) break;
        after = conn.pageInfo.endCursor;
      }
      expect(seen).toEqual(['Page 4', 'Page 3', 'Page 2', 'Page 1', 'Page 0']);
    });
  });

  describe('GraphQL hygiene', () => {
    it('refuses an over-deep query before it runs', async () => {
      let selection = 'name';
      for (let i = 0; i < 20; i++) selection = `message { headline } edges { node { ${selection} } }`;
      const res = await gql(api, acme.apiKey, `{ campaigns { ${selection} } }`);
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.data).toBeUndefined();
    });

    it('refuses an over-costly query and too many aliases', async () => {
      const page = `campaigns(first: 100) { edges { node { id name slug channels message { headline body } eligibility { minNps } advocateReward { amount } } } }`;
      const costly = await gql(api, acme.apiKey, `{ a: ${page} b: ${page} c: ${page} d: ${page} e: ${page} }`);
      expect(costly.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'COST_LIMIT' });
      const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(' ');
      const wide = await gql(api, acme.apiKey, `{ ${aliases} }`);
      expect(wide.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'ALIAS_LIMIT' });
    });

    it('refuses array-batched requests', async () => {
      const res = await fetch(`${api.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${acme.apiKey}` },
        body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
      });
      expect(res.status).toBe(400);
    });

    it('gives every error a contract code and no stack trace', async () => {
      const res = await gql(api, acme.apiKey, `{ campaign(id: "not-a-uuid") { id } nope }`);
      for (const error of res.errors ?? []) {
        expect(['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'RATE_LIMITED', 'INTERNAL']).toContain(
          error.extensions?.code,
        );
        expect(JSON.stringify(error)).not.toMatch(/stacktrace|\.js:\d+/);
      }
    });

    it('keeps schema.graphql and the webhook events schema in step with the code', async () => {
      const out = join(tmpdir(), `schema-${process.pid}.graphql`);
      const webhooks = join(tmpdir(), `webhooks-${process.pid}.json`);
      const { code, stderr } = await cli(['schema', '--out', out, '--webhooks-out', webhooks], env);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(await readFile(out, 'utf8')).toBe(await readFile('schema.graphql', 'utf8'));
      expect(await readFile(webhooks, 'utf8')).toBe(await readFile('docs/webhook-events.schema.json', 'utf8'));
      await rm(out);
      await rm(webhooks);
    });
  });

  describe('operations', () => {
    it('answers healthz, readyz and metrics', async () => {
      expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${api.url}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${api.url}/metrics`)).text();
      expect(metrics).toContain('http_request_duration_seconds_bucket');
      expect(metrics).toMatch(/queue_jobs\{queue="campaigns",state="waiting"\}/);
    });

    it('is not ready when Redis is unreachable', async () => {
      const unready = await startApi(env, { REDIS_URL: 'redis://127.0.0.1:1' });
      try {
        expect((await fetch(`${unready.url}/healthz`)).status).toBe(200);
        const res = await fetch(`${unready.url}/readyz`);
        expect(res.status).toBe(503);
        expect(JSON.stringify(await res.json())).toContain('redis');
      } finally {
        await unready.kill();
      }
    });

    it('shuts down gracefully on SIGTERM', async () => {
      const extra = await startApi(env);
      await extra.stop();
      // Nest re-raises the signal once the app has closed; a forced exit would print and exit 1.
      expect(extra.child.signalCode ?? extra.child.exitCode).toBe('SIGTERM');
      expect(extra.output()).not.toContain('Shutdown took longer');
    });

    it('refuses to start on bad configuration, naming the variable', async () => {
      const { code, stderr } = await cli(['migrate'], { ...env, PORT: 'eighty', DATABASE_URL: 'mysql://nope' });
      expect(code).toBe(1);
      expect(stderr).toContain('PORT');
      expect(stderr).toContain('DATABASE_URL');
    });

    it('applies every migration to an empty database', async () => {
      const name = `tl_empty_${process.pid}_${Date.now()}`;
      const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      try {
        const { code, stdout } = await cli(['migrate'], { ...env, DATABASE_URL: databaseUrl(name) });
        expect(code).toBe(0);
        expect((JSON.parse(stdout) as { applied: string[] }).applied.length).toBeGreaterThan(0);
        const again = await cli(['migrate'], { ...env, DATABASE_URL: databaseUrl(name) });
        expect(JSON.parse(again.stdout)).toEqual({ applied: [] });
      } finally {
        await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
        await admin.end();
      }
    });
  });
});
