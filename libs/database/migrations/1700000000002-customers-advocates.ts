import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CustomersAdvocates1700000000002 implements MigrationInterface {
  name = 'CustomersAdvocates1700000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        external_id text NOT NULL,
        email text,
        -- lower-cased; gmail dots and +tags removed: the same person under another spelling
        email_normalized text,
        name text,
        first_use_at timestamptz,
        referred_by_advocate_id uuid,
        generation integer NOT NULL DEFAULT 0,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, external_id)
      )`);
    await q.query(`CREATE INDEX customers_email_idx ON customers (tenant_id, email_normalized)`);
    await q.query(`
      CREATE TABLE advocates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        customer_id uuid NOT NULL REFERENCES customers(id),
        -- short share code, unique per tenant (vanity codes included)
        code text NOT NULL,
        -- unguessable token of the advocate's share page (/a/:token)
        portal_token text NOT NULL UNIQUE,
        status text NOT NULL DEFAULT 'ACTIVE',
        generation integer NOT NULL DEFAULT 1,
        enrolled_by text NOT NULL DEFAULT 'AUTO',
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (campaign_id, customer_id)
      )`);
    await q.query(`CREATE UNIQUE INDEX advocates_code_idx ON advocates (tenant_id, lower(code))`);
    await q.query(`CREATE INDEX advocates_campaign_page_idx ON advocates (tenant_id, campaign_id, created_at, id)`);
    await q.query(`CREATE INDEX advocates_customer_idx ON advocates (tenant_id, customer_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE advocates`);
    await q.query(`DROP TABLE customers`);
  }
}
