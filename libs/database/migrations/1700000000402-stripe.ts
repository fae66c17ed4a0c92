import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Stripe1700000000402 implements MigrationInterface {
  name = 'Stripe1700000000402';

  async up(q: QueryRunner): Promise<void> {
    // Sealed (AES-256-GCM under SECRET_KEY): a database dump never shows the signing secret.
    await q.query(`ALTER TABLE tenants ADD COLUMN stripe_webhook_secret_sealed text`);
    // Stripe reports a charge's refunded total so far; such refunds are not added up.
    await q.query(`ALTER TABLE pending_refunds ADD COLUMN cumulative boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE pending_refunds DROP COLUMN cumulative`);
    await q.query(`ALTER TABLE tenants DROP COLUMN stripe_webhook_secret_sealed`);
  }
}
