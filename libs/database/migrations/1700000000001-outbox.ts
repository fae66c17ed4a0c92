import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Outbox1700000000001 implements MigrationInterface {
  name = 'Outbox1700000000001';

  async up(q: QueryRunner): Promise<void> {
    // Outbound events, written in the same transaction as the change they announce.
    await q.query(`
      CREATE TABLE outbox (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigserial NOT NULL UNIQUE,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        type text NOT NULL,
        data jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        dispatched_at timestamptz
      )`);
    await q.query(`CREATE INDEX outbox_undispatched_idx ON outbox (seq) WHERE dispatched_at IS NULL`);
    await q.query(`CREATE INDEX outbox_tenant_idx ON outbox (tenant_id, seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE outbox`);
  }
}
