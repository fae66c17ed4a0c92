import { DataSource, type DataSourceOptions } from 'typeorm';
import type { AppConfig } from '#libs/config/index.js';
import { migrations } from './migrations/index.js';

export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.database.url,
    // Entities are not registered: repositories speak SQL (docs/architecture.md); TypeORM runs the
    // migrations and owns the pool and transactions.
    entities: [],
    migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    poolSize: config.database.poolSize,
    applicationName: 'truthloop',
    extra: { max: config.database.poolSize, idleTimeoutMillis: 30_000 },
  };
}

export function createDataSource(config: AppConfig): DataSource {
  return new DataSource(dataSourceOptions(config));
}

/** Runs pending migrations; returns the names applied. */
export async function runMigrations(config: AppConfig): Promise<string[]> {
  const ds = createDataSource(config);
  await ds.initialize();
  try {
    // Serialise concurrent starters (several API processes) on an advisory lock.
    await ds.query('SELECT pg_advisory_lock(727274)');
    try {
      const applied = await ds.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await ds.query('SELECT pg_advisory_unlock(727274)');
    }
  } finally {
    await ds.destroy();
  }
}
