/** The run's results: a table on stdout, bench/results/latest.json, and sections of BENCHMARKS.md. */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { promisify } from 'node:util';

const exec = promisify(execFile);

interface Core {
  /** Stable name, e.g. `redirect`, `reads.advocates`, `growth.redirect_p99`. */
  name: string;
  ours: number;
  baseline: number;
  unit: string;
  /** ours / baseline for throughput; for growth, value at the largest level / value at the smallest. */
  ratio: number;
  /** What the ratio should reach, e.g. `>= 0.7` or `<= 2` (growth). */
  target: string;
  met: boolean;
  /** What `baseline` is. */
  baselineIs: string;
}

/** One benchmark's figures, with any further ones (p99s, checks, levels). */
export type Result = Core & Record<string, unknown>;

export function meets(ratio: number, target: string): boolean {
  const m = /^(>=|<=)\s*([\d.]+)$/.exec(target.trim());
  if (!m) return true;
  return m[1] === '>=' ? ratio >= Number(m[2]) : ratio <= Number(m[2]);
}

export function result(r: Omit<Core, 'met' | 'ratio'> & { ratio?: number } & Record<string, unknown>): Result {
  const ratio = r.ratio ?? (r.baseline > 0 ? r.ours / r.baseline : 0);
  return { ...r, ratio: round(ratio, 3), met: meets(ratio, r.target) };
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function fmt(n: number): string {
  if (Math.abs(n) >= 100) return String(Math.round(n));
  return String(round(n, 2));
}

export function table(results: Result[]): string {
  const rows = results.map((r) => [
    r.name,
    `${fmt(r.ours)} ${r.unit}`,
    `${fmt(r.baseline)} ${r.unit}`,
    r.ratio.toFixed(2),
    r.target,
    r.met ? 'yes' : 'NO',
  ]);
  const head = ['benchmark', 'ours', 'baseline', 'ratio', 'target', 'met'];
  return [
    `| ${head.join(' | ')} |`,
    `| --- | ---: | ---: | ---: | --- | --- |`,
    ...rows.map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`),
  ].join('\n');
}

export function machine(): string {
  return `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`;
}

export async function writeJson(results: Result[]): Promise<void> {
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/latest.json', `${JSON.stringify(results, null, 2)}\n`);
}

/** Replaces (or appends) the section between `<!-- bench:<key>:start -->` and its end marker. */
export async function updateBenchmarksMd(key: string, body: string): Promise<void> {
  const start = `<!-- bench:${key}:start -->`;
  const end = `<!-- bench:${key}:end -->`;
  const section = `${start}\n${body.trim()}\n${end}`;
  const doc = await readFile('BENCHMARKS.md', 'utf8').catch(
    () => '# Benchmarks\n\nFigures written by the benchmarks under `bench/`, with the command that produced them.\n',
  );
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  const next = i >= 0 && j > i ? doc.slice(0, i) + section + doc.slice(j + end.length) : `${doc.trimEnd()}\n\n${section}\n`;
  await writeFile('BENCHMARKS.md', next);
  // The repository's formatting check covers this file too.
  await exec('node_modules/.bin/prettier', ['--write', 'BENCHMARKS.md']).catch(() => undefined);
}
