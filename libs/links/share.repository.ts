import { Injectable } from '@nestjs/common';
import { Db, type Sql } from '#libs/database/index.js';

export type ShareSource = 'page' | 'event';

@Injectable()
export class ShareRepository {
  constructor(private readonly db: Db) {}

  /** Inserts a share of the tenant's advocate; false when there is no such advocate. */
  async insert(
    tx: Sql | undefined,
    tenantId: string,
    advocateId: string,
    channel: string,
    occurredAt: Date,
    source: ShareSource,
  ): Promise<boolean> {
    const n = await (tx ?? this.db).execute(
      `INSERT INTO shares (tenant_id, advocate_id, campaign_id, channel, source, occurred_at)
       SELECT a.tenant_id, a.id, a.campaign_id, $3, $4, $5 FROM advocates a WHERE a.tenant_id = $1 AND a.id = $2`,
      [tenantId, advocateId, channel, source, occurredAt],
    );
    return n > 0;
  }

  /** A share by each of the customer's advocates (or only the one of `campaignId`); returns how many. */
  async insertForCustomer(
    tx: Sql,
    tenantId: string,
    customerId: string,
    campaignId: string | null,
    channel: string,
    occurredAt: Date,
    source: ShareSource,
  ): Promise<number> {
    return tx.execute(
      `INSERT INTO shares (tenant_id, advocate_id, campaign_id, channel, source, occurred_at)
       SELECT a.tenant_id, a.id, a.campaign_id, $4, $5, $6 FROM advocates a
       WHERE a.tenant_id = $1 AND a.customer_id = $2 AND ($3::uuid IS NULL OR a.campaign_id = $3)`,
      [tenantId, customerId, campaignId, channel, source, occurredAt],
    );
  }

  /** Loads shares of the past in one statement (an import, or a generated history for tests and benchmarks). */
  async importHistory(
    tenantId: string,
    campaignId: string,
    rows: readonly { advocateId: string; channel: string; at: Date; source: ShareSource }[],
  ): Promise<void> {
    await this.db.execute(
      `INSERT INTO shares (tenant_id, campaign_id, advocate_id, channel, source, occurred_at)
       SELECT $1, $2, adv, ch, src, at FROM unnest($3::uuid[], $4::text[], $5::text[], $6::timestamptz[]) AS u(adv, ch, src, at)`,
      [tenantId, campaignId, rows.map((r) => r.advocateId), rows.map((r) => r.channel), rows.map((r) => r.source), rows.map((r) => r.at)],
    );
  }

  async countByAdvocate(tenantId: string, advocateId: string): Promise<number> {
    const row = await this.db.one<{ n: string }>(`SELECT count(*) AS n FROM shares WHERE tenant_id = $1 AND advocate_id = $2`, [
      tenantId,
      advocateId,
    ]);
    return Number(row?.n ?? 0);
  }
}
