import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Analytics1700000000500 implements MigrationInterface {
  name = 'Analytics1700000000500';

  async up(q: QueryRunner): Promise<void> {
    // Reward cost of a campaign over a period (campaignStats.rewardCost).
    await q.query(
      `CREATE INDEX rewards_campaign_idx ON rewards (tenant_id, campaign_id, created_at) INCLUDE (amount, reversed_amount, currency)`,
    );
    // Conversions of a campaign over a period, and per advocate (leaderboard, generations).
    await q.query(
      `CREATE INDEX referrals_campaign_converted_idx ON referrals (tenant_id, campaign_id, converted_at) INCLUDE (advocate_id, referred_customer_id)
       WHERE status IN ('CONVERTED', 'APPROVED')`,
    );
    // First answers to "did it match what you were told?" (promiseKeptRate).
    await q.query(
      `CREATE INDEX feedback_expectation_idx ON feedback (tenant_id, customer_id, occurred_at) INCLUDE (expectation_met) WHERE expectation_met IS NOT NULL`,
    );
    // Stated channel preferences (channelReport).
    await q.query(
      `CREATE INDEX feedback_preferred_idx ON feedback (tenant_id) INCLUDE (customer_id, preferred_channels) WHERE preferred_channels IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX feedback_preferred_idx`);
    await q.query(`DROP INDEX feedback_expectation_idx`);
    await q.query(`DROP INDEX referrals_campaign_converted_idx`);
    await q.query(`DROP INDEX rewards_campaign_idx`);
  }
}
