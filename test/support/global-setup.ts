import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';

// Jest loads global setup outside its module mapping, so this file imports no local modules.
const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const databaseUrl = (database: string): string => {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
};

const exec = promisify(execFile);

/** One database and one Redis key prefix per test run, so runs never clash. */
export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  const database = `tl_test_${runId}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = databaseUrl(database);
  // Migrations applied to the empty database through the real CLI.
  await exec('node', ['dist/apps/cli/src/main.js', 'migrate'], {
    // Every command needs a SECRET_KEY; migrations use none, so any will do.
    env: { ...process.env, DATABASE_URL: url, REDIS_URL: TEST_REDIS_URL, SECRET_KEY: 'global-setup-secret-key-0123456789abcdef' },
  });
  process.env.TL_TEST_DATABASE = database;
  process.env.TL_TEST_DATABASE_URL = url;
  process.env.TL_TEST_REDIS_URL = TEST_REDIS_URL;
  process.env.TL_TEST_REDIS_PREFIX = `tltest-${runId}`;
}
