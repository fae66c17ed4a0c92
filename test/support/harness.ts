import { fork, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';

const exec = promisify(execFile);

/** Real API and worker processes (the built dist/), against the run's database and Redis. */

export interface TestEnv {
  DATABASE_URL: string;
  REDIS_URL: string;
  REDIS_PREFIX: string;
  [key: string]: string;
}

/** The SECRET_KEY of test processes, unless a suite sets its own. */
export const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdef-0123456789';

/** Environment for processes of one test file: the run's database, a Redis prefix of the file's own. */
export function testEnv(overrides: Record<string, string> = {}): TestEnv {
  const url = process.env.TL_TEST_DATABASE_URL;
  if (!url) throw new Error('TL_TEST_DATABASE_URL is not set: run integration suites through jest (global setup)');
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    // Tests read figures right after changing data: share only reads in flight.
    ANALYTICS_CACHE_MS: '0',
    // Every process needs a key (there is no default); a suite may pass its own.
    SECRET_KEY: TEST_SECRET_KEY,
    // Suites send thousands of requests from one key and one address; the rate-limit suite sets its own.
    RATE_LIMIT_API: '0',
    RATE_LIMIT_PUBLIC: '0',
    RATE_LIMIT_REDIRECT: '0',
    MIGRATIONS_RUN: 'false',
    DATABASE_URL: url,
    REDIS_URL: process.env.TL_TEST_REDIS_URL!,
    REDIS_PREFIX: `${process.env.TL_TEST_REDIS_PREFIX}-${randomBytes(3).toString('hex')}`,
    ...overrides,
  };
}

export interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  /** SIGTERM and wait for the exit code. */
  stop: () => Promise<number | null>;
  /** SIGKILL: no shutdown hooks run. */
  kill: () => Promise<void>;
}

export interface RunningApi extends RunningProcess {
  url: string;
  port: number;
}

function launch(entry: string, env: Record<string, string>, ready: (message: { type?: string; port?: number }) => boolean) {
  const child = fork(entry, [], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<{ port?: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start in time:\n${output}`)), 60_000);
    child.on('message', (m: { type?: string; port?: number }) => {
      if (ready(m)) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} before it was ready:\n${output}`));
    });
  });
  const proc: RunningProcess = {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  return { proc, started };
}

export async function startApi(env: TestEnv, overrides: Record<string, string> = {}): Promise<RunningApi> {
  const { proc, started } = launch(
    'dist/apps/api/src/main.js',
    { PORT: '0', HOST: '127.0.0.1', ...env, ...overrides },
    (m) => m.type === 'listening',
  );
  const { port } = await started;
  return { ...proc, port: port!, url: `http://127.0.0.1:${port}` };
}

export async function startWorker(env: TestEnv, overrides: Record<string, string> = {}): Promise<RunningProcess> {
  const { proc, started } = launch('dist/apps/worker/src/main.js', { ...env, ...overrides }, (m) => m.type === 'ready');
  await started;
  return proc;
}

const CLI = 'dist/apps/cli/src/main.js';

/**
 * Runs the CLI as a user would (or another entry point that is expected to exit, such as a process
 * refusing its configuration: that one is killed after a minute); returns stdout, stderr and the exit code.
 */
export async function cli(
  args: string[],
  env: Record<string, string>,
  entry = CLI,
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await exec('node', [entry, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: entry === CLI ? 0 : 60_000,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

export async function createTenant(env: TestEnv, name = 'Test tenant'): Promise<{ tenantId: string; apiKey: string }> {
  const { stdout, stderr, code } = await cli(['tenant:create', '--name', name], env);
  if (code !== 0) throw new Error(`tenant:create failed: ${stderr}`);
  return JSON.parse(stdout) as { tenantId: string; apiKey: string };
}

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; fields?: { field: string; message: string }[]; [k: string]: unknown } }[];
}

export async function gql<T = Record<string, any>>( // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience
  api: { url: string },
  apiKey: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GqlResult<T>> {
  const res = await fetch(`${api.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, ...((await res.json()) as Omit<GqlResult<T>, 'status'>) };
}

export function pool(env: TestEnv): pg.Pool {
  return new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** POSTs JSON to the API with an API key, as a brand's server would. */
export function postJson(api: { url: string }, path: string, apiKey: string, body: unknown): Promise<Response> {
  return fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
