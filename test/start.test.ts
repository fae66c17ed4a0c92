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

/** Every process below `root`, with its command line. */
function descendants(root: number): { pid: number; cmd: string }[] {
  const parent = new Map<number, number>();
  const cmd = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      cmd.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      // exited meanwhile
    }
  }
  const below = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  return [...parent.keys()].filter(below).map((pid) => ({ pid, cmd: cmd.get(pid) ?? '' }));
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

describe('npm start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tl-start-'));
  // Like a home directory: the embedded PostgreSQL runs as its own user and must reach .data/postgres.
  chmodSync(dir, 0o755);
  let child: ChildProcess | undefined;
  /** What the test started, to be killed if a failed assertion left it running. */
  const started: { pid: number }[] = [];
  afterAll(() => {
    for (const p of [...started, ...(child?.pid ? [{ pid: child.pid }] : [])]) if (alive(p.pid)) process.kill(p.pid, 'SIGKILL');
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
    while (running.some((p) => alive(p.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(running.filter((p) => alive(p.pid)).map((p) => p.cmd)).toEqual([]);
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
