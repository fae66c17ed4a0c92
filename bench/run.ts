/**
 * `npm run bench [-- --quick] [names...]`: every benchmark against a bare baseline measured in the
 * same run, on a fresh database and a Redis prefix of the run's own, with the real API and worker
 * (the built dist/). Prints a table, writes bench/results/latest.json and updates BENCHMARKS.md.
 * Names: redirect, crediting, ingestion, reads, scaleout, growth (all when none is given).
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createWorld, type Proc, type World } from './lib/env.js';
import { log } from './lib/load.js';
import { machine, result, round, table, updateBenchmarksMd, writeJson, type Result } from './lib/report.js';
import { crediting } from './benchmarks/crediting.js';
import { growth } from './benchmarks/growth.js';
import { ingestion, READS, reads, redirect } from './benchmarks/http.js';
import { options } from './benchmarks/options.js';

const ALL = ['redirect', 'crediting', 'ingestion', 'reads', 'scaleout', 'growth'] as const;

/** Jobs the load left behind (customer.moment after ingestion) must not compete with the next benchmark. */
async function emptyQueue(world: World, name: string): Promise<void> {
  const q = new Queue(name, {
    connection: new Redis(world.env.REDIS_URL!, { maxRetriesPerRequest: null }),
    prefix: `${world.env.REDIS_PREFIX}:bull`,
  });
  await q.obliterate({ force: true }).catch(() => undefined);
  await q.close();
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const o = options(args);
  const asked = args.filter((a) => !a.startsWith('--'));
  const unknown = asked.filter((a) => !(ALL as readonly string[]).includes(a));
  if (unknown.length) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${ALL.join(', ')}`);
  const run = (name: (typeof ALL)[number]) => asked.length === 0 || asked.includes(name);
  const started = Date.now();
  const world = await createWorld();
  const results: Result[] = [];
  try {
    const api = await world.startApi();
    const bare = await world.startBare('dist/bench/baselines/bare-server.js', { BENCH_TENANT_ID: world.tenantId });

    let redirectResult: Result | undefined;
    if (run('redirect') || run('scaleout')) {
      log('1. redirect');
      redirectResult = await redirect(world, o, [api], bare);
      if (run('redirect')) results.push(redirectResult);
    }
    let creditingResult: Result | undefined;
    if (run('crediting') || run('scaleout')) {
      log('3. crediting');
      creditingResult = await crediting(world, o, 1);
      if (run('crediting')) results.push(creditingResult);
    }
    if (run('ingestion')) {
      log('2. ingestion');
      results.push(await ingestion(world, o, api, bare));
      await emptyQueue(world, 'moments');
    }
    const readNames = Object.keys(READS);
    if (run('reads')) {
      log('4. marketer reads');
      const bareReads = await world.startBare('dist/bench/baselines/bare-reads.js');
      results.push(...(await reads(world, o, api, bareReads, readNames)));
      await world.stop(bareReads);
    }
    if (run('scaleout')) {
      log('6. scale out: two APIs, two workers');
      const api2 = await world.startApi();
      const r2 = await redirect(world, o, [api, api2], bare);
      await world.stop(api2);
      results.push(
        result({
          name: 'scaleout.redirect',
          ours: r2.ours,
          baseline: redirectResult!.ours,
          unit: 'req/s',
          target: '>= 1',
          baselineIs: 'one API (benchmark 1, same run)',
          vsBare: r2.ratio,
          p99Ms: r2.p99Ms,
          everyClickStoredOnce: r2.everyClickStoredOnce,
        }),
      );
      const c2 = await crediting(world, o, 2, 'scaleout.crediting.vs_noop');
      results.push(
        result({
          name: 'scaleout.crediting',
          ours: c2.ours,
          baseline: creditingResult!.ours,
          unit: 'conversions/s',
          target: '>= 1',
          baselineIs: 'one worker (benchmark 3, same run)',
          noopTwoWorkers: c2.baseline,
          vsNoop: c2.ratio,
          exactlyOnce: c2.exactlyOnce,
          rewards: c2.rewards,
          creditPostings: c2.creditPostings,
        }),
      );
    }
    if (run('growth')) {
      log('5. growth');
      const worker: Proc = await world.startWorker();
      results.push(...(await growth(world, o, api, worker, readNames[0]!)));
      await world.stop(worker);
    }
  } finally {
    await world.close();
  }

  const seconds = round((Date.now() - started) / 1000);
  const command = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
  const tableText = table(results);
  log(`\n${tableText}\n\n${machine()}; ${seconds} s`);
  await writeJson(results);
  const date = new Date().toISOString().slice(0, 10);
  await updateBenchmarksMd(
    'results',
    `## Latest figures

Command: \`${command}\` (${o.quick ? 'quick: ' : ''}${o.connections} connections, ${o.rounds} round(s) of ${o.duration} s per side
after a ${o.warmup} s warm-up, baseline and ours alternating; ${o.conversions} conversions per crediting measurement).
Machine: ${machine()}. Run on ${date}, ${seconds} s in all. Raw figures: \`bench/results/latest.json\`.

${tableText}

${results
  .filter((r) => r.name === 'redirect' || r.name.startsWith('scaleout.') || r.name.startsWith('crediting'))
  .map((r) => {
    if (r.name === 'redirect')
      return `- redirect: p99 ${r.p99Ms} ms against ${r.baselineP99Ms} ms bare (ratio ${r.p99Ratio}, target ${r.p99Target}); ${r.humanClicksStored} of ${r.redirectsAnswered} redirects stored as human clicks after the flush (${r.everyClickStoredOnce ? 'every one, exactly once' : 'MISMATCH'}).`;
    if (r.name === 'scaleout.redirect')
      return `- scale out, redirect: two APIs ${r.ours} req/s (${r.vsBare} of bare), every click stored once: ${r.everyClickStoredOnce}.`;
    if (r.name === 'scaleout.crediting')
      return `- scale out, crediting: two workers ${r.ours}/s against two no-op workers ${r.noopTwoWorkers}/s (${r.vsNoop}); exactly once (one reward and one credit posting per referral, also after every job was delivered a second time): ${r.exactlyOnce}.`;
    return `- ${r.name}: ${r.conversions} conversions in ${r.seconds} s; exactly once (also after every job was delivered a second time): ${r.exactlyOnce}; worker RSS ${r.workerRssMb} MB.`;
  })
  .join('\n')}`,
  );
}

main().then(
  // Connections a library keeps open (BullMQ leaves passed-in Redis clients alone) must not keep the run alive.
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
