import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1700000000000 implements MigrationInterface {
  name = 'Foundation1700000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        prefix text NOT NULL,
        key_hash bytea NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id, created_at)`);
    await q.query(`
      CREATE TABLE campaigns (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        slug text NOT NULL,
        status text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT','ACTIVE','PAUSED','ENDED')),
        destination_url text NOT NULL,
        message jsonb NOT NULL,
        channels text[] NOT NULL,
        custom_channels jsonb NOT NULL DEFAULT '[]',
        eligibility jsonb NOT NULL,
        advocate_reward jsonb NOT NULL,
        friend_incentive jsonb,
        attribution_window_days integer NOT NULL,
        attribution_model text NOT NULL CHECK (attribution_model IN ('FIRST_CLICK','LAST_CLICK')),
        hold_days integer NOT NULL,
        budget_amount bigint,
        budget_currency text,
        advocate_cap_amount bigint,
        advocate_cap_currency text,
        max_conversions_per_advocate_per_day integer,
        risk_review_threshold integer NOT NULL DEFAULT 40,
        risk_block_threshold integer NOT NULL DEFAULT 80,
        -- millisecond precision, so keyset cursors round-trip through JavaScript dates
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, slug)
      )`);
    await q.query(`CREATE INDEX campaigns_tenant_page_idx ON campaigns (tenant_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX campaigns_tenant_status_idx ON campaigns (tenant_id, status)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE campaigns`);
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE tenants`);
  }
}
