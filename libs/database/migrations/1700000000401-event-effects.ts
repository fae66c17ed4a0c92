import type { MigrationInterface, QueryRunner } from 'typeorm';

export class EventEffects1700000000401 implements MigrationInterface {
  name = 'EventEffects1700000000401';

  async up(q: QueryRunner): Promise<void> {
    // One row per event whose effect (attribution, refund, share) was applied, written in the same
    // transaction as the effect: events are append-only, and a sweeper finds what was never applied.
    await q.query(`
      CREATE TABLE event_effects (
        event_uuid uuid PRIMARY KEY REFERENCES events(id),
        tenant_id uuid NOT NULL,
        outcome text,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX events_effectful_idx ON events (received_at) WHERE type IN ('signup', 'purchase', 'refund', 'share')`);
    // The advocate's own browsers: visitors of their share page (fraud: advocates clicking their own link).
    await q.query(`
      CREATE TABLE portal_visits (
        tenant_id uuid NOT NULL,
        advocate_id uuid NOT NULL REFERENCES advocates(id),
        visitor_id text NOT NULL,
        ip_hash text,
        ua_class text,
        seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (advocate_id, visitor_id)
      )`);
    await q.query(`CREATE INDEX portal_visits_visitor_idx ON portal_visits (tenant_id, visitor_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE portal_visits`);
    await q.query(`DROP INDEX events_effectful_idx`);
    await q.query(`DROP TABLE event_effects`);
  }
}
