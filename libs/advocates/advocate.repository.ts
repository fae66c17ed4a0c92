import { Injectable } from '@nestjs/common';
import { Db, type Sql } from '#libs/database/index.js';
import type { Advocate } from './advocate.js';

interface AdvocateRow {
  id: string;
  tenant_id: string;
  campaign_id: string;
  customer_id: string;
  code: string;
  portal_token: string;
  status: string;
  generation: number;
  enrolled_by: Advocate['enrolledBy'];
  created_at: Date;
}

const COLUMNS = `id, tenant_id, campaign_id, customer_id, code, portal_token, status, generation, enrolled_by, created_at`;
const A_COLUMNS = COLUMNS.split(', ')
  .map((c) => `a.${c}`)
  .join(', ');

function toAdvocate(r: AdvocateRow): Advocate {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    campaignId: r.campaign_id,
    customerId: r.customer_id,
    code: r.code,
    portalToken: r.portal_token,
    status: r.status,
    generation: r.generation,
    enrolledBy: r.enrolled_by,
    createdAt: r.created_at,
  };
}

export interface NewAdvocate {
  campaignId: string;
  customerId: string;
  code: string;
  portalToken: string;
  generation: number;
  enrolledBy: Advocate['enrolledBy'];
}

/** An advocate of the past, loaded as it was (an import, or a generated history for tests and benchmarks). */
export interface HistoricAdvocate {
  id?: string;
  customerId: string;
  code: string;
  portalToken: string;
  generation: number;
  createdAt: Date;
}

@Injectable()
export class AdvocateRepository {
  constructor(private readonly db: Db) {}

  /**
   * Inserts the advocate unless any unique key is taken (already enrolled, code taken); with
   * `onlyIfActive`, also unless the campaign is no longer ACTIVE. Undefined when nothing was inserted.
   */
  async tryInsert(tx: Sql, tenantId: string, a: NewAdvocate, onlyIfActive: boolean): Promise<Advocate | undefined> {
    const [row] = await tx.query<AdvocateRow>(
      `INSERT INTO advocates (tenant_id, campaign_id, customer_id, code, portal_token, generation, enrolled_by)
       SELECT $1, $2, $3, $4, $5, $6, $7
       WHERE NOT $8 OR EXISTS (SELECT 1 FROM campaigns WHERE tenant_id = $1 AND id = $2 AND status = 'ACTIVE')
       ON CONFLICT DO NOTHING
       RETURNING ${COLUMNS}`,
      [tenantId, a.campaignId, a.customerId, a.code, a.portalToken, a.generation, a.enrolledBy, onlyIfActive],
    );
    return row && toAdvocate(row);
  }

  /** Loads advocates of the past in one statement, with their own codes, generations and times; no outbox event. */
  async importHistory(tenantId: string, campaignId: string, rows: readonly HistoricAdvocate[]): Promise<string[]> {
    const col = <T>(f: (r: HistoricAdvocate) => T) => rows.map(f);
    const inserted = await this.db.query<{ id: string }>(
      `INSERT INTO advocates (tenant_id, campaign_id, id, customer_id, code, portal_token, generation, created_at, enrolled_by)
       SELECT $1, $2, coalesce(id, gen_random_uuid()), cust, code, token, gen, cr, 'MANUAL'
       FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::int[], $8::timestamptz[]) AS u(id, cust, code, token, gen, cr)
       RETURNING id`,
      [
        tenantId,
        campaignId,
        col((r) => r.id ?? null),
        col((r) => r.customerId),
        col((r) => r.code),
        col((r) => r.portalToken),
        col((r) => r.generation),
        col((r) => r.createdAt),
      ],
    );
    return inserted.map((r) => r.id);
  }

  async codeTaken(tenantId: string, code: string, tx: Sql = this.db): Promise<boolean> {
    const rows = await tx.query(`SELECT 1 FROM advocates WHERE tenant_id = $1 AND lower(code) = lower($2)`, [tenantId, code]);
    return rows.length > 0;
  }

  async findById(tenantId: string, id: string): Promise<Advocate | undefined> {
    const [row] = await this.db.query<AdvocateRow>(`SELECT ${COLUMNS} FROM advocates WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return row && toAdvocate(row);
  }

  async findOne(tenantId: string, campaignId: string, customerId: string, tx: Sql = this.db): Promise<Advocate | undefined> {
    const [row] = await tx.query<AdvocateRow>(
      `SELECT ${COLUMNS} FROM advocates WHERE tenant_id = $1 AND campaign_id = $2 AND customer_id = $3`,
      [tenantId, campaignId, customerId],
    );
    return row && toAdvocate(row);
  }

  async findByIds(tenantId: string, ids: readonly string[]): Promise<Advocate[]> {
    const rows = await this.db.query<AdvocateRow>(`SELECT ${COLUMNS} FROM advocates WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [
      tenantId,
      ids,
    ]);
    return rows.map(toAdvocate);
  }

  /** Advocates for many (campaign, customer) pairs in one query. */
  async findByPairs(tenantId: string, pairs: readonly { campaignId: string; customerId: string }[]): Promise<Advocate[]> {
    const rows = await this.db.query<AdvocateRow>(
      `SELECT ${A_COLUMNS} FROM advocates a
       JOIN unnest($2::uuid[], $3::uuid[]) AS p(campaign_id, customer_id)
         ON a.campaign_id = p.campaign_id AND a.customer_id = p.customer_id
       WHERE a.tenant_id = $1`,
      [tenantId, pairs.map((p) => p.campaignId), pairs.map((p) => p.customerId)],
    );
    return rows.map(toAdvocate);
  }

  /** Oldest first, keyset-paginated on (created_at, id). */
  async page(tenantId: string, campaignId: string, limit: number, after?: { createdAt: string; id: string }): Promise<Advocate[]> {
    const rows = await this.db.query<AdvocateRow>(
      `SELECT ${COLUMNS} FROM advocates
       WHERE tenant_id = $1 AND campaign_id = $2 AND ($3::timestamptz IS NULL OR (created_at, id) > ($3::timestamptz, $4::uuid))
       ORDER BY created_at, id LIMIT $5`,
      [tenantId, campaignId, after?.createdAt ?? null, after?.id ?? null, limit],
    );
    return rows.map(toAdvocate);
  }
}
