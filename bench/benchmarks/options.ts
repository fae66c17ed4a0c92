/** How long and how hard a run measures; `--quick` keeps the whole run under 3 minutes. */
export interface Options {
  quick: boolean;
  connections: number;
  /** Seconds per measured round. */
  duration: number;
  warmup: number;
  rounds: number;
  /** Conversions credited per crediting measurement. */
  conversions: number;
  clickLevels: number[];
  advocateLevels: number[];
  /** Seconds per growth measurement. */
  growthDuration: number;
}

export function options(argv: string[]): Options {
  const quick = argv.includes('--quick');
  // A tool run from the command line: its knobs come from the environment.
  const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  return quick
    ? {
        quick,
        connections: num('BENCH_CONNECTIONS', 50),
        duration: num('BENCH_DURATION', 3),
        warmup: 1,
        rounds: num('BENCH_ROUNDS', 1),
        conversions: num('BENCH_CONVERSIONS', 1500),
        clickLevels: [10_000, 100_000],
        advocateLevels: [1_000, 10_000],
        growthDuration: 2,
      }
    : {
        quick,
        connections: num('BENCH_CONNECTIONS', 50),
        duration: num('BENCH_DURATION', 8),
        warmup: 3,
        rounds: num('BENCH_ROUNDS', 2),
        conversions: num('BENCH_CONVERSIONS', 20_000),
        clickLevels: [10_000, 100_000, 1_000_000],
        advocateLevels: [1_000, 10_000, 100_000],
        growthDuration: 5,
      };
}
