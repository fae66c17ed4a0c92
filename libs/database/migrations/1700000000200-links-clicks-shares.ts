import type { MigrationInterface, QueryRunner } from 'typeorm';
import { clickPartitionsDdl } from '../click-partitions.js';

export class LinksClicksShares1700000000200 implements MigrationInterface {
  name = 'LinksClicksShares1700000000200';

  async up(q: QueryRunner): Promise<void> {
    // `/r/:code` carries no tenant, so a code must resolve across tenants: unique everywhere.
    await q.query(`DROP INDEX IF EXISTS advocates_code_idx`);
    await q.query(`CREATE UNIQUE INDEX advocates_code_global_idx ON advocates (lower(code))`);

    // Click history, one partition per month; the primary key includes the partition key, as
    // PostgreSQL requires, and makes a re-flushed click (same id and time) a no-op.
    await q.query(`
      CREATE TABLE clicks (
        id uuid NOT NULL,
        occurred_at timestamptz(3) NOT NULL,
        tenant_id uuid NOT NULL,
        advocate_id uuid NOT NULL,
        campaign_id uuid NOT NULL,
        channel text NOT NULL,
        visitor_id text NOT NULL,
        -- HMAC-SHA256 of the IP with a key derived from SECRET_KEY; never the raw IP
        ip_hash text,
        ua_class text NOT NULL,
        referrer_host text,
        kind text NOT NULL CHECK (kind IN ('human', 'bot', 'preview')),
        -- false when the campaign was not ACTIVE at the time of the click
        active boolean NOT NULL,
        PRIMARY KEY (id, occurred_at)
      ) PARTITION BY RANGE (occurred_at)`);
    await q.query(`CREATE INDEX clicks_visitor_idx ON clicks (tenant_id, visitor_id, occurred_at)`);
    await q.query(`CREATE INDEX clicks_campaign_idx ON clicks (tenant_id, campaign_id, occurred_at)`);
    await q.query(`CREATE INDEX clicks_advocate_idx ON clicks (tenant_id, advocate_id, occurred_at)`);
    // A safety net for clicks outside every monthly partition; the maintenance job moves them out.
    await q.query(`CREATE TABLE clicks_default PARTITION OF clicks DEFAULT`);
    const now = new Date();
    for (let i = 0; i < 3; i++) await q.query(clickPartitionsDdl(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1))));

    await q.query(`
      CREATE TABLE shares (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        advocate_id uuid NOT NULL REFERENCES advocates(id),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        channel text NOT NULL,
        -- 'page' (share page button) or 'event' (a share event sent by the brand)
        source text NOT NULL,
        occurred_at timestamptz(3) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX shares_advocate_idx ON shares (tenant_id, advocate_id, occurred_at)`);
    await q.query(`CREATE INDEX shares_campaign_idx ON shares (tenant_id, campaign_id, occurred_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE shares`);
    await q.query(`DROP TABLE clicks`);
    await q.query(`DROP INDEX advocates_code_global_idx`);
    await q.query(`CREATE UNIQUE INDEX advocates_code_idx ON advocates (tenant_id, lower(code))`);
  }
}
