import { afterAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type pg from 'pg';
import { createTenant, gql, pool, startApi, testEnv, type RunningApi } from '../support/harness.js';
import { PROFILE, pick, recordFigures, seedOf } from './support/chaos.js';
import { campaignWithAdvocates } from './support/world.js';

const CODES = ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'RATE_LIMITED', 'INTERNAL'];
/** A stack trace or a source path in a reply is a leak. */
const LEAK = /\n\s+at |\.(ts|js):\d+|node_modules|webpack:|\/dist\//;

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface InputValue {
  name: string;
  type: TypeRef;
}
interface FullType {
  kind: string;
  name: string;
  fields: { name: string; args: InputValue[]; type: TypeRef }[] | null;
  inputFields: InputValue[] | null;
  enumValues: { name: string }[] | null;
}

const INTROSPECTION = `{ __schema { mutationType { name } queryType { name } types { kind name
  fields { name args { name type { ...T } } type { ...T } } inputFields { name type { ...T } } enumValues { name } } } }
  fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }`;

const typeString = (t: TypeRef): string =>
  t.kind === 'NON_NULL' ? `${typeString(t.ofType!)}!` : t.kind === 'LIST' ? `[${typeString(t.ofType!)}]` : t.name!;
const named = (t: TypeRef): TypeRef => (t.ofType ? named(t.ofType) : t);

/**
 * Guarantee 5: the API refuses abusive documents before running them, and no input, however
 * malformed, gets a 500, a stack trace or an error without a code of the contract's set.
 */
describe('chaos: abuse of the API', () => {
  const seed = seedOf('abuse');
  const numRuns = pick({ ci: 40, full: 200 });
  let api: RunningApi | undefined;
  let db: pg.Pool | undefined;

  afterAll(async () => {
    await api?.stop();
    await db?.end();
  });

  it('refuses deep, alias-heavy, batched and over-cost documents before execution, with typed codes', async () => {
    const env = testEnv();
    api = await startApi(env);
    db = pool(env);
    const { tenantId, apiKey } = await createTenant(env, 'Chaos abuse');
    const { campaignId } = await campaignWithAdvocates(env, tenantId, 2);
    const violations: string[] = [];
    const refusedBeforeRun = async (what: string, body: unknown, reason?: string) => {
      const res = await fetch(`${api!.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      const json = JSON.parse(text) as { data?: unknown; errors?: { extensions?: { code?: string; reason?: string } }[] };
      const error = json.errors?.[0];
      // No data at all: nothing was executed.
      if (json.data !== undefined && json.data !== null) violations.push(`${what}: executed (${text.slice(0, 200)})`);
      if (error?.extensions?.code !== 'BAD_USER_INPUT') violations.push(`${what}: code ${error?.extensions?.code} (${text.slice(0, 200)})`);
      if (reason && error?.extensions?.reason !== reason)
        violations.push(`${what}: reason ${error?.extensions?.reason}, expected ${reason} (${text.slice(0, 300)})`);
      if (LEAK.test(text)) violations.push(`${what}: leaks internals`);
      if (res.status !== 400) violations.push(`${what}: HTTP ${res.status}, expected 400`);
    };
    // 20 levels: customer → advocate → customer → …
    let deep = 'id';
    for (let i = 0; i < 10; i++) deep = `customer { advocate(campaignId: "${campaignId}") { ${deep} } }`;
    await refusedBeforeRun('20 levels deep', { query: `{ advocate(id: "${campaignId}") { ${deep} } }` });
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: campaigns(first: 1) { edges { cursor } }`).join(' ');
    await refusedBeforeRun('1,000 aliases', { query: `{ ${aliases} }` }, 'ALIAS_LIMIT');
    await refusedBeforeRun('array-batched request', [
      { query: '{ campaigns { edges { cursor } } }' },
      { query: '{ campaigns { edges { cursor } } }' },
    ]);
    await refusedBeforeRun(
      'over-cost list',
      {
        query: `{ advocates(campaignId: "${campaignId}", first: 100000) { edges { node { id code balance { pending } links { url } } } } }`,
      },
      'COST_LIMIT',
    );
    recordFigures({ scenario: 'abuse-limits', seed, profile: PROFILE, runs: 4, faults: 4, inputs: 4, violations: violations.length });
    expect(violations).toEqual([]);
  });

  it(`refuses deep JSON, forged cursors, over-long headers and private addresses in every form (${numRuns} runs each)`, async () => {
    const env = testEnv();
    const { apiKey, tenantId } = await createTenant(env, 'Chaos abuse inputs');
    const { campaignId } = await campaignWithAdvocates(env, tenantId, 1);
    await gql(api!, apiKey, `mutation($s: String!) { setStripeWebhookSecret(secret: $s) }`, { s: 'whsec_chaos_inputs_0123456789' });
    const { rows } = await db!.query<{ portal_token: string }>(`SELECT portal_token FROM advocates WHERE tenant_id = $1 LIMIT 1`, [
      tenantId,
    ]);
    const found: string[] = [];
    let inputs = 0;
    const expect400 = async (what: string, res: Response, graphql: boolean) => {
      inputs++;
      const text = await res.text();
      let code: string | undefined;
      try {
        const json = JSON.parse(text) as { error?: { code?: string }; errors?: { extensions?: { code?: string } }[] };
        code = graphql ? json.errors?.[0]?.extensions?.code : json.error?.code;
      } catch {
        // not JSON: a violation below
      }
      if (res.status !== 400 || code !== 'BAD_USER_INPUT' || LEAK.test(text)) {
        if (found.length < 20) found.push(`${what}: ${res.status} ${text.slice(0, 200)}`);
        return false;
      }
      return true;
    };

    // JSON nested past 32 levels, as arrays or objects, at the top or inside a field, on every JSON endpoint.
    const deep = fc
      .record({ levels: fc.integer({ min: 33, max: 60_000 }), array: fc.boolean(), inside: fc.boolean() })
      .map(({ levels, array, inside }) => {
        const nest = array ? '['.repeat(levels) + ']'.repeat(levels) : '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
        return inside ? `{"id":"deep","type":"signup","customerId":"c","properties":${nest},"variables":${nest}}` : nest;
      });
    const targets: { path: string; headers: Record<string, string>; graphql: boolean }[] = [
      { path: '/v1/events', headers: { authorization: `Bearer ${apiKey}` }, graphql: false },
      { path: '/graphql', headers: { authorization: `Bearer ${apiKey}` }, graphql: true },
      { path: `/a/${rows[0]!.portal_token}/share`, headers: {}, graphql: false },
      {
        path: `/webhooks/stripe/${tenantId}`,
        headers: { 'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'ab'.repeat(32)}` },
        graphql: false,
      },
    ];
    await fc.assert(
      fc.asyncProperty(deep, fc.constantFrom(...targets), async (body, t) => {
        const res = await fetch(`${api!.url}${t.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...t.headers },
          body,
        });
        return expect400(`deep JSON to ${t.path}`, res, t.graphql);
      }),
      { seed, numRuns },
    );

    // Forged cursors on every paginated list: never INTERNAL, never PostgreSQL's message.
    const part = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.integer(),
      fc.double(),
      fc.uuid(),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constant('99999-12-31T00:00:00.000Z'),
      fc.constant('9'.repeat(30)),
    );
    const forged = fc.oneof(
      fc.array(part, { maxLength: 4 }).map((p) => Buffer.from(JSON.stringify(p)).toString('base64url')),
      fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
      fc.string({ maxLength: 300 }),
    );
    const lists = [
      `query($a: String) { campaigns(after: $a) { edges { cursor } } }`,
      `query($a: String) { advocates(campaignId: "${campaignId}", after: $a) { edges { cursor } } }`,
      `query($a: String) { referrals(campaignId: "${campaignId}", after: $a) { edges { cursor } } }`,
      `query($a: String) { apiKeys(after: $a) { edges { cursor } } }`,
      `query($a: String) { auditLog(after: $a) { edges { cursor } } }`,
      `query($a: String) { rewards(advocateId: "00000000-0000-4000-8000-000000000000", after: $a) { edges { cursor } } }`,
    ];
    await fc.assert(
      fc.asyncProperty(forged, fc.constantFrom(...lists), async (after, query) => {
        const res = await gql(api!, apiKey, query, { a: after });
        inputs++;
        const code = res.errors?.[0]?.extensions?.code;
        const ok = res.errors === undefined || code === 'BAD_USER_INPUT' || code === 'NOT_FOUND';
        const leak = /invalid input syntax|timestamp with time zone|out of range for type|bigint/i.test(res.errors?.[0]?.message ?? '');
        if ((!ok || leak) && found.length < 20)
          found.push(`cursor ${after.slice(0, 60)} on ${query.slice(20, 40)}: ${JSON.stringify(res.errors)}`);
        return ok && !leak;
      }),
      { seed, numRuns },
    );

    // Webhook endpoints on private addresses, in every IPv4 and IPv6 form: refused, nothing created.
    const privateV4 = fc.oneof(
      fc.tuple(fc.constant(127), fc.nat(255), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(10), fc.nat(255), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(169), fc.constant(254), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(192), fc.constant(168), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(100), fc.integer({ min: 64, max: 127 }), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(0), fc.nat(255), fc.nat(255), fc.nat(255)),
    );
    const hex = (a: number, b: number) => ((a << 8) | b).toString(16);
    const forms = fc
      .tuple(
        privateV4,
        fc.integer({ min: 0, max: 11 }),
        fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 4 }),
      )
      .map(([[a, b, c, d], form, x]) => {
        const v4 = `${a}.${b}.${c}.${d}`;
        const pair = `${hex(a, b)}:${hex(c, d)}`;
        return [
          `[::ffff:${v4}]`,
          `[::ffff:${pair}]`,
          `[::${pair}]`,
          `[::${v4}]`,
          `[2002:${pair}::${x}]`,
          `[64:ff9b::${pair}]`,
          `[64:ff9b:1::${pair}]`,
          `[::ffff:0:${pair}]`,
          `[fd${x.padStart(2, '0').slice(0, 2)}::${x}]`,
          `[fe80::${x}]`,
          String((((a << 24) >>> 0) + (b << 16) + (c << 8) + d) >>> 0),
          `0x${((((a << 24) >>> 0) + (b << 16) + (c << 8) + d) >>> 0).toString(16)}`,
        ][form]!;
      });
    await fc.assert(
      fc.asyncProperty(forms, async (host) => {
        const res = await gql(api!, apiKey, `mutation($u: String!) { createWebhookEndpoint(url: $u, events: ["*"]) { id } }`, {
          u: `http://${host}:8080/hook`,
        });
        inputs++;
        const refused = res.errors?.[0]?.extensions?.code === 'BAD_USER_INPUT';
        if (!refused && found.length < 20) found.push(`webhook host ${host}: ${JSON.stringify(res.data ?? res.errors)}`);
        return refused;
      }),
      { seed, numRuns },
    );
    const { rows: endpoints } = await db!.query(`SELECT url FROM webhook_endpoints WHERE tenant_id = $1`, [tenantId]);
    if (endpoints.length) found.push(`${endpoints.length} endpoints created on private addresses`);

    // Headers past the limit (431), and long ones within it (never a 5xx).
    const huge = await fetch(`${api!.url}/v1/events`, { method: 'POST', headers: { 'x-api-key': 'k'.repeat(40_000) }, body: '{}' });
    inputs++;
    if (huge.status !== 431) found.push(`40 KB header: ${huge.status}`);
    for (const path of ['/v1/events', '/graphql', `/webhooks/stripe/${tenantId}`, `/a/${rows[0]!.portal_token}/share`]) {
      const res = await fetch(`${api!.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${'b'.repeat(12_000)}`,
          'stripe-signature': 'v1=ab,'.repeat(500),
        },
        body: '{}',
      });
      inputs++;
      if (res.status >= 500) found.push(`long headers to ${path}: ${res.status}`);
    }

    recordFigures({
      scenario: 'abuse-inputs',
      seed,
      profile: PROFILE,
      runs: 3 * numRuns,
      faults: 0,
      inputs,
      violations: found.length,
      details: { deepJson: numRuns, forgedCursors: numRuns, privateAddressForms: numRuns },
    });
    expect(found).toEqual([]);
  }, 600_000);

  it(`answers thousands of malformed inputs to every mutation and REST endpoint with typed errors only (${numRuns} runs per target)`, async () => {
    const env = testEnv();
    const { apiKey, tenantId } = await createTenant(env, 'Chaos fuzz');
    await gql(api!, apiKey, `mutation($s: String!) { setStripeWebhookSecret(secret: $s) }`, { s: 'whsec_chaos_fuzz_0123456789' });
    const { rows } = await db!.query<{ portal_token: string }>(
      `SELECT a.portal_token FROM advocates a WHERE a.campaign_id = (SELECT id FROM campaigns WHERE tenant_id = (SELECT id FROM tenants WHERE name = 'Chaos abuse' ORDER BY created_at DESC LIMIT 1) LIMIT 1) LIMIT 1`,
    );
    const portalToken = rows[0]?.portal_token ?? 'x';

    const schema = (await gql(api!, apiKey, INTROSPECTION)).data!.__schema as {
      mutationType: { name: string };
      queryType: { name: string };
      types: FullType[];
    };
    const types = new Map(schema.types.map((t) => [t.name, t]));
    const rootFields = (name: string) => types.get(name)!.fields!;

    // Values for a GraphQL input type: mostly near-valid, often wrong in type, size or content.
    const nasty = fc.oneof(
      fc.constantFrom(
        '',
        ' ',
        'null',
        '0',
        '-1',
        'NaN',
        '1e309',
        '00000000-0000-0000-0000-000000000000',
        'ACTIVE',
        '\u0000',
        '𝕏'.repeat(3),
        '../../etc/passwd',
        "' OR 1=1 --",
        '<script>',
        'a'.repeat(10_001),
      ),
      fc.string({ maxLength: 300 }),
      fc.integer(),
      fc.constantFrom(2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 1.5, -0),
      fc.boolean(),
      fc.constant(null),
      fc.uuid(),
      fc.jsonValue({ maxDepth: 3 }),
    );
    const valueOf = (t: TypeRef, depth = 0): fc.Arbitrary<unknown> => {
      if (t.kind === 'NON_NULL') return fc.oneof({ weight: 5, arbitrary: valueOf(t.ofType!, depth) }, { weight: 1, arbitrary: nasty });
      if (t.kind === 'LIST') return fc.oneof(fc.array(valueOf(t.ofType!, depth + 1), { maxLength: 4 }), nasty);
      const full = types.get(t.name!)!;
      if (full.kind === 'ENUM') return fc.oneof(fc.constantFrom(...full.enumValues!.map((v) => v.name)), nasty);
      if (full.kind === 'INPUT_OBJECT') {
        if (depth > 3) return nasty;
        const fields = Object.fromEntries(full.inputFields!.map((f) => [f.name, valueOf(f.type, depth + 1)]));
        return fc.oneof({ weight: 4, arbitrary: fc.record(fields, { requiredKeys: [] }) }, { weight: 1, arbitrary: nasty });
      }
      if (t.name === 'Int') return fc.oneof(fc.integer({ min: -1000, max: 100_000 }), nasty);
      if (t.name === 'Boolean') return fc.oneof(fc.boolean(), nasty);
      if (t.name === 'ID') return fc.oneof(fc.uuid(), nasty);
      return nasty;
    };
    const selection = (t: TypeRef): string => {
      const n = types.get(named(t).name!)!;
      return n.kind === 'OBJECT' ? '{ __typename }' : '';
    };

    let inputs = 0;
    const byStatus: Record<string, number> = {};
    const codes: Record<string, number> = {};
    const found: string[] = [];
    const check = (target: string, status: number, text: string, input: unknown) => {
      inputs++;
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      const problem = (why: string) => {
        if (found.length < 20)
          found.push(`${target}: ${why} — input ${JSON.stringify(input)?.slice(0, 300)} → ${status} ${text.slice(0, 300)}`);
      };
      if (status >= 500) return problem('5xx');
      if (LEAK.test(text)) return problem('leaks internals');
      let json: { errors?: { extensions?: { code?: string } }[]; error?: { code?: string } } | undefined;
      try {
        json = JSON.parse(text);
      } catch {
        if (status >= 400) return problem('error without a JSON body');
        return;
      }
      const errorCodes = [...(json?.errors ?? []).map((e) => e.extensions?.code), ...(json?.error ? [json.error.code] : [])];
      for (const c of errorCodes) {
        codes[c ?? 'none'] = (codes[c ?? 'none'] ?? 0) + 1;
        if (!c || !CODES.includes(c)) problem(`untyped error ${c}`);
        else if (c === 'INTERNAL') problem('INTERNAL');
      }
      if (status >= 400 && errorCodes.length === 0) problem('an error status without a code');
    };

    // Every mutation and query of the schema, with variables drawn from its argument types.
    const targets = [
      ...rootFields(schema.mutationType.name).map((f) => ({ op: 'mutation', f })),
      ...rootFields(schema.queryType.name).map((f) => ({ op: 'query', f })),
    ];
    for (const { op, f } of targets) {
      const vars = f.args.map((a) => `$${a.name}: ${typeString(a.type)}`).join(', ');
      const call = f.args.length ? `${f.name}(${f.args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : f.name;
      const query = `${op}${vars ? `(${vars})` : ''} { ${call} ${selection(f.type)} }`;
      const args = fc.record(Object.fromEntries(f.args.map((a) => [a.name, valueOf(a.type)])), { requiredKeys: [] });
      await fc.assert(
        fc.asyncProperty(args, async (variables) => {
          // Never revoke the key the fuzzer itself uses (a random id cannot match it anyway).
          const res = await fetch(`${api!.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
            body: JSON.stringify({ query, variables }),
          });
          check(`${op} ${f.name}`, res.status, await res.text(), variables);
        }),
        { seed, numRuns },
      );
    }

    // REST endpoints: JSON of every shape, event-like objects with wrong fields, non-JSON bodies.
    const eventLike = fc.record(
      {
        id: nasty,
        type: fc.oneof(fc.constantFrom('signup', 'purchase', 'refund', 'first_use', 'milestone', 'share'), nasty),
        customerId: nasty,
        occurredAt: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          nasty,
        ),
        email: nasty,
        amount: nasty,
        currency: nasty,
        orderId: nasty,
        referralCode: nasty,
        properties: nasty,
        nps: nasty,
        batch: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), nasty),
        messageId: nasty,
        event: fc.oneof(fc.constantFrom('Order Completed', 'Signed Up', 'Order Refunded', 'NPS Submitted'), nasty),
        userId: nasty,
        traits: nasty,
        channel: nasty,
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      { weight: 4, arbitrary: eventLike.map((b) => ({ raw: JSON.stringify(b), type: 'application/json' })) },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((b) => ({ raw: JSON.stringify(b), type: 'application/json' })) },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((raw) => ({ raw, type: 'application/json' })) },
      {
        weight: 1,
        arbitrary: fc.string({ maxLength: 200 }).map((raw) => ({
          raw,
          type: fc.sample(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml'), 1)[0]!,
        })),
      },
    );
    const basic = `Basic ${Buffer.from(`${apiKey}:`).toString('base64')}`;
    const rest: { path: fc.Arbitrary<string>; headers: Record<string, string> }[] = [
      { path: fc.constant('/v1/events'), headers: { authorization: `Bearer ${apiKey}` } },
      { path: fc.constant('/v1/feedback'), headers: { authorization: `Bearer ${apiKey}` } },
      { path: fc.constant('/v1/batch'), headers: { authorization: basic } },
      { path: fc.constant('/v1/track'), headers: { authorization: basic } },
      { path: fc.constant('/v1/identify'), headers: { authorization: basic } },
      {
        path: fc
          .oneof(fc.constant(tenantId), fc.uuid(), fc.string({ minLength: 1, maxLength: 60 }))
          .map((id) => `/webhooks/stripe/${encodeURIComponent(id)}`),
        headers: { 'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'ab'.repeat(32)}` },
      },
      {
        path: fc
          .oneof(fc.constant(portalToken), fc.string({ minLength: 1, maxLength: 60 }))
          .map((t) => `/a/${encodeURIComponent(t)}/share`),
        headers: {},
      },
    ];
    for (const r of rest) {
      await fc.assert(
        fc.asyncProperty(r.path, body, async (path, b) => {
          const res = await fetch(`${api!.url}${path}`, { method: 'POST', headers: { 'content-type': b.type, ...r.headers }, body: b.raw });
          check(`POST ${path.split('/').slice(0, 3).join('/')}`, res.status, await res.text(), b.raw);
        }),
        { seed, numRuns: numRuns * 5 },
      );
    }

    recordFigures({
      scenario: 'fuzz',
      seed,
      profile: PROFILE,
      runs: targets.length * numRuns + rest.length * numRuns * 5,
      faults: 0,
      inputs,
      violations: found.length,
      details: { graphqlFields: targets.length, restEndpoints: rest.length, byStatus, codes },
    });
    expect(found).toEqual([]);
  }, 900_000);
});
