import { Injectable } from '@nestjs/common';
import { Db, type Sql } from '#libs/database/index.js';
import type { Customer, Delight, ProfileUpdate } from './customer.js';
import { normalizeEmail } from './email.js';

interface CustomerRow {
  id: string;
  tenant_id: string;
  external_id: string;
  email: string | null;
  email_normalized: string | null;
  name: string | null;
  first_use_at: Date | null;
  generation: number;
  delight_score: number | null;
  delight_reasons: string[];
  created_at: Date;
}

const COLUMNS = `id, tenant_id, external_id, email, email_normalized, name, first_use_at, generation,
  delight_score, delight_reasons, created_at`;

function toCustomer(r: CustomerRow): Customer {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    externalId: r.external_id,
    email: r.email,
    emailNormalized: r.email_normalized,
    name: r.name,
    firstUseAt: r.first_use_at,
    generation: r.generation,
    delight: r.delight_score === null ? null : { score: r.delight_score, reasons: r.delight_reasons },
    createdAt: r.created_at,
  };
}

/** A customer of the past, loaded as it was. */
export interface HistoricCustomer {
  id?: string;
  externalId: string;
  email?: string | null;
  name?: string | null;
  generation?: number;
  firstUseAt?: Date | null;
  delight?: Delight | null;
}

@Injectable()
export class CustomerRepository {
  constructor(private readonly db: Db) {}

  /**
   * Creates the customers that do not exist yet and locks all of them for the transaction, in
   * external-id order so concurrent batches never deadlock. Returns external id → customer id.
   */
  async ensureAndLock(tx: Sql, tenantId: string, externalIds: readonly string[]): Promise<Map<string, string>> {
    const ids = [...new Set(externalIds)].sort();
    if (ids.length === 0) return new Map();
    await tx.query(
      `INSERT INTO customers (tenant_id, external_id)
       SELECT $1, x FROM unnest($2::text[]) AS x ORDER BY x
       ON CONFLICT (tenant_id, external_id) DO NOTHING`,
      [tenantId, ids],
    );
    const rows = await tx.query<{ id: string; external_id: string }>(
      `SELECT id, external_id FROM customers WHERE tenant_id = $1 AND external_id = ANY($2::text[])
       ORDER BY external_id FOR UPDATE`,
      [tenantId, ids],
    );
    return new Map(rows.map((r) => [r.external_id, r.id]));
  }

  /** Applies profile changes in one statement; absent values keep what is stored; first use keeps the earliest. */
  async applyProfiles(tx: Sql, tenantId: string, updates: readonly ProfileUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    await tx.execute(
      `UPDATE customers c SET
         email = COALESCE(u.email, c.email),
         email_normalized = COALESCE(u.email_normalized, c.email_normalized),
         name = COALESCE(u.name, c.name),
         first_use_at = LEAST(c.first_use_at, u.first_use_at),
         updated_at = now()
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
         AS u(external_id, email, email_normalized, name, first_use_at)
       WHERE c.tenant_id = $1 AND c.external_id = u.external_id`,
      [
        tenantId,
        updates.map((u) => u.externalId),
        updates.map((u) => u.email ?? null),
        updates.map((u) => (u.email ? normalizeEmail(u.email) : null)),
        updates.map((u) => u.name ?? null),
        updates.map((u) => u.firstUseAt ?? null),
      ],
    );
  }

  async findByExternalId(tenantId: string, externalId: string, tx: Sql = this.db): Promise<Customer | undefined> {
    const [row] = await tx.query<CustomerRow>(`SELECT ${COLUMNS} FROM customers WHERE tenant_id = $1 AND external_id = $2`, [
      tenantId,
      externalId,
    ]);
    return row && toCustomer(row);
  }

  async findByIds(tenantId: string, ids: readonly string[], tx: Sql = this.db): Promise<Customer[]> {
    const rows = await tx.query<CustomerRow>(`SELECT ${COLUMNS} FROM customers WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [
      tenantId,
      ids,
    ]);
    return rows.map(toCustomer);
  }

  /** Locks one customer row for the transaction (scoring the same customer twice at once would race). */
  async lock(tx: Sql, tenantId: string, id: string): Promise<Customer | undefined> {
    const [row] = await tx.query<CustomerRow>(`SELECT ${COLUMNS} FROM customers WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
      tenantId,
      id,
    ]);
    return row && toCustomer(row);
  }

  /**
   * Loads customers of the past in one statement, as they were (an import, or a generated history
   * for tests and benchmarks): their generation, first use and delight score as given.
   */
  async importHistory(tenantId: string, rows: readonly HistoricCustomer[]): Promise<string[]> {
    const col = <T>(f: (r: HistoricCustomer) => T) => rows.map(f);
    const inserted = await this.db.query<{ id: string }>(
      `INSERT INTO customers (tenant_id, id, external_id, email, email_normalized, name, generation, first_use_at, delight_score,
         delight_reasons, delight_scored_at)
       SELECT $1, coalesce(id, gen_random_uuid()), ext, email, norm, name, coalesce(gen, 0), fu, ds,
         CASE WHEN dr IS NULL THEN '{}' ELSE ARRAY(SELECT jsonb_array_elements_text(dr)) END, CASE WHEN ds IS NULL THEN NULL ELSE now() END
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::timestamptz[], $9::smallint[], $10::jsonb[])
         AS u(id, ext, email, norm, name, gen, fu, ds, dr)
       RETURNING id`,
      [
        tenantId,
        col((r) => r.id ?? null),
        col((r) => r.externalId),
        col((r) => r.email ?? null),
        col((r) => (r.email ? normalizeEmail(r.email) : null)),
        col((r) => r.name ?? null),
        col((r) => r.generation ?? 0),
        col((r) => r.firstUseAt ?? null),
        col((r) => r.delight?.score ?? null),
        col((r) => (r.delight ? JSON.stringify(r.delight.reasons) : null)),
      ],
    );
    return inserted.map((r) => r.id);
  }

  /** Who referred each customer of the past (their generation is already as given). */
  async importReferrers(tenantId: string, pairs: readonly { customerId: string; advocateId: string }[]): Promise<void> {
    await this.db.execute(
      `UPDATE customers c SET referred_by_advocate_id = u.adv FROM unnest($2::uuid[], $3::uuid[]) AS u(id, adv)
       WHERE c.tenant_id = $1 AND c.id = u.id`,
      [tenantId, pairs.map((p) => p.customerId), pairs.map((p) => p.advocateId)],
    );
  }

  /** The advocate who referred the customer, and so the customer's generation (the advocate's + 1). */
  async setReferrer(tx: Sql, tenantId: string, id: string, advocateId: string, generation: number): Promise<void> {
    await tx.execute(
      `UPDATE customers SET referred_by_advocate_id = $3, generation = $4, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND (referred_by_advocate_id IS DISTINCT FROM $3 OR generation <> $4)`,
      [tenantId, id, advocateId, generation],
    );
  }

  async saveDelight(tx: Sql, tenantId: string, id: string, delight: Delight): Promise<void> {
    await tx.execute(
      `UPDATE customers SET delight_score = $3, delight_reasons = $4, delight_scored_at = now() WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, delight.score, delight.reasons],
    );
  }
}
