/** Benchmark 5: how the redirect, ingestion, a marketer read and memory grow with data. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Click } from '#libs/links/index.js';
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

/** Clicks of the campaign's advocates over the last 20 days, up to `total`, in chunks, through the builder's history import. */
async function growClicks(world: World, total: number): Promise<void> {
  let have = await count(world, 'clicks');
  const { rows } = await world.db.query<{ id: string }>(`SELECT id FROM advocates WHERE tenant_id = $1 AND campaign_id = $2 LIMIT 50`, [
    world.tenantId,
    world.campaignId,
  ]);
  const advocates = rows.map((r) => r.id);
  const now = Date.now();
  while (have < total) {
    const n = Math.min(100_000, total - have);
    const clicks: Click[] = Array.from({ length: n }, (_, k) => {
      const g = have + k + 1;
      return {
        id: randomUUID(),
        at: now - (g % 1_728_000) * 1000,
        tenantId: world.tenantId,
        advocateId: advocates[g % advocates.length]!,
        campaignId: world.campaignId,
        channel: 'copy',
        visitorId: `v${g}`,
        ipHash: createHash('md5').update(String(g)).digest('hex'),
        uaClass: 'desktop',
        referrerHost: null,
        kind: g % 10 === 0 ? 'bot' : 'human',
        active: true,
      };
    });
    await world.build.importHistory(world.tenantId, world.campaignId, { clicks });
    have += n;
  }
  await world.db.query(`ANALYZE clicks`);
}

/** Advocates (each a customer of their own) up to `total`, through the builder's history import. */
async function growAdvocates(world: World, total: number): Promise<void> {
  const have = await count(world, 'advocates');
  const now = new Date();
  for (let from = have; from < total; from += 20_000) {
    const customers = Array.from({ length: Math.min(20_000, total - from) }, (_, k) => ({
      id: randomUUID(),
      externalId: `grow-${from + k + 1}`,
      name: `Grown ${from + k + 1}`,
    }));
    await world.build.importHistory(world.tenantId, world.campaignId, {
      customers,
      advocates: customers.map((c) => ({
        customerId: c.id,
        code: `G${createHash('md5').update(c.id).digest('hex').slice(0, 10).toUpperCase()}`,
        portalToken: randomBytes(18).toString('base64url'),
        generation: 0,
        createdAt: now,
      })),
    });
  }
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
