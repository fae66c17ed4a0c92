import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Pool, PoolClient, QueryResultRow } from 'pg';

/** Something that runs SQL: the pool, or a transaction's connection. */
export interface Sql {
  query<T extends QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a statement and returns how many rows it touched. */
  execute(sql: string, params?: unknown[]): Promise<number>;
}

/**
 * Counts the statements sent while a request runs (tests check that a GraphQL request's count does
 * not grow with list sizes). Nothing is counted outside `countStatements`.
 */
const statementCounter = new AsyncLocalStorage<{ count: number }>();

/** Runs `work` with a fresh statement counter; `counter.count` grows with every statement sent from it. */
export function countStatements<T>(counter: { count: number }, work: () => T): T {
  return statementCounter.run(counter, work);
}

function counted(): void {
  const counter = statementCounter.getStore();
  if (counter) counter.count++;
}

class ClientSql implements Sql {
  constructor(private readonly client: PoolClient) {}
  async query<T extends QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]> {
    counted();
    return (await this.client.query<T>(sql, params)).rows;
  }
  async execute(sql: string, params?: unknown[]): Promise<number> {
    counted();
    return (await this.client.query(sql, params)).rowCount ?? 0;
  }
}

/**
 * SQL over the pg pool that TypeORM opened. Repositories use this rather than entity
 * hydration: rows come back as plain objects, affected counts as numbers.
 */
@Injectable()
export class Db implements Sql {
  readonly pool: Pool;

  constructor(readonly dataSource: DataSource) {
    // The driver's `master` is the pg Pool (TypeORM's postgres driver).
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
  }

  async query<T extends QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    counted();
    return (await this.pool.query<T>(sql, params)).rows;
  }

  async one<T extends QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T | undefined> {
    return (await this.query<T>(sql, params))[0];
  }

  async execute(sql: string, params?: unknown[]): Promise<number> {
    counted();
    return (await this.pool.query(sql, params)).rowCount ?? 0;
  }

  /** Runs `work` in one transaction; rolls back if it throws. */
  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      counted();
      await client.query('BEGIN');
      const result = await work(new ClientSql(client));
      counted();
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
