import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Webhooks1700000000300 implements MigrationInterface {
  name = 'Webhooks1700000000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        url text NOT NULL,
        events text[] NOT NULL,
        -- AES-256-GCM under a key derived from SECRET_KEY (libs/common/crypto.ts); never plaintext
        secret_sealed text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        -- one worker at a time delivers an endpoint's events, in order; the lease expires if it dies
        lease_token uuid,
        lease_until timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        deleted_at timestamptz(3)
      )`);
    await q.query(`CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id, created_at) WHERE deleted_at IS NULL`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- delivery order per endpoint (dispatch is serialised, so this follows the outbox order)
        seq bigserial NOT NULL UNIQUE,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id),
        outbox_id uuid NOT NULL REFERENCES outbox(id),
        replay_of uuid REFERENCES webhook_deliveries(id),
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
        last_status_code integer,
        last_response_ms integer,
        last_error text,
        delivered_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // Re-dispatching an event never creates a second delivery; replays are rows of their own.
    await q.query(`CREATE UNIQUE INDEX webhook_deliveries_once_idx ON webhook_deliveries (endpoint_id, outbox_id) WHERE replay_of IS NULL`);
    await q.query(`CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (endpoint_id, seq) WHERE status = 'PENDING'`);
    await q.query(`CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (tenant_id, endpoint_id, seq)`);
    await q.query(`
      CREATE TABLE webhook_attempts (
        id bigserial PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id),
        attempted_at timestamptz(3) NOT NULL DEFAULT now(),
        status_code integer,
        response_ms integer NOT NULL,
        response_body text,
        error text
      )`);
    await q.query(`CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id)`);
    // Wakes the dispatcher on commit (NOTIFY is transactional), without Redis and without callers' help.
    await q.query(`
      CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('outbox', '');
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER outbox_notify ON outbox`);
    await q.query(`DROP FUNCTION outbox_notify()`);
    await q.query(`DROP TABLE webhook_attempts`);
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhook_endpoints`);
  }
}
