import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Moments1700000000100 implements MigrationInterface {
  name = 'Moments1700000000100';

  async up(q: QueryRunner): Promise<void> {
    // Customer events as the sender gave them; later work attributes signups, purchases, refunds
    // and shares from these rows, so every field is kept.
    await q.query(`
      CREATE TABLE events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        -- the sender's idempotency id
        event_id text NOT NULL,
        type text NOT NULL CHECK (type IN ('signup','purchase','first_use','milestone','refund','share')),
        customer_id uuid NOT NULL REFERENCES customers(id),
        occurred_at timestamptz(3) NOT NULL,
        email text,
        name text,
        visitor_id text,
        referral_code text,
        coupon_code text,
        order_id text,
        amount bigint,
        currency text,
        channel text,
        properties jsonb NOT NULL DEFAULT '{}',
        source text NOT NULL,
        received_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, event_id)
      )`);
    await q.query(`CREATE INDEX events_customer_idx ON events (tenant_id, customer_id, occurred_at)`);
    await q.query(`CREATE INDEX events_type_idx ON events (tenant_id, type, occurred_at)`);
    await q.query(`CREATE INDEX events_order_idx ON events (tenant_id, order_id) WHERE order_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE feedback (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        feedback_id text NOT NULL,
        customer_id uuid NOT NULL REFERENCES customers(id),
        occurred_at timestamptz(3) NOT NULL,
        nps smallint CHECK (nps BETWEEN 0 AND 10),
        csat smallint CHECK (csat BETWEEN 1 AND 5),
        expectation_met boolean,
        comment text,
        preferred_channels text[],
        source text NOT NULL,
        received_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, feedback_id)
      )`);
    await q.query(`CREATE INDEX feedback_customer_idx ON feedback (tenant_id, customer_id, occurred_at)`);

    // History is never edited: events and feedback are append-only.
    await q.query(`
      CREATE FUNCTION moments_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'raise_exception';
      END $$`);
    await q.query(
      `CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION moments_refuse_change()`,
    );
    await q.query(
      `CREATE TRIGGER feedback_append_only BEFORE UPDATE OR DELETE ON feedback FOR EACH ROW EXECUTE FUNCTION moments_refuse_change()`,
    );

    await q.query(`
      ALTER TABLE customers
        ADD COLUMN delight_score smallint,
        ADD COLUMN delight_reasons text[] NOT NULL DEFAULT '{}',
        ADD COLUMN delight_scored_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customers DROP COLUMN delight_score, DROP COLUMN delight_reasons, DROP COLUMN delight_scored_at`);
    await q.query(`DROP TABLE feedback`);
    await q.query(`DROP TABLE events`);
    await q.query(`DROP FUNCTION moments_refuse_change()`);
  }
}
