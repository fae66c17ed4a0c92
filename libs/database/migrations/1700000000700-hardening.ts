import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Hardening1700000000700 implements MigrationInterface {
  name = 'Hardening1700000000700';

  async up(q: QueryRunner): Promise<void> {
    // Keys had every power: each existing key keeps it (ADMIN). New keys name their scopes.
    await q.query(`
      ALTER TABLE api_keys
        ADD COLUMN scopes text[] NOT NULL DEFAULT '{ADMIN}'
          CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY['ADMIN', 'WRITE', 'READ']),
        ADD COLUMN expires_at timestamptz(3),
        ADD COLUMN last_used_at timestamptz(3),
        -- millisecond precision, so keyset cursors round-trip through JavaScript dates
        ALTER COLUMN created_at TYPE timestamptz(3)`);
    await q.query(`ALTER TABLE api_keys ALTER COLUMN scopes DROP DEFAULT`);

    // Who changed settings or money, and when. Append-only, like events and the ledger.
    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        at timestamptz(3) NOT NULL DEFAULT now(),
        api_key_id uuid NOT NULL REFERENCES api_keys(id),
        api_key_name text NOT NULL,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id text,
        details jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX audit_log_tenant_idx ON audit_log (tenant_id, id DESC)`);
    await q.query(`CREATE INDEX audit_log_tenant_action_idx ON audit_log (tenant_id, action, id DESC)`);
    await q.query(
      `CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION moments_refuse_change()`,
    );
    await q.query(
      `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION moments_refuse_change()`,
    );

    // A rotated webhook secret keeps signing beside the new one until the grace period ends.
    await q.query(`
      ALTER TABLE webhook_endpoints
        ADD COLUMN previous_secret_sealed text,
        ADD COLUMN previous_secret_until timestamptz(3)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_endpoints DROP COLUMN previous_secret_sealed, DROP COLUMN previous_secret_until`);
    await q.query(`DROP TABLE audit_log`);
    await q.query(`ALTER TABLE api_keys DROP COLUMN scopes, DROP COLUMN expires_at, DROP COLUMN last_used_at`);
  }
}
