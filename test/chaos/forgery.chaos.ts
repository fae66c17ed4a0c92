import { afterAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import Stripe from 'stripe';
import type pg from 'pg';
import { createTenant, gql, pool, startApi, testEnv, type RunningApi } from '../support/harness.js';
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
    const { advocates } = await campaignWithAdvocates(db, victim.tenantId, 1);
    const code = advocates[0]!.code;
    const { rows: tokenRows } = await db.query<{ portal_token: string }>(`SELECT portal_token FROM advocates WHERE id = $1`, [
      advocates[0]!.id,
    ]);
    const portalToken = tokenRows[0]!.portal_token;
    const revoked = await gql(api, victim.apiKey, `mutation { createApiKey(name: "soon revoked", scopes: [ADMIN]) { id key } }`);
    await gql(api, victim.apiKey, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: revoked.data!.createApiKey.id });
    const revokedKey = revoked.data!.createApiKey.key as string;

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
      fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x21-\x7e]/g, '')),
      fc.constant(victim.apiKey.slice(0, -1)),
      fc.constant(`${victim.apiKey}x`),
    );
    const scheme = fc.constantFrom('bearer', 'x-api-key', 'basic');
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

    // Nothing a forgery carried exists.
    const { rows } = await db.query<{ events: number; shares: number; customers: number }>(
      `SELECT (SELECT count(*)::int FROM events WHERE event_id LIKE 'evt_forged_%' AND event_id <> 'evt_forged_999999' OR event_id LIKE 'forged-key-%') AS events,
              (SELECT count(*)::int FROM shares WHERE tenant_id = $1) AS shares,
              (SELECT count(*)::int FROM customers WHERE tenant_id = $1 AND external_id LIKE 'forger%' AND external_id <> 'forger-999999') AS customers`,
      [victim.tenantId],
    );
    if (rows[0]!.events) violations.push(`${rows[0]!.events} forged events stored`);
    if (rows[0]!.shares) violations.push(`${rows[0]!.shares} shares recorded by forged tokens`);
    if (rows[0]!.customers) violations.push(`${rows[0]!.customers} customers created by forgeries`);

    recordFigures({
      scenario: 'forgery',
      seed,
      profile: PROFILE,
      runs: 3 * numRuns,
      faults: inputs - 1,
      inputs,
      violations: violations.length,
      details: { stripeForgeries: numRuns, apiKeyForgeries: numRuns, shareTokenForgeries: numRuns },
    });
    expect(violations).toEqual([]);
  }, 600_000);
});
