import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { testEnv } from './support/harness.js';

const REPO = resolve('.');

/** The `npm start` script without its build step (the suite runs on a fresh build), with absolute paths. */
function startScript(): string {
  const script = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  return script.replace(/^npm run build --silent && /, '').replaceAll('dist/', `${REPO}/dist/`);
}

/**
 * A network of its own (Linux, as root): nothing answers on 5432 or 6379 there, so `npm start`
 * starts an embedded PostgreSQL and a redis-server, as on a laptop without either.
 */
const isolated = spawnSync('unshare', ['--net', 'sh', '-c', 'ip link set lo up']).status === 0;

/** A process as /proc shows it; `started` (clock ticks after boot) tells it apart from a later one with the same pid. */
interface Proc {
  pid: number;
  parent: number;
  started: string;
  zombie: boolean;
  cmd: string;
}

function procOf(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return { pid, parent: Number(fields[1]), started: fields[19]!, zombie: fields[0] === 'Z', cmd };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** Every process below `root`. */
function descendants(root: number): Proc[] {
  const all = new Map<number, Proc>();
  for (const entry of readdirSync('/proc')) {
    const p = /^\d+$/.test(entry) ? procOf(Number(entry)) : undefined;
    if (p) all.set(p.pid, p);
  }
  const below = (pid: number): boolean => {
    for (let p = all.get(pid)?.parent; p !== undefined && p > 1; p = all.get(p)?.parent) if (p === root) return true;
    return false;
  };
  return [...all.values()].filter((p) => below(p.pid));
}

/** Still running: the same process (not a later one given its pid), and not a zombie. */
const alive = (p: Proc) => {
  const now = procOf(p.pid);
  return now !== undefined && now.started === p.started && !now.zombie;
};

describe('npm start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-start-'));
  // Like a home directory: the embedded PostgreSQL runs as its own user and must reach .data/postgres.
  chmodSync(dir, 0o755);
  let child: ChildProcess | undefined;
  /** What the test started, to be killed if a failed assertion left it running. */
  const started: Proc[] = [];
  afterAll(() => {
    for (const p of started) if (alive(p)) process.kill(p.pid, 'SIGKILL');
    if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child?.stdout?.destroy();
    child?.stderr?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the laptop command as `npm` runs its script (sh -c), and waits until the API listens. */
  async function start(): Promise<{ proc: ChildProcess; output: () => string }> {
    const env = testEnv();
    const own = isolated
      ? { PATH: process.env.PATH ?? '', PORT: '3000', LOG_LEVEL: 'warn' }
      : {
          PATH: process.env.PATH ?? '',
          PORT: '0',
          LOG_LEVEL: 'warn',
          DATABASE_URL: env.DATABASE_URL,
          REDIS_URL: env.REDIS_URL,
          REDIS_PREFIX: env.REDIS_PREFIX,
        };
    const command = `${isolated ? 'ip link set lo up && ' : ''}cd '${dir}' && ${startScript()}`;
    const proc = isolated ? spawn('unshare', ['--net', 'sh', '-c', command], { env: own }) : spawn('sh', ['-c', command], { env: own });
    child = proc;
    let output = '';
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 120_000;
    while (!output.includes('Truthloop is running')) {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return { proc, output: () => output };
  }

  it('generates a SECRET_KEY on first run, keeps it in .data/, and stops everything it started on SIGTERM', async () => {
    const first = await start();
    const running = descendants(first.proc.pid!);
    started.push(...running);
    const kinds = ['api/src/main.js', 'worker/src/main.js', ...(isolated ? ['bin/postgres', 'redis-server'] : [])];
    for (const kind of kinds) expect([kind, running.some((p) => p.cmd.includes(kind))]).toEqual([kind, true]);

    const keyFile = join(dir, '.data', 'secret-key');
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(keyFile).mode & 0o077).toBe(0);
    expect(first.output()).toContain('generated one and kept it in .data/secret-key');

    // What a container runtime or supervisor does: SIGTERM to the process it started.
    first.proc.kill('SIGTERM');
    const code = await new Promise<number | null>((r) =>
      first.proc.exitCode !== null ? r(first.proc.exitCode) : first.proc.once('exit', (c) => r(c)),
    );
    expect(code).toBe(0);
    const deadline = Date.now() + 10_000;
    while (running.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(running.filter(alive).map((p) => p.cmd)).toEqual([]);
    // Ordered: the worker finished before the database went away.
    expect(first.output()).not.toMatch(/terminating connection due to administrator command/);

    // The next start keeps the same key, so links and sealed secrets survive restarts.
    const second = await start();
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
    expect(second.output()).not.toContain('generated one');
    second.proc.kill('SIGTERM');
    await new Promise((r) => (second.proc.exitCode !== null ? r(null) : second.proc.once('exit', r)));
    expect(existsSync(keyFile)).toBe(true);
  }, 300_000);
});
