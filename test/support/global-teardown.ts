import pg from 'pg';
import { Redis } from 'ioredis';

// Jest loads global teardown outside its module mapping, so this file imports no local modules.
const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export default async function globalTeardown(): Promise<void> {
  const database = process.env.TL_TEST_DATABASE;
  if (database && !process.env.TL_KEEP_TEST_DATABASE) {
    const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    // The files' own copies first (left behind only if a file crashed), then the run's database.
    const copies = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${database}\\_%`]);
    for (const { datname } of copies.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
  const prefix = process.env.TL_TEST_REDIS_PREFIX;
  if (prefix && process.env.TL_TEST_REDIS_URL) {
    const redis = new Redis(process.env.TL_TEST_REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  }
}
