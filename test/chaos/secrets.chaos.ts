import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type pg from 'pg';
import {
  createTenant,
  eventually,
  gql,
  pool,
  startApi,
  startWorker,
  testEnv,
  type RunningApi,
  type RunningProcess,
} from '../support/harness.js';
import { PROFILE, recordFigures, seedOf } from './support/chaos.js';
import { campaignWithAdvocates } from './support/world.js';

const exec = promisify(execFile);
const STRIPE_SECRET = 'whsec_chaos_secrets_must_not_leak_0123';
const IPS = ['203.0.113.77', '198.51.100.23', '2001:db8::7:77'];

/**
 * Guarantee 7: a dump of the database shows no API key, no Stripe signing secret and no visitor's
 * IP address in plaintext (keys are stored as hashes, secrets sealed with AES-GCM, IPs as keyed hashes).
 */
describe('chaos: secrets at rest', () => {
  const seed = seedOf('secrets');
  let api: RunningApi | undefined;
  let worker: RunningProcess | undefined;
  let db: pg.Pool | undefined;

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await db?.end();
  });

  it('keeps API keys, Stripe secrets and IP addresses out of a pg_dump', async () => {
    // The test plays the proxy in front of the API: its X-Forwarded-For carries the client addresses.
    const env = testEnv({ WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true', TRUST_PROXY: 'loopback' });
    [api, worker] = (await Promise.all([startApi(env), startWorker(env)])) as [RunningApi, RunningProcess];
    db = pool(env);
    const tenant = await createTenant(env, 'Chaos secrets');
    const keys = [tenant.apiKey];
    for (let i = 0; i < 3; i++)
      keys.push(
        (await gql(api, tenant.apiKey, `mutation { createApiKey(name: "k${i}", scopes: [ADMIN]) { key } }`)).data!.createApiKey
          .key as string,
      );
    expect(
      (await gql(api, tenant.apiKey, `mutation($s: String!) { setStripeWebhookSecret(secret: $s) }`, { s: STRIPE_SECRET })).data,
    ).toEqual({
      setStripeWebhookSecret: true,
    });
    // A webhook endpoint: its signing secret is shown once and stored sealed.
    const endpoint = await gql(
      api,
      tenant.apiKey,
      `mutation { createWebhookEndpoint(url: "http://127.0.0.1:9/truthloop", events: ["*"]) { secret } }`,
    );
    const webhookSecret = endpoint.data?.createWebhookEndpoint?.secret as string | undefined;
    const { advocates } = await campaignWithAdvocates(env, tenant.tenantId, 1);
    // Clicks from known addresses, through a proxy as in production (X-Forwarded-For).
    for (const ip of IPS) {
      const res = await fetch(`${api.url}/r/${advocates[0]!.code}`, {
        redirect: 'manual',
        headers: { 'x-forwarded-for': ip, 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0' },
      });
      expect(res.status).toBe(302);
    }
    await eventually(async () => {
      const { rows } = await db!.query<{ n: number }>(`SELECT count(*)::int AS n FROM clicks WHERE tenant_id = $1`, [tenant.tenantId]);
      return rows[0]!.n >= IPS.length;
    });

    const url = new URL(env.DATABASE_URL);
    const { stdout: dump } = await exec(
      'pg_dump',
      [
        '-h',
        url.hostname,
        '-p',
        url.port || '5432',
        '-U',
        decodeURIComponent(url.username || 'postgres'),
        '--no-owner',
        url.pathname.slice(1),
      ],
      { maxBuffer: 1024 * 1024 * 1024, env: { PATH: process.env.PATH ?? '', PGPASSWORD: decodeURIComponent(url.password) } },
    );
    // The dump is real: it holds the tenant, its clicks and its webhook endpoint.
    expect(dump).toContain('Chaos secrets');
    expect(dump).toContain('127.0.0.1:9/truthloop');
    expect(webhookSecret).toMatch(/^whsec_/);
    const found: string[] = [];
    const needles = [
      ...keys.map((k) => ({ what: 'API key', value: k })),
      { what: 'Stripe secret', value: STRIPE_SECRET },
      ...(webhookSecret ? [{ what: 'webhook secret', value: webhookSecret }] : []),
      ...IPS.map((ip) => ({ what: 'IP', value: ip })),
    ];
    // Also the secret parts of keys on their own (a prefix may be stored on purpose, the rest never).
    for (const k of keys) needles.push({ what: 'API key body', value: k.slice(-20) });
    for (const n of needles) if (dump.includes(n.value)) found.push(`${n.what} ${n.value.slice(0, 8)}… in the dump`);

    recordFigures({
      scenario: 'secrets',
      seed,
      profile: PROFILE,
      runs: 1,
      faults: 0,
      inputs: needles.length,
      violations: found.length,
      details: { dumpBytes: dump.length, apiKeys: keys.length, stripeSecrets: 1, webhookSecrets: webhookSecret ? 1 : 0, ips: IPS.length },
    });
    expect(found).toEqual([]);
  }, 300_000);
});
