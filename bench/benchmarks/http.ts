/** Benchmarks 1, 2 and 4: redirect, ingestion and marketer reads, each against bare Fastify. */
import { randomBytes } from 'node:crypto';
import type { Proc, World } from '../lib/env.js';
import { compare, load, loadMany, log, until, type Target } from '../lib/load.js';
import { result, round, type Result } from '../lib/report.js';
import type { Options } from './options.js';

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

export function redirectTarget(url: string, code: string): Target {
  return { url: `${url}/r/${code}`, headers: { 'user-agent': UA } };
}

async function metric(api: Proc, name: string): Promise<number> {
  const body = await (await fetch(`${api.url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(body);
  return m ? Number(m[1]) : 0;
}

async function humanClicks(world: World): Promise<number> {
  const { rows } = await world.db.query<{ n: string }>(`SELECT count(*) AS n FROM clicks WHERE advocate_id = $1 AND kind = 'human'`, [
    world.advocateId,
  ]);
  return Number(rows[0]!.n);
}

/** 1. `GET /r/:code` against a static 302; then every redirect must be one stored click. */
export async function redirect(world: World, o: Options, apis: Proc[], bare: Proc): Promise<Result> {
  const before = await humanClicks(world);
  // The redirect counters are cumulative per process: count this measurement's redirects only.
  let counted = 0;
  for (const a of apis) counted += await metric(a, 'truthloop_redirect_duration_seconds_count');
  const ours = apis.map((a) => redirectTarget(a.url, world.code));
  const base = redirectTarget(bare.url, world.code);
  const c = await compare(
    'redirect',
    () => loadMany(ours, o.connections, o.duration),
    () => load(base, o.connections, o.duration),
    o.rounds,
    { ours: () => loadMany(ours, o.connections, o.warmup), baseline: () => load(base, o.connections, o.warmup) },
  );
  let answered = -counted;
  for (const a of apis) answered += await metric(a, 'truthloop_redirect_duration_seconds_count');
  const worker = await world.startWorker();
  const started = Date.now();
  let stored = 0;
  await until(async () => (stored = (await humanClicks(world)) - before) >= answered, 120_000, 250);
  const flushSeconds = (Date.now() - started) / 1000;
  await world.stop(worker);
  return result({
    name: 'redirect',
    ours: round(c.ours.rps),
    baseline: round(c.baseline.rps),
    unit: 'req/s',
    target: '>= 0.7',
    baselineIs: 'bare Fastify, static 302',
    p99Ms: c.ours.p99,
    baselineP99Ms: c.baseline.p99,
    p99Ratio: round(c.ours.p99 / Math.max(c.baseline.p99, 1), 2),
    p99Target: '<= 1.5',
    errors: c.ours.errors,
    redirectsAnswered: answered,
    humanClicksStored: stored,
    everyClickStoredOnce: stored === answered,
    flushSeconds: round(flushSeconds),
  });
}

/** Customers the ingestion bodies name, created once through the builder (both sides resolve them). */
export async function ensureEventCustomers(world: World, n: number): Promise<void> {
  const { rows } = await world.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM customers WHERE tenant_id = $1 AND external_id LIKE 'ev-%'`,
    [world.tenantId],
  );
  if (rows[0]!.n < n) {
    await world.build.importHistory(world.tenantId, world.campaignId, {
      customers: Array.from({ length: n }, (_, i) => ({ externalId: `ev-${i + 1}`, name: `Customer ${i + 1}` })),
    });
  }
  await world.db.query(`CREATE TABLE IF NOT EXISTS bench_events (LIKE events INCLUDING ALL)`);
}

const EVENT_CUSTOMERS = 1000;
let seq = 0;
const runTag = randomBytes(3).toString('hex');

/** A batch of 100 valid milestone events with fresh ids. */
export function eventsBody(): string {
  const at = new Date().toISOString();
  const parts: string[] = [];
  for (let i = 0; i < 100; i++) {
    seq++;
    parts.push(
      `{"id":"e-${runTag}-${seq}","type":"milestone","customerId":"ev-${(seq % EVENT_CUSTOMERS) + 1}","occurredAt":"${at}","properties":{"step":${seq % 7}}}`,
    );
  }
  return `{"batch":[${parts.join(',')}]}`;
}

export function eventsTarget(world: World, url: string): Target {
  return {
    url: `${url}/v1/events`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${world.apiKey}` },
    body: eventsBody,
  };
}

/** 2. `POST /v1/events`, batches of 100, against one multi-row INSERT from bare Fastify. */
export async function ingestion(world: World, o: Options, api: Proc, bare: Proc): Promise<Result> {
  await ensureEventCustomers(world, EVENT_CUSTOMERS);
  const ours = eventsTarget(world, api.url);
  const base = eventsTarget(world, bare.url);
  const connections = Math.min(o.connections, 20);
  const c = await compare(
    'ingestion',
    () => load(ours, connections, o.duration),
    () => load(base, connections, o.duration),
    o.rounds,
    { ours: () => load(ours, connections, o.warmup), baseline: () => load(base, connections, o.warmup) },
  );
  return result({
    name: 'ingestion',
    ours: round(c.ours.rps * 100),
    baseline: round(c.baseline.rps * 100),
    unit: 'events/s',
    target: '>= 0.7',
    baselineIs: 'bare Fastify + pg, one multi-row INSERT per batch into a copy of events',
    p99Ms: c.ours.p99,
    baselineP99Ms: c.baseline.p99,
    errors: c.ours.errors + c.baseline.errors,
    connections,
  });
}

/**
 * Marketer reads, by name: the GraphQL query and the path of the bare route that answers the same
 * JSON. campaignStats and leaderboard (issue 7) are added here when they exist on main.
 */
export const READS: Record<string, { query: string; bare: string }> = {
  advocates: {
    query: `query($c: ID!) { advocates(campaignId: $c, first: 100) { edges { node { id code links { url } balance { pending } } } } }`,
    bare: 'advocates',
  },
  referrals: {
    query: `query($c: ID!) { referrals(campaignId: $c, first: 100) { edges { node { id status amount currency } } } }`,
    bare: 'referrals',
  },
  campaignStats: {
    query: `query($c: ID!) { campaignStats(campaignId: $c) { clicks humanClicks shares signups conversions advocates kFactor shareRate conversionRate cycleRestartRate promiseKeptRate revenue { amount currency } rewardCost { amount currency } } }`,
    bare: 'campaignStats',
  },
  leaderboard: {
    query: `query($c: ID!) { leaderboard(campaignId: $c, first: 100) { rank conversions humanClicks shares advocate { code } } }`,
    bare: 'leaderboard',
  },
};

export function readTargets(world: World, name: string, api: Proc, bare: Proc): { ours: Target; base: Target } {
  const read = READS[name]!;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${world.apiKey}` };
  return {
    ours: {
      url: `${api.url}/graphql`,
      method: 'POST',
      headers,
      body: JSON.stringify({ query: read.query, variables: { c: world.campaignId } }),
    },
    base: { url: `${bare.url}/reads/${read.bare}?campaignId=${world.campaignId}`, headers },
  };
}

/** Both answers must be the same JSON, else the comparison means nothing. */
async function sameAnswer(ours: Target, base: Target): Promise<boolean> {
  const a = await (await fetch(ours.url, { method: 'POST', headers: ours.headers, body: ours.body as string })).json();
  const b = await (await fetch(base.url, { headers: base.headers })).json();
  const [x, y] = [JSON.stringify(a), JSON.stringify(b)];
  if (x !== y) {
    const i = [...x].findIndex((ch, k) => ch !== y[k]);
    log(`  GraphQL: …${x.slice(Math.max(0, i - 80), i + 80)}\n  bare:    …${y.slice(Math.max(0, i - 80), i + 80)}`);
  }
  return x === y;
}

/** 4. Marketer reads through GraphQL against bare Fastify over the same service calls. */
export async function reads(world: World, o: Options, api: Proc, bare: Proc, names: string[]): Promise<Result[]> {
  const out: Result[] = [];
  for (const name of names) {
    const { ours, base } = readTargets(world, name, api, bare);
    const same = await sameAnswer(ours, base);
    if (!same) log(`  reads.${name}: the bare route's JSON differs from GraphQL's`);
    const c = await compare(
      `reads.${name}`,
      () => load(ours, o.connections, o.duration),
      () => load(base, o.connections, o.duration),
      o.rounds,
      { ours: () => load(ours, o.connections, o.warmup), baseline: () => load(base, o.connections, o.warmup) },
    );
    out.push(
      result({
        name: `reads.${name}`,
        ours: round(c.ours.rps),
        baseline: round(c.baseline.rps),
        unit: 'req/s',
        target: '>= 0.3',
        baselineIs: 'bare Fastify route, same service calls, same JSON',
        p99Ms: c.ours.p99,
        baselineP99Ms: c.baseline.p99,
        sameJson: same,
        errors: c.ours.errors + c.baseline.errors,
      }),
    );
  }
  return out;
}
