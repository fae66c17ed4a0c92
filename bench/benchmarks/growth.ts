/** Benchmark 5: how the redirect, ingestion, a marketer read and memory grow with data. */
import type { Proc, World } from '../lib/env.js';
import { load, log } from '../lib/load.js';
import { result, round, type Result } from '../lib/report.js';
import { ensureEventCustomers, eventsTarget, readTargets, redirectTarget } from './http.js';
import type { Options } from './options.js';

interface Level {
  data: string;
  clicks: number;
  advocates: number;
  redirectP99Ms: number;
  redirectRps: number;
  ingestionEventsPerS: number;
  readP50Ms: number;
  readP99Ms: number;
  apiRssMb: number;
  workerRssMb: number;
}

async function count(world: World, table: 'clicks' | 'advocates'): Promise<number> {
  const { rows } = await world.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = $1`, [world.tenantId]);
  return Number(rows[0]!.n);
}

/** Clicks of the campaign's advocates over the last 20 days, up to `total`, in chunks. */
async function growClicks(world: World, total: number): Promise<void> {
  let have = await count(world, 'clicks');
  while (have < total) {
    const n = Math.min(200_000, total - have);
    await world.db.query(
      `INSERT INTO clicks (id, occurred_at, tenant_id, advocate_id, campaign_id, channel, visitor_id, ip_hash, ua_class, referrer_host, kind, active)
       SELECT gen_random_uuid(), now() - (g % 1728000) * interval '1 second', $1, a.ids[1 + g % array_length(a.ids, 1)], $2, 'copy',
              'v' || g, md5(g::text), 'desktop', NULL, CASE WHEN g % 10 = 0 THEN 'bot' ELSE 'human' END, true
       FROM generate_series(1, $3) g,
            (SELECT array_agg(id) AS ids FROM (SELECT id FROM advocates WHERE tenant_id = $1 AND campaign_id = $2 LIMIT 50) x) a`,
      [world.tenantId, world.campaignId, n],
    );
    have += n;
  }
  await world.db.query(`ANALYZE clicks`);
}

async function growAdvocates(world: World, total: number): Promise<void> {
  const have = await count(world, 'advocates');
  if (have >= total) return;
  await world.db.query(
    `WITH c AS (INSERT INTO customers (tenant_id, external_id, name)
                SELECT $1, 'grow-' || g, 'Grown ' || g FROM generate_series($3::int + 1, $4::int) g RETURNING id)
     INSERT INTO advocates (tenant_id, campaign_id, customer_id, code, portal_token)
     SELECT $1, $2, c.id, 'G' || substr(md5(c.id::text), 1, 10), md5(random()::text || c.id::text) FROM c`,
    [world.tenantId, world.campaignId, have, total],
  );
  await world.db.query(`ANALYZE advocates; ANALYZE customers`);
}

export async function growth(world: World, o: Options, api: Proc, worker: Proc, read: string): Promise<Result[]> {
  await ensureEventCustomers(world, 1000);
  // The redirect benchmarks before stored their clicks: levels start from an empty table (the
  // redirects measured at each level add theirs, so the counts reported are the real ones).
  await world.db.query(`TRUNCATE clicks`);
  const { ours: readTarget } = readTargets(world, read, api, api);
  const measure = async (data: string): Promise<Level> => {
    const r = await load(redirectTarget(api.url, world.code), o.connections, o.growthDuration);
    const ing = await load(eventsTarget(world, api.url), 20, o.growthDuration);
    // Latency of the read at a modest load (a few marketers' dashboards), not its saturation.
    const rd = await load(readTarget, 4, o.growthDuration);
    const level: Level = {
      data,
      clicks: await count(world, 'clicks'),
      advocates: await count(world, 'advocates'),
      redirectP99Ms: r.p99,
      redirectRps: round(r.rps),
      ingestionEventsPerS: round(ing.rps * 100),
      readP50Ms: rd.p50,
      readP99Ms: rd.p99,
      apiRssMb: round((await api.rss()) / 2 ** 20),
      workerRssMb: round((await worker.rss()) / 2 ** 20),
    };
    log(`  growth ${data}: ${JSON.stringify(level)}`);
    return level;
  };
  const clickLevels: Level[] = [];
  for (const n of o.clickLevels) {
    await growClicks(world, n);
    clickLevels.push(await measure(`${n} clicks`));
  }
  const advocateLevels: Level[] = [];
  for (const n of o.advocateLevels) {
    await growAdvocates(world, n);
    advocateLevels.push(await measure(`${n} advocates`));
  }
  const all = [...clickLevels, ...advocateLevels];
  const first = <K extends keyof Level>(ls: Level[], k: K) => ls[0]![k] as number;
  const last = <K extends keyof Level>(ls: Level[], k: K) => ls[ls.length - 1]![k] as number;
  const span = (ls: Level[], what: 'clicks' | 'advocates') => `${ls[0]![what]} → ${ls[ls.length - 1]![what]} ${what}`;
  const maxApi = Math.max(...all.map((l) => l.apiRssMb));
  const maxWorker = Math.max(...all.map((l) => l.workerRssMb));
  return [
    result({
      name: 'growth.redirect_p99',
      ours: last(clickLevels, 'redirectP99Ms'),
      baseline: first(clickLevels, 'redirectP99Ms'),
      ratio: last(clickLevels, 'redirectP99Ms') / Math.max(first(clickLevels, 'redirectP99Ms'), 1),
      unit: 'ms',
      target: '<= 1.5',
      baselineIs: `the same at the smallest level (${span(clickLevels, 'clicks')}; flat is ≤ 1.5)`,
      levels: clickLevels,
    }),
    result({
      name: 'growth.ingestion',
      ours: last(clickLevels, 'ingestionEventsPerS'),
      baseline: first(clickLevels, 'ingestionEventsPerS'),
      unit: 'events/s',
      target: '>= 0.7',
      baselineIs: `the same at the smallest level (${span(clickLevels, 'clicks')}; flat is ≥ 0.7)`,
    }),
    result({
      name: `growth.reads.${read}_p99`,
      ours: last(advocateLevels, 'readP99Ms'),
      baseline: first(advocateLevels, 'readP99Ms'),
      ratio: last(advocateLevels, 'readP99Ms') / Math.max(first(advocateLevels, 'readP99Ms'), 1),
      unit: 'ms',
      target: `<= ${round(Math.sqrt(last(advocateLevels, 'advocates') / first(advocateLevels, 'advocates')), 1)}`,
      baselineIs: `the same at the smallest level (${span(advocateLevels, 'advocates')}; sub-linear is ≤ √ of the data ratio)`,
      levels: advocateLevels,
    }),
    result({
      name: 'growth.api_rss',
      ours: maxApi,
      baseline: first(all, 'apiRssMb'),
      unit: 'MB',
      target: '<= 1.5',
      baselineIs: 'RSS at the smallest level (bounded: the largest ≤ 1.5× the smallest)',
    }),
    result({
      name: 'growth.worker_rss',
      ours: maxWorker,
      baseline: first(all, 'workerRssMb'),
      unit: 'MB',
      target: '<= 1.5',
      baselineIs: 'RSS at the smallest level (bounded: the largest ≤ 1.5× the smallest)',
    }),
  ];
}
