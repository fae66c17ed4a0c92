// Merges the figures each chaos scenario left in .tmp/chaos/ into .tmp/chaos/results.json and prints them.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(process.cwd(), '.tmp', 'chaos');
const scenarios = readdirSync(dir)
  .filter((f) => f.endsWith('.json') && f !== 'results.json')
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
const total = (k) => scenarios.reduce((s, f) => s + (f[k] ?? 0), 0);
const results = {
  generatedAt: new Date().toISOString(),
  totals: { runs: total('runs'), faults: total('faults'), inputs: total('inputs'), violations: total('violations') },
  scenarios,
};
writeFileSync(join(dir, 'results.json'), JSON.stringify(results, null, 2));
console.log('scenario      seed        profile  runs  faults  inputs  violations');
for (const f of scenarios) {
  console.log(
    `${f.scenario.padEnd(13)} ${String(f.seed).padEnd(11)} ${f.profile.padEnd(8)} ${String(f.runs).padStart(4)} ${String(f.faults).padStart(7)} ${String(f.inputs).padStart(7)} ${String(f.violations).padStart(11)}`,
  );
}
console.log(`totals: ${JSON.stringify(results.totals)} → ${join('.tmp', 'chaos', 'results.json')}`);
