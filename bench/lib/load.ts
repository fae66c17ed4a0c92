/** HTTP load with autocannon, ours and the baseline alternating in the same run. */
import autocannon from 'autocannon';

export interface Target {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** A fresh body per request (unique ids), or one fixed body. */
  body?: string | (() => string);
}

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  /** 2xx and 3xx responses. */
  ok: number;
  errors: number;
}

export async function load(target: Target, connections: number, durationS: number): Promise<Figures> {
  const make = typeof target.body === 'function' ? target.body : undefined;
  const r = await autocannon({
    url: target.url,
    method: target.method ?? 'GET',
    connections,
    duration: durationS,
    headers: target.headers,
    body: typeof target.body === 'string' ? target.body : undefined,
    requests: make
      ? [
          {
            setupRequest: (req) => {
              req.body = make();
              return req;
            },
          },
        ]
      : undefined,
  });
  const ok = r['2xx'] + r['3xx'];
  return { rps: (ok / r.duration) * 1, p50: r.latency.p50, p99: r.latency.p99, ok, errors: r.errors + r.timeouts + r.non2xx - r['3xx'] };
}

/** Several concurrent load generators (one per API process), summed. */
export async function loadMany(targets: Target[], connections: number, durationS: number): Promise<Figures> {
  const each = Math.max(1, Math.round(connections / targets.length));
  const all = await Promise.all(targets.map((t) => load(t, each, durationS)));
  return {
    rps: all.reduce((s, f) => s + f.rps, 0),
    p50: Math.max(...all.map((f) => f.p50)),
    p99: Math.max(...all.map((f) => f.p99)),
    ok: all.reduce((s, f) => s + f.ok, 0),
    errors: all.reduce((s, f) => s + f.errors, 0),
  };
}

export function mean(fs: Figures[]): Figures {
  const avg = (k: keyof Figures) => fs.reduce((s, f) => s + f[k], 0) / fs.length;
  const sum = (k: keyof Figures) => fs.reduce((s, f) => s + f[k], 0);
  return { rps: avg('rps'), p99: avg('p99'), p50: avg('p50'), ok: sum('ok'), errors: sum('errors') };
}

export interface Comparison {
  ours: Figures;
  baseline: Figures;
  rounds: { ours: Figures; baseline: Figures }[];
}

/** Warm both up, then alternate baseline and ours for `rounds` rounds; mean of the rounds. */
export async function compare(
  label: string,
  ours: () => Promise<Figures>,
  baseline: () => Promise<Figures>,
  rounds: number,
  warmup: { ours: () => Promise<unknown>; baseline: () => Promise<unknown> },
): Promise<Comparison> {
  await warmup.baseline();
  await warmup.ours();
  const out: { ours: Figures; baseline: Figures }[] = [];
  for (let i = 0; i < rounds; i++) {
    const b = await baseline();
    const o = await ours();
    out.push({ ours: o, baseline: b });
    log(`  ${label} round ${i + 1}: baseline ${Math.round(b.rps)}/s p99 ${b.p99} ms; ours ${Math.round(o.rps)}/s p99 ${o.p99} ms`);
  }
  return { ours: mean(out.map((r) => r.ours)), baseline: mean(out.map((r) => r.baseline)), rounds: out };
}

export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `done` returns true or the time is up; returns whether it finished. */
export async function until(done: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() > end) return false;
    await sleep(everyMs);
  }
}
