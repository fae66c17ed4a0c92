import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conversions that do not depend on timing or order (issue 12): referrals re-derived from a
 * customer's events carry a version that rewards follow; rewards keep the rule that credited them
 * and the order that earned them; payout references are unique per tenant; the click flush
 * publishes a watermark that attribution waits for.
 */
export class Conversions1700000000600 implements MigrationInterface {
  name = 'Conversions1700000000600';

  async up(q: QueryRunner): Promise<void> {
    // `version` grows with every change the rewards must follow (conversion, refund, rejection,
    // re-attribution); `rewards_version` is the version the rewards were last brought to.
    await q.query(`ALTER TABLE referrals ADD COLUMN version integer NOT NULL DEFAULT 1`);
    await q.query(`ALTER TABLE referrals ADD COLUMN rewards_version integer NOT NULL DEFAULT 0`);
    // Risk assessments by (event, advocate, stage), so a referral derived again is judged as it was.
    await q.query(`ALTER TABLE referrals ADD COLUMN assessments jsonb NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE referrals ADD COLUMN converting_event_id text`);
    // Crediting runs once per basis (advocate and converting order): credited, or refused with a reason.
    await q.query(`ALTER TABLE referrals ADD COLUMN credited_basis text`);
    await q.query(`
      UPDATE referrals f SET credited_basis = f.advocate_id || ':' || coalesce(f.order_id, '')
      WHERE f.reward_blocked_reason IS NOT NULL OR EXISTS (SELECT 1 FROM rewards r WHERE r.referral_id = f.id)`);
    await q.query(`
      UPDATE referrals f SET rewards_version = 1
      WHERE f.status NOT IN ('CONVERTED', 'APPROVED') OR f.reward_blocked_reason IS NOT NULL
         OR EXISTS (SELECT 1 FROM rewards r WHERE r.referral_id = f.id)`);
    await q.query(`DROP INDEX referrals_uncredited_idx`);
    await q.query(`CREATE INDEX referrals_unsynced_idx ON referrals (updated_at) WHERE rewards_version < version`);
    await q.query(`CREATE INDEX referrals_customer_idx ON referrals (tenant_id, referred_customer_id)`);

    // The rule a reward was credited by (a reversal follows it, not the campaign's current one),
    // and the order that earned it. A reward whose basis changed is superseded: reversed in full,
    // and no longer the live reward of its referral and kind.
    await q.query(`ALTER TABLE rewards ADD COLUMN rule jsonb`);
    await q.query(`
      UPDATE rewards r SET rule = CASE WHEN r.kind = 'ADVOCATE' THEN c.advocate_reward ELSE coalesce(c.friend_incentive, c.advocate_reward) END
      FROM campaigns c WHERE c.id = r.campaign_id`);
    await q.query(`ALTER TABLE rewards ALTER COLUMN rule SET NOT NULL`);
    await q.query(`ALTER TABLE rewards ADD COLUMN order_id text`);
    await q.query(`UPDATE rewards r SET order_id = f.order_id FROM referrals f WHERE f.id = r.referral_id`);
    await q.query(`ALTER TABLE rewards ADD COLUMN superseded_at timestamptz`);
    await q.query(`ALTER TABLE rewards DROP CONSTRAINT rewards_referral_id_kind_key`);
    await q.query(`CREATE UNIQUE INDEX rewards_live_idx ON rewards (referral_id, kind) WHERE superseded_at IS NULL`);

    // Every refund of an order, kept; the refunded total is computed from them whenever needed.
    await q.query(`ALTER TABLE pending_refunds RENAME TO refunds`);
    await q.query(`ALTER TABLE refunds DROP COLUMN applied_at`);

    // A payout reference identifies one payout of the tenant: reused for another advocate, amount
    // or currency it is a conflict. References an older version allowed twice are told apart first.
    await q.query(`
      UPDATE payouts p SET reference = p.reference || ' (' || p.advocate_id || ')'
      WHERE EXISTS (SELECT 1 FROM payouts o WHERE o.tenant_id = p.tenant_id AND o.reference = p.reference AND o.id <> p.id)`);
    await q.query(`ALTER TABLE payouts DROP CONSTRAINT payouts_tenant_id_advocate_id_reference_key`);
    await q.query(`ALTER TABLE payouts ADD CONSTRAINT payouts_reference_key UNIQUE (tenant_id, reference)`);

    // Every click that happened before the watermark is in PostgreSQL (see ClickFlusher).
    await q.query(`
      CREATE TABLE click_watermarks (
        stream text PRIMARY KEY,
        watermark timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // Signups and purchases waiting for the watermark, and those a late click concerns.
    await q.query(
      `CREATE INDEX events_visitor_idx ON events (tenant_id, visitor_id, occurred_at) WHERE visitor_id IS NOT NULL AND type IN ('signup', 'purchase')`,
    );
    await q.query(
      `CREATE INDEX events_waiting_idx ON events (occurred_at) WHERE visitor_id IS NOT NULL AND type IN ('signup', 'purchase')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX events_waiting_idx`);
    await q.query(`DROP INDEX events_visitor_idx`);
    await q.query(`DROP TABLE click_watermarks`);
    await q.query(`ALTER TABLE payouts DROP CONSTRAINT payouts_reference_key`);
    await q.query(
      `ALTER TABLE payouts ADD CONSTRAINT payouts_tenant_id_advocate_id_reference_key UNIQUE (tenant_id, advocate_id, reference)`,
    );
    await q.query(`ALTER TABLE refunds ADD COLUMN applied_at timestamptz`);
    await q.query(`ALTER TABLE refunds RENAME TO pending_refunds`);
    await q.query(`DROP INDEX rewards_live_idx`);
    await q.query(`ALTER TABLE rewards ADD CONSTRAINT rewards_referral_id_kind_key UNIQUE (referral_id, kind)`);
    await q.query(`ALTER TABLE rewards DROP COLUMN superseded_at, DROP COLUMN order_id, DROP COLUMN rule`);
    await q.query(`DROP INDEX referrals_customer_idx`);
    await q.query(`DROP INDEX referrals_unsynced_idx`);
    await q.query(`CREATE INDEX referrals_uncredited_idx ON referrals (updated_at) WHERE status IN ('CONVERTED', 'APPROVED')`);
    await q.query(
      `ALTER TABLE referrals DROP COLUMN credited_basis, DROP COLUMN converting_event_id, DROP COLUMN assessments, DROP COLUMN rewards_version, DROP COLUMN version`,
    );
  }
}
