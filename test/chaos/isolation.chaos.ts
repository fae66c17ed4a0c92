import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
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
import { PROFILE, recordFigures, seedOf, sleep } from './support/chaos.js';
import { campaignWithAdvocates } from './support/world.js';

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface Field {
  name: string;
  args: { name: string; type: TypeRef }[];
  type: TypeRef;
}
interface FullType {
  kind: string;
  name: string;
  fields: Field[] | null;
  inputFields: { name: string; type: TypeRef }[] | null;
  enumValues: { name: string }[] | null;
}
const INTROSPECTION = `{ __schema { mutationType { name } queryType { name } types { kind name
  fields { name args { name type { ...T } } type { ...T } } inputFields { name type { ...T } } enumValues { name } } } }
  fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }`;
const typeString = (t: TypeRef): string =>
  t.kind === 'NON_NULL' ? `${typeString(t.ofType!)}!` : t.kind === 'LIST' ? `[${typeString(t.ofType!)}]` : t.name!;
const named = (t: TypeRef): TypeRef => (t.ofType ? named(t.ofType) : t);

/**
 * Guarantee 6: a valid key of tenant X, given tenant Y's ids, sees none of Y's rows and changes
 * none: every query and mutation answers exactly as for an id that does not exist.
 */
describe('chaos: tenant isolation', () => {
  const seed = seedOf('isolation');
  let api: RunningApi | undefined;
  let worker: RunningProcess | undefined;
  let db: pg.Pool | undefined;

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await db?.end();
  });

  it("lets no query or mutation see or change another tenant's rows", async () => {
    const env = testEnv();
    [api, worker] = (await Promise.all([startApi(env), startWorker(env)])) as [RunningApi, RunningProcess];
    db = pool(env);
    const x = await createTenant(env, 'Chaos isolation X');
    const y = await createTenant(env, 'Chaos isolation Y');
    await gql(api, y.apiKey, `mutation($s: String!) { setStripeWebhookSecret(secret: $s) }`, { s: 'whsec_isolation_y_0123456789' });
    await gql(api, x.apiKey, `mutation($s: String!) { setStripeWebhookSecret(secret: $s) }`, { s: 'whsec_isolation_x_0123456789' });
    // Y: a campaign, an advocate, a converted referral with its rewards, a second API key.
    const { campaignId, advocates } = await campaignWithAdvocates(env, y.tenantId, 1);
    const advocate = advocates[0]!;
    const post = (key: string, body: unknown) =>
      fetch(`${api!.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(body),
      });
    expect(
      (
        await post(y.apiKey, {
          id: 'y-buy',
          type: 'purchase',
          customerId: 'y-friend',
          referralCode: advocate.code,
          orderId: 'y-order',
          amount: 5000,
          currency: 'USD',
        })
      ).status,
    ).toBe(202);
    const referralId = await eventually(async () => {
      const { rows } = await db!.query<{ id: string }>(`SELECT referral_id AS id FROM rewards WHERE tenant_id = $1 LIMIT 1`, [y.tenantId]);
      return rows[0]?.id;
    });
    const { rows: rewardRows } = await db.query<{ id: string }>(`SELECT id FROM rewards WHERE tenant_id = $1`, [y.tenantId]);
    const { rows: customerRows } = await db.query<{ id: string; external_id: string }>(
      `SELECT id, external_id FROM customers WHERE tenant_id = $1`,
      [y.tenantId],
    );
    const yKey = (await gql(api, y.apiKey, `mutation { createApiKey(name: "y second", scopes: [ADMIN]) { id } }`)).data!.createApiKey
      .id as string;
    const yIds = {
      campaign: campaignId,
      advocate: advocate.id,
      referral: referralId,
      reward: rewardRows[0]!.id,
      apiKey: yKey,
      customer: customerRows[0]!.id,
      tenant: y.tenantId,
    };
    const ySecrets = [...Object.values(yIds), ...rewardRows.map((r) => r.id), ...customerRows.map((c) => c.external_id), advocate.code];
    await sleep(1500);

    // Y's rows, fingerprinted table by table.
    const { rows: tables } = await db.query<{ table_name: string }>(
      `SELECT DISTINCT c.table_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
       WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE' AND c.table_name NOT LIKE 'clicks_%' ORDER BY 1`,
    );
    const fingerprint = async () => {
      const out: Record<string, string> = {};
      for (const { table_name } of tables) {
        const { rows } = await db!.query<{ f: string | null; n: number }>(
          `SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) AS f, count(*)::int AS n FROM "${table_name}" t WHERE tenant_id = $1`,
          [y.tenantId],
        );
        out[table_name] = `${rows[0]!.n}:${rows[0]!.f}`;
      }
      const { rows } = await db!.query<{ f: string }>(`SELECT md5(t::text) AS f FROM tenants t WHERE id = $1`, [y.tenantId]);
      out.tenants = rows[0]!.f;
      return out;
    };
    const before = await fingerprint();

    const schema = (await gql(api, x.apiKey, INTROSPECTION)).data!.__schema as {
      mutationType: { name: string };
      queryType: { name: string };
      types: FullType[];
    };
    const types = new Map(schema.types.map((t) => [t.name, t]));
    // A selection of every scalar field two levels down (fields needing arguments left out).
    const selection = (t: TypeRef, depth = 0): string => {
      const full = types.get(named(t).name!)!;
      if (full.kind !== 'OBJECT') return '';
      const parts = full
        .fields!.filter((f) => f.args.every((a) => a.type.kind !== 'NON_NULL'))
        .map((f) => {
          const inner = types.get(named(f.type).name!)!;
          if (inner.kind === 'OBJECT') return depth < 2 ? `${f.name} ${selection(f.type, depth + 1)}` : '';
          return f.name;
        })
        .filter(Boolean);
      return `{ __typename ${parts.join(' ')} }`;
    };
    // A valid-looking value of each argument; ids come from the caller.
    const value = (name: string, t: TypeRef, id: string): unknown => {
      if (t.kind === 'NON_NULL') return value(name, t.ofType!, id);
      if (t.kind === 'LIST') return [value(name, t.ofType!, id)];
      const full = types.get(t.name!)!;
      if (full.kind === 'ENUM') return full.enumValues![0]!.name;
      // Moments naming Y's customer and Y's advocate code.
      if (full.name === 'EventInput')
        return {
          id: `iso-${randomUUID()}`,
          type: 'purchase',
          customerId: 'y-friend',
          referralCode: advocate.code,
          orderId: 'y-order',
          amount: 1,
          currency: 'USD',
        };
      if (full.name === 'FeedbackInput') return { id: `iso-${randomUUID()}`, customerId: 'y-friend', nps: 10 };
      if (full.kind === 'INPUT_OBJECT')
        return Object.fromEntries(
          full.inputFields!.filter((f) => f.type.kind === 'NON_NULL').map((f) => [f.name, value(f.name, f.type, id)]),
        );
      if (t.name === 'ID') return id;
      if (t.name === 'Int') return 1;
      if (t.name === 'Boolean') return true;
      if (/customerId|externalId/.test(name)) return customerRows.find((c) => c.external_id === 'y-friend')!.external_id;
      if (name === 'code') return advocate.code;
      if (name === 'currency') return 'USD';
      if (name === 'secret') return 'whsec_isolation_hijack_0123';
      if (name === 'url') return 'https://example.com/hook';
      return 'isolation-probe';
    };

    const violations: string[] = [];
    let calls = 0;
    const answers: Record<string, number> = {};
    const fields = [
      ...types.get(schema.queryType.name)!.fields!.map((f) => ({ op: 'query', f })),
      ...types.get(schema.mutationType.name)!.fields!.map((f) => ({ op: 'mutation', f })),
    ];
    const codeOf = (r: { errors?: { extensions?: { code?: string } }[] }) => r.errors?.map((e) => e.extensions?.code).join(',') ?? 'ok';
    for (const { op, f } of fields) {
      const hasId = f.args.some((a) => named(a.type).name === 'ID' || types.get(named(a.type).name!)?.kind === 'INPUT_OBJECT');
      const candidates = hasId ? Object.entries(yIds) : [['none', randomUUID()] as [string, string]];
      for (const [kind, id] of candidates) {
        const vars = f.args.map((a) => `$${a.name}: ${typeString(a.type)}`).join(', ');
        const call = f.args.length ? `${f.name}(${f.args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : f.name;
        const query = `${op}${vars ? `(${vars})` : ''} { ${call} ${selection(f.type)} }`;
        const asY = Object.fromEntries(f.args.map((a) => [a.name, value(a.name, a.type, id)]));
        const asMissing = Object.fromEntries(f.args.map((a) => [a.name, value(a.name, a.type, randomUUID())]));
        const withY = await gql(api, x.apiKey, query, asY);
        const withMissing = await gql(api, x.apiKey, query, asMissing);
        calls += 2;
        answers[codeOf(withY)] = (answers[codeOf(withY)] ?? 0) + 1;
        const seen = JSON.stringify(withY.data ?? null);
        const leaked = ySecrets.filter((s) => seen.includes(s));
        if (leaked.length) violations.push(`${op} ${f.name} with Y's ${kind} id shows Y's ${leaked.join(', ')}`);
        // Another tenant's id behaves exactly like a missing one.
        if (hasId && codeOf(withY) !== codeOf(withMissing))
          violations.push(`${op} ${f.name} with Y's ${kind} id: ${codeOf(withY)}, missing id: ${codeOf(withMissing)}`);
      }
    }
    // REST under X's key naming Y's customer and advocate code; Stripe for Y signed with X's secret.
    expect(
      (
        await post(x.apiKey, {
          id: 'x-buy',
          type: 'purchase',
          customerId: 'y-friend',
          referralCode: advocate.code,
          orderId: 'y-order',
          amount: 9999,
          currency: 'USD',
        })
      ).status,
    ).toBe(202);
    expect((await post(x.apiKey, { id: 'x-refund', type: 'refund', customerId: 'y-friend', orderId: 'y-order' })).status).toBe(202);
    calls += 2;
    await eventually(async () => {
      const { rows } = await db!.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM events e WHERE e.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM event_effects x WHERE x.event_uuid = e.id) AND e.type IN ('purchase','refund')`,
        [x.tenantId],
      );
      return rows[0]!.n === 0;
    });
    await sleep(1000);
    const after = await fingerprint();
    for (const table of Object.keys(before)) if (before[table] !== after[table]) violations.push(`Y's ${table} changed`);

    recordFigures({
      scenario: 'isolation',
      seed,
      profile: PROFILE,
      runs: fields.length,
      faults: 0,
      inputs: calls,
      violations: violations.length,
      details: {
        graphqlFields: fields.length,
        tablesWatched: tables.length + 1,
        crossTenantCalls: calls,
        answersWithOtherTenantsIds: answers,
      },
    });
    expect(violations).toEqual([]);
  }, 600_000);
});
