import { afterAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import Stripe from 'stripe';
import type pg from 'pg';
import { createHmac } from 'node:crypto';
import { createTenant, gql, pool, startApi, testEnv, TEST_SECRET_KEY, type RunningApi } from '../support/harness.js';
import { PROFILE, pick, recordFigures, seedOf } from './support/chaos.js';
import { campaignWithAdvocates } from './support/world.js';

const stripe = new Stripe('sk_test_unused');
const SECRET = 'whsec_chaos_forgery_0123456789';
const OTHER_SECRET = 'whsec_chaos_forgery_other_98765';

/**
 * Guarantee 4: nothing unsigned, mis-signed, stale or forged is applied. Every forged Stripe
 * delivery is a 400, every forged API key a 401 / UNAUTHENTICATED, every guessed or altered share
 * token a 404; afterwards not one row exists that a forgery could have written.
 */
describe('chaos: forgery', () => {
  const seed = seedOf('forgery');
  const numRuns = pick({ ci: 150, full: 600 });
  let api: RunningApi | undefined;
  let db: pg.Pool | undefined;

  afterAll(async () => {
    await api?.stop();
    await db?.end();
  });

  it(`rejects forged Stripe deliveries, API keys and share tokens, applying nothing (${numRuns} runs each)`, async () => {
    const env = testEnv();
    api = await startApi(env);
    db = pool(env);
    const victim = await createTenant(env, 'Chaos forgery');
    const other = await createTenant(env, 'Chaos forgery other');
    await gql(api, victim.apiKey, `mutation($s: String!) { setStripeWebhookSecret(secret: $s) }`, { s: SECRET });
    await gql(api, other.apiKey, `mutation($s: String!) { setStripeWebhookSecret(secret: $s) }`, { s: OTHER_SECRET });
    const { advocates } = await campaignWithAdvocates(env, victim.tenantId, 1);
    const code = advocates[0]!.code;
    const { rows: tokenRows } = await db.query<{ portal_token: string }>(`SELECT portal_token FROM advocates WHERE id = $1`, [
      advocates[0]!.id,
    ]);
    const portalToken = tokenRows[0]!.portal_token;
    const revoked = await gql(api, victim.apiKey, `mutation { createApiKey(name: "soon revoked", scopes: [ADMIN]) { id key } }`);
    await gql(api, victim.apiKey, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: revoked.data!.createApiKey.id });
    const revokedKey = revoked.data!.createApiKey.key as string;
    const expiring = await gql(
      api,
      victim.apiKey,
      `mutation($at: DateTime!) { createApiKey(name: "soon expired", scopes: [ADMIN], expiresAt: $at) { key } }`,
      {
        at: new Date(Date.now() + 1_500).toISOString(),
      },
    );
    const expiredKey = expiring.data!.createApiKey.key as string;
    const scoped = async (scope: string) =>
      (await gql(api!, victim.apiKey, `mutation { createApiKey(name: "${scope} only", scopes: [${scope}]) { key } }`)).data!.createApiKey
        .key as string;
    const readKey = await scoped('READ');
    const writeKey = await scoped('WRITE');

    let inputs = 0;
    const violations: string[] = [];
    const unexpected = (what: string, status: number, body: string) => violations.push(`${what}: ${status} ${body.slice(0, 200)}`);

    // A genuine body each run; then one way of forging it.
    const now = () => Math.floor(Date.now() / 1000);
    const body = (n: number, amount: number) =>
      JSON.stringify({
        id: `evt_forged_${n}`,
        object: 'event',
        type: 'checkout.session.completed',
        created: now(),
        data: {
          object: {
            object: 'checkout.session',
            id: `cs_forged_${n}`,
            client_reference_id: `forger-${n}`,
            payment_intent: `pi_forged_${n}`,
            amount_total: amount,
            currency: 'usd',
            metadata: { referralCode: code },
          },
        },
      });
    const header = (payload: string, timestamp = now(), secret = SECRET) =>
      stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
    const forgery = fc.oneof(
      fc.record({ kind: fc.constant('wrong-secret'), secret: fc.string({ minLength: 8, maxLength: 40 }).map((s) => `whsec_${s}`) }),
      fc.record({ kind: fc.constant('other-tenant-secret') }),
      // 30 s past the 5-minute window, so a slow machine's delay between signing and checking cannot
      // bring a forgery back inside it.
      fc.record({ kind: fc.constant('stale'), by: fc.integer({ min: 330, max: 10 * 365 * 86_400 }) }),
      fc.record({ kind: fc.constant('future'), by: fc.integer({ min: 330, max: 10 * 365 * 86_400 }) }),
      fc.record({ kind: fc.constant('reserialised'), indent: fc.constantFrom(0, 1, 2, '\t') }),
      fc.record({ kind: fc.constant('tampered'), at: fc.nat(), byte: fc.integer({ min: 32, max: 126 }) }),
      fc.record({ kind: fc.constant('amount-changed'), amount: fc.integer({ min: 1, max: 10_000_000 }) }),
      fc.record({ kind: fc.constant('garbage-header'), header: fc.string({ maxLength: 200 }) }),
      fc.record({ kind: fc.constant('no-v1'), junk: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 64 }) }),
      fc.record({ kind: fc.constant('missing-header') }),
      // A second t= beside a genuine, current signature: before or after it, far off or current.
      fc.record({
        kind: fc.constant('repeated-t'),
        by: fc.integer({ min: -10 * 365 * 86_400, max: 10 * 365 * 86_400 }),
        first: fc.boolean(),
      }),
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(forgery, fc.integer({ min: 100, max: 100_000 }), async (f, amount) => {
        const id = n++;
        const payload = body(id, amount);
        let sent = payload;
        let sig: string | undefined = header(payload);
        if (f.kind === 'wrong-secret') sig = header(payload, now(), f.secret === SECRET ? `${f.secret}x` : f.secret);
        if (f.kind === 'other-tenant-secret') sig = header(payload, now(), OTHER_SECRET);
        if (f.kind === 'stale') sig = header(payload, now() - f.by);
        if (f.kind === 'future') sig = header(payload, now() + f.by);
        if (f.kind === 'reserialised') sent = JSON.stringify(JSON.parse(payload), null, f.indent) + (f.indent === 0 ? ' ' : '');
        if (f.kind === 'tampered') {
          const i = f.at % payload.length;
          const c = String.fromCharCode(f.byte === payload.charCodeAt(i) ? ((f.byte - 31) % 95) + 32 : f.byte);
          sent = payload.slice(0, i) + c + payload.slice(i + 1);
        }
        if (f.kind === 'amount-changed')
          sent = payload.replace(`"amount_total":${amount}`, `"amount_total":${amount === f.amount ? f.amount + 1 : f.amount}`);
        if (f.kind === 'garbage-header') sig = f.header.replace(/[\r\n]/g, '');
        if (f.kind === 'no-v1') sig = `t=${now()},v0=${f.junk}`;
        if (f.kind === 'missing-header') sig = undefined;
        if (f.kind === 'repeated-t') sig = f.first ? `t=${now() + f.by},${sig}` : `${sig},t=${now() + f.by}`;
        const res = await fetch(`${api!.url}/webhooks/stripe/${victim.tenantId}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(sig !== undefined ? { 'stripe-signature': sig } : {}) },
          body: sent,
        });
        inputs++;
        const text = await res.text();
        if (res.status !== 400) unexpected(`stripe ${f.kind}`, res.status, text);
        return res.status === 400;
      }),
      { seed, numRuns, endOnFailure: true },
    );
    // A genuine delivery still works (the endpoint was not simply closed).
    const genuine = body(999_999, 1234);
    const ok = await fetch(`${api.url}/webhooks/stripe/${victim.tenantId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': header(genuine) },
      body: genuine,
    });
    expect(ok.status).toBe(200);
    inputs++;

    // Forged API keys: altered characters, revoked, another scheme, empty; REST and GraphQL.
    const keyForgery = fc.oneof(
      fc.tuple(fc.nat(), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-')).map(([i, c]) => {
        const k = victim.apiKey;
        const at = i % k.length;
        return k.slice(0, at) + (k[at] === c ? (c === 'A' ? 'B' : 'A') : c) + k.slice(at + 1);
      }),
      fc.constant(revokedKey),
      fc.constant(expiredKey),
      fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x21-\x7e]/g, '')),
      fc.constant(victim.apiKey.slice(0, -1)),
      fc.constant(`${victim.apiKey}x`),
    );
    const scheme = fc.constantFrom('bearer', 'x-api-key', 'basic');
    await new Promise((r) => setTimeout(r, 1_600)); // the expiring key has expired by now
    await fc.assert(
      fc.asyncProperty(keyForgery, scheme, fc.boolean(), async (key, how, graphql) => {
        const auth: Record<string, string> =
          how === 'bearer'
            ? { authorization: `Bearer ${key}` }
            : how === 'basic'
              ? { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` }
              : key
                ? { 'x-api-key': key }
                : {};
        const id = `forged-key-${inputs}`;
        const res = graphql
          ? await fetch(`${api!.url}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...auth },
              body: JSON.stringify({
                query: `mutation($i: EventInput!) { recordEvent(input: $i) { accepted } }`,
                variables: { i: { id, type: 'signup', customerId: 'forger' } },
              }),
            })
          : await fetch(`${api!.url}/v1/events`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...auth },
              body: JSON.stringify({ id, type: 'signup', customerId: 'forger' }),
            });
        inputs++;
        const text = await res.text();
        const refused = graphql ? JSON.parse(text).errors?.[0]?.extensions?.code === 'UNAUTHENTICATED' : res.status === 401;
        if (!refused) unexpected(`api key via ${how}${graphql ? ' (GraphQL)' : ''}`, res.status, text);
        return refused;
      }),
      { seed, numRuns, endOnFailure: true },
    );

    // Guessed and altered share-page tokens: 404, no share recorded.
    const tokenForgery = fc.oneof(
      fc.tuple(fc.nat(), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-')).map(([i, c]) => {
        const at = i % portalToken.length;
        return portalToken.slice(0, at) + (portalToken[at] === c ? (c === 'A' ? 'B' : 'A') : c) + portalToken.slice(at + 1);
      }),
      fc.base64String({ minLength: 1, maxLength: 40 }).map((s) => s.replace(/[+/=]/g, 'a')),
    );
    await fc.assert(
      fc.asyncProperty(tokenForgery, async (token) => {
        const res = await fetch(`${api!.url}/a/${encodeURIComponent(token)}/share`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"channel":"email"}',
        });
        inputs++;
        const text = await res.text();
        if (res.status !== 404) unexpected('share token', res.status, text);
        return res.status === 404;
      }),
      { seed, numRuns, endOnFailure: true },
    );

    // Keys used beyond their scopes: FORBIDDEN (403 on REST), and nothing applied.
    const outOfScope = fc.oneof(
      fc.record({
        key: fc.constant(readKey),
        call: fc.constantFrom('rest-event', 'graphql-event', 'segment', 'create-key', 'set-secret', 'create-endpoint', 'create-campaign'),
      }),
      fc.record({
        key: fc.constant(writeKey),
        call: fc.constantFrom('query', 'stats', 'create-key', 'set-secret', 'create-endpoint', 'create-campaign', 'audit-log'),
      }),
    );
    const mutations: Record<string, string> = {
      'graphql-event': `mutation { recordEvent(input: {id: "forged-scope-NN", type: "signup", customerId: "forger-scope"}) { accepted } }`,
      'create-key': `mutation { createApiKey(name: "forged-scope", scopes: [ADMIN]) { key } }`,
      'set-secret': `mutation { setStripeWebhookSecret(secret: "whsec_forged_scope_0123456789") }`,
      'create-endpoint': `mutation { createWebhookEndpoint(url: "https://93.184.216.34/forged", events: ["*"]) { id } }`,
      'create-campaign': `mutation { createCampaign(input: {name: "forged scope", destinationUrl: "https://shop.example.com", message: {headline: "h", body: "b"}, advocateReward: {kind: FIXED, amount: 1, currency: "USD"}}) { id } }`,
      query: `{ campaigns { edges { cursor } } }`,
      stats: `{ apiKeys { edges { cursor } } }`,
      'audit-log': `{ auditLog { edges { cursor } } }`,
    };
    await fc.assert(
      fc.asyncProperty(outOfScope, async ({ key, call }) => {
        const n = inputs;
        const res =
          call === 'rest-event'
            ? await fetch(`${api!.url}/v1/events`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
                body: JSON.stringify({ id: `forged-scope-${n}`, type: 'signup', customerId: 'forger-scope' }),
              })
            : call === 'segment'
              ? await fetch(`${api!.url}/v1/track`, {
                  method: 'POST',
                  headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
                  body: JSON.stringify({ type: 'track', event: 'Signed Up', userId: 'forger-scope', messageId: `forged-scope-${n}` }),
                })
              : await fetch(`${api!.url}/graphql`, {
                  method: 'POST',
                  headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
                  body: JSON.stringify({ query: mutations[call]!.replace('NN', String(n)) }),
                });
        inputs++;
        const text = await res.text();
        const refused =
          call === 'rest-event' || call === 'segment' ? res.status === 403 : JSON.parse(text).errors?.[0]?.extensions?.code === 'FORBIDDEN';
        if (!refused) unexpected(`out of scope: ${call}`, res.status, text);
        return refused;
      }),
      { seed, numRuns, endOnFailure: true },
    );

    // Forged X-Forwarded-For (TRUST_PROXY unset): the address recorded is the connection's, whatever the header says.
    const ipHash = (ip: string) =>
      createHmac('sha256', createHmac('sha256', TEST_SECRET_KEY).update('truthloop:click-ip-hash:v1').digest()).update(ip).digest('hex');
    const address = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('127.0.0.2', '::1', 'unknown', '', '10.0.0.1, 8.8.8.8'));
    const forwarded = fc.array(address, { minLength: 1, maxLength: 5 }).map((list) => list.join(', '));
    await fc.assert(
      fc.asyncProperty(forwarded, async (header) => {
        const res = await fetch(`${api!.url}/a/${portalToken}`, {
          headers: {
            'x-forwarded-for': header,
            'x-real-ip': header.split(',')[0]!,
            'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0',
          },
        });
        inputs++;
        const visitor = /tl_vid=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
        const { rows } = await db!.query<{ ip_hash: string }>(`SELECT ip_hash FROM portal_visits WHERE visitor_id = $1`, [visitor]);
        const believed = rows[0]?.ip_hash === ipHash('127.0.0.1');
        if (!believed) unexpected(`x-forwarded-for ${header}`, res.status, `recorded ${rows[0]?.ip_hash}`);
        return believed;
      }),
      { seed, numRuns, endOnFailure: true },
    );

    // Nothing a forgery carried exists.
    const { rows } = await db.query<{ events: number; shares: number; customers: number }>(
      `SELECT (SELECT count(*)::int FROM events WHERE event_id LIKE 'evt_forged_%' AND event_id <> 'evt_forged_999999' OR event_id LIKE 'forged-key-%' OR event_id LIKE 'forged-scope-%') AS events,
              (SELECT count(*)::int FROM shares WHERE tenant_id = $1) AS shares,
              (SELECT count(*)::int FROM customers WHERE tenant_id = $1 AND external_id LIKE 'forger%' AND external_id <> 'forger-999999') AS customers`,
      [victim.tenantId],
    );
    if (rows[0]!.events) violations.push(`${rows[0]!.events} forged events stored`);
    if (rows[0]!.shares) violations.push(`${rows[0]!.shares} shares recorded by forged tokens`);
    if (rows[0]!.customers) violations.push(`${rows[0]!.customers} customers created by forgeries`);
    const { rows: changes } = await db.query<{ keys: number; campaigns: number; endpoints: number }>(
      `SELECT (SELECT count(*)::int FROM api_keys WHERE tenant_id = $1 AND name = 'forged-scope') AS keys,
              (SELECT count(*)::int FROM campaigns WHERE tenant_id = $1 AND name = 'forged scope') AS campaigns,
              (SELECT count(*)::int FROM webhook_endpoints WHERE tenant_id = $1) AS endpoints`,
      [victim.tenantId],
    );
    if (changes[0]!.keys || changes[0]!.campaigns || changes[0]!.endpoints)
      violations.push(`out-of-scope changes applied: ${JSON.stringify(changes[0])}`);

    recordFigures({
      scenario: 'forgery',
      seed,
      profile: PROFILE,
      runs: 5 * numRuns,
      faults: inputs - 1,
      inputs,
      violations: violations.length,
      details: {
        stripeForgeries: numRuns,
        apiKeyForgeries: numRuns,
        shareTokenForgeries: numRuns,
        outOfScopeCalls: numRuns,
        forgedForwardedFor: numRuns,
      },
    });
    expect(violations).toEqual([]);
  }, 600_000);
});
