import { afterAll, beforeAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ADMIN_DATABASE_URL, databaseUrl } from './env.js';

/**
 * Each integration file gets a database of its own, copied from the run's migrated database (a
 * PostgreSQL template copy takes milliseconds). Processes of one file then never act on another
 * file's rows: their sweepers, dispatchers and schedulers see only this file's data.
 */
let database: string | undefined;

beforeAll(async () => {
  const template = process.env.TL_TEST_DATABASE;
  if (!template) return;
  database = `${template}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${database} TEMPLATE ${template}`);
        break;
      } catch (error) {
        // Two files copying the template at the same moment: one waits for the other.
        if (attempt > 50 || !/being accessed by other users/.test(String(error))) throw error;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  process.env.TL_TEST_DATABASE_URL = databaseUrl(database);
});

afterAll(async () => {
  if (!database || process.env.TL_KEEP_TEST_DATABASE) return;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});
