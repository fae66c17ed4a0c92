import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import type pg from 'pg';
import { Redis } from 'ioredis';
import { createTenant, gql, pool, postJson, startApi, testEnv, type RunningApi, type TestEnv } from './support/harness.js';
import { seedAdvocate, seedCampaign } from './support/seed.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('rate limits and metrics access', () => {
  let env: TestEnv;
  let a: RunningApi;
  let b: RunningApi;
  let db: pg.Pool;
  let tenant: { tenantId: string; apiKey: string };
  let code: string;
  let portalToken: string;

  beforeAll(async () => {
    env = testEnv({ RATE_LIMIT_API: '10', RATE_LIMIT_PUBLIC: '6', RATE_LIMIT_REDIRECT: '5', RATE_LIMIT_WINDOW_MS: '120000' });
    // Two API processes against one Redis: what one counts, the other sees.
    [a, b] = await Promise.all([startApi(env), startApi(env)]);
    db = pool(env);
    tenant = await createTenant(env, 'Limits');
    const campaignId = await seedCampaign(env, tenant.tenantId);
    ({ code, portalToken } = await seedAdvocate(env, tenant.tenantId, campaignId));
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.end();
  });

  it('limits each API key across GraphQL and REST, shared by two API processes, with 429 RATE_LIMITED and the limit in headers', async () => {
    const statuses: number[] = [];
    const refusals: Response[] = [];
    for (let i = 0; i < 14; i++) {
      const api = i % 2 === 0 ? a : b;
      const res =
        i % 3 === 0
          ? await postJson(api, '/v1/events', tenant.apiKey, { id: `limit-${i}`, type: 'signup', customerId: 'c' })
          : await fetch(`${api.url}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.apiKey}` },
              body: JSON.stringify({ query: '{ campaigns { edges { cursor } } }' }),
            });
      statuses.push(res.status);
      if (res.status === 429) refusals.push(res);
      else expect(res.headers.get('x-ratelimit-limit')).toBe('10');
    }
    expect(statuses.filter((s) => s !== 429)).toHaveLength(10);
    expect(statuses.slice(10)).toEqual([429, 429, 429, 429]);
    for (const res of refusals) {
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.headers.get('x-ratelimit-limit')).toBe('10');
      expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    }
    const rest = (await refusals.find((r) => r.url.endsWith('/v1/events'))!.json()) as { error: { code: string; message: string } };
    expect(rest.error).toEqual({ code: 'RATE_LIMITED', message: expect.stringMatching(/at most 10 per 120 s/) });
    const graphql = (await refusals.find((r) => r.url.endsWith('/graphql'))!.json()) as { errors: { extensions: { code: string } }[] };
    expect(graphql.errors[0]!.extensions.code).toBe('RATE_LIMITED');

    // Another key of the same tenant has a budget of its own.
    const other = (await gql(a, undefined, '{ __typename }')).status; // no key: counted per address
    expect(other).toBe(200);
    const second = await fetch(`${b.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${(await createTenant(env, 'Limits 2')).apiKey}` },
      body: JSON.stringify({ query: '{ campaigns { edges { cursor } } }' }),
    });
    expect(second.status).toBe(200);
    // The limiter's Redis keys show no API key.
    const redis = new Redis(env.REDIS_URL);
    const keys = await redis.keys(`${env.REDIS_PREFIX}:rate:*`);
    redis.disconnect();
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join()).not.toContain(tenant.apiKey);
  });

  it('limits the public pages per client address across processes', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await fetch(`${(i % 2 ? a : b).url}/a/${portalToken}`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
    const share = await fetch(`${a.url}/a/${portalToken}/share`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"channel":"email"}',
    });
    expect(share.status).toBe(429);
    expect(await share.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
    // Health and the redirect are not counted there.
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${a.url}/r/${code}`, { redirect: 'manual' })).status).toBe(302);
  });

  it('limits the redirect in process, without Redis: each process counts its own clicks', async () => {
    const clicks = async (api: RunningApi, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await fetch(`${api.url}/r/${code}`, { redirect: 'manual' })).status);
      return out;
    };
    const onA = await clicks(a, 6); // one click on A was made by the test above
    expect(onA).toEqual([302, 302, 302, 302, 429, 429]);
    const refused = await fetch(`${a.url}/r/${code}`, { redirect: 'manual' });
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('5');
    expect(await clicks(b, 1)).toEqual([302]);
  });

  it('protects /metrics with METRICS_TOKEN, or serves it on METRICS_PORT alone', async () => {
    const token = 'metrics-token-0123456789';
    const port = await freePort();
    const guarded = await startApi(env, { METRICS_TOKEN: token });
    const apart = await startApi(env, { METRICS_PORT: String(port), METRICS_TOKEN: token });
    try {
      const open = await fetch(`${guarded.url}/metrics`);
      expect(open.status).toBe(401);
      expect(((await open.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
      expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      const ok = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('http_request_duration_seconds');

      expect((await fetch(`${apart.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
      const scraped = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('process_cpu_seconds_total');
    } finally {
      await Promise.all([guarded.stop(), apart.stop()]);
    }
  });
});
