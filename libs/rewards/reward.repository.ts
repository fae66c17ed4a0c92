import { Injectable } from '@nestjs/common';
import { minorUnits } from '#libs/common/index.js';
import { Db, type Sql } from '#libs/database/index.js';
import type { RewardRule } from '#libs/campaigns/index.js';
import type { Referral } from '#libs/referrals/index.js';
import type { PlannedReward } from './credit-plan.js';
import { REWARD_COLUMNS, toReward, type Reward, type RewardRow, type RewardStatus } from './reward.js';

const R_COLUMNS = REWARD_COLUMNS.split(',')
  .map((c) => `r.${c.trim()}`)
  .join(', ');

export interface Payout {
  id: string;
  advocateId: string;
  amount: number;
  currency: string;
  reference: string;
}

/** A reward of the past, loaded as it was (an import, or a generated history for tests and benchmarks). */
export interface HistoricReward {
  referralId: string;
  advocateId: string;
  kind: 'ADVOCATE' | 'FRIEND';
  beneficiaryId: string;
  amount: number;
  reversedAmount: number;
  currency: string;
  rule: RewardRule;
  orderId: string | null;
  createdAt: Date;
}

/** The one writer of `rewards` and `payouts`. */
@Injectable()
export class RewardRepository {
  constructor(private readonly db: Db) {}

  /**
   * Loads rewards of the past in one statement (PENDING, or REVERSED when reversed in full), with
   * their own times; the ledger is not touched: imported history has its own books.
   */
  async importHistory(tenantId: string, campaignId: string, rows: readonly HistoricReward[]): Promise<void> {
    const col = <T>(f: (r: HistoricReward) => T) => rows.map(f);
    await this.db.execute(
      `INSERT INTO rewards (tenant_id, campaign_id, referral_id, advocate_id, beneficiary_type, beneficiary_id, kind, amount, reversed_amount,
         currency, status, rule, order_id, available_at, created_at)
       SELECT $1, $2, ref, adv, CASE WHEN kind = 'ADVOCATE' THEN 'advocate' ELSE 'customer' END, ben, kind, amt, rev, cur,
         CASE WHEN rev >= amt THEN 'REVERSED' ELSE 'PENDING' END, rule, ord, cr + interval '30 days', cr
       FROM unnest($3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::jsonb[], $11::text[],
         $12::timestamptz[]) AS u(ref, adv, ben, kind, amt, rev, cur, rule, ord, cr)`,
      [
        tenantId,
        campaignId,
        col((r) => r.referralId),
        col((r) => r.advocateId),
        col((r) => r.beneficiaryId),
        col((r) => r.kind),
        col((r) => r.amount),
        col((r) => r.reversedAmount),
        col((r) => r.currency),
        col((r) => JSON.stringify(r.rule)),
        col((r) => r.orderId),
        col((r) => r.createdAt),
      ],
    );
  }

  /** The referral's rewards that hold money now (not superseded), locked. */
  async liveOf(tx: Sql, tenantId: string, referralId: string): Promise<Reward[]> {
    const rows = await tx.query<RewardRow>(
      `SELECT ${REWARD_COLUMNS} FROM rewards WHERE tenant_id = $1 AND referral_id = $2 AND superseded_at IS NULL ORDER BY kind FOR UPDATE`,
      [tenantId, referralId],
    );
    return rows.map(toReward);
  }

  /** Inserts a PENDING reward unless the referral has a live one of that kind (a replay): undefined then. */
  async insert(tx: Sql, referral: Referral, p: PlannedReward, availableAt: Date): Promise<Reward | undefined> {
    const [row] = await tx.query<RewardRow>(
      `INSERT INTO rewards (tenant_id, referral_id, campaign_id, advocate_id, beneficiary_type, beneficiary_id, kind, amount, currency,
         status, rule, order_id, available_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'PENDING', $10, $11, $12)
       ON CONFLICT (referral_id, kind) WHERE superseded_at IS NULL DO NOTHING RETURNING ${REWARD_COLUMNS}`,
      [
        referral.tenantId,
        referral.id,
        referral.campaignId,
        referral.advocateId,
        p.beneficiary.type,
        p.beneficiary.id,
        p.kind,
        p.amount,
        p.currency,
        JSON.stringify(p.rule),
        referral.orderId,
        availableAt,
      ],
    );
    return row && toReward(row);
  }

  async setReversed(tx: Sql, id: string, reversedAmount: number, status: RewardStatus, superseded: boolean): Promise<void> {
    await tx.execute(
      `UPDATE rewards SET reversed_amount = $2, status = $3, superseded_at = CASE WHEN $4 THEN now() ELSE superseded_at END, updated_at = now()
       WHERE id = $1`,
      [id, reversedAmount, status, superseded],
    );
  }

  async markAvailable(tx: Sql, id: string): Promise<void> {
    await tx.execute(`UPDATE rewards SET status = 'AVAILABLE', updated_at = now() WHERE id = $1 AND status = 'PENDING'`, [id]);
  }

  /** Due PENDING rewards of referrals that are not waiting for a review decision, locked (others skip them). */
  async dueForRelease(tx: Sql, now: Date, limit: number): Promise<Reward[]> {
    const rows = await tx.query<RewardRow>(
      `SELECT ${R_COLUMNS} FROM rewards r JOIN referrals f ON f.id = r.referral_id
       WHERE r.status = 'PENDING' AND r.available_at <= $1
         AND NOT (f.risk_decision = 'REVIEW' AND f.reviewed_at IS NULL)
         AND f.status IN ('CONVERTED', 'APPROVED', 'REVERSED')
       ORDER BY r.available_at LIMIT $2 FOR UPDATE OF r SKIP LOCKED`,
      [now, limit],
    );
    return rows.map(toReward);
  }

  /** Serialises the cap check of one advocate in one campaign (transaction-scoped). */
  async lockCap(tx: Sql, tenantId: string, campaignId: string, advocateId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1 || ':cap:' || $2 || ':' || $3, 0))`, [
      tenantId,
      campaignId,
      advocateId,
    ]);
  }

  /** What the advocate has earned in the campaign, net of reversals. */
  async advocateEarned(tx: Sql, tenantId: string, campaignId: string, advocateId: string, currency: string): Promise<number> {
    const [row] = await tx.query<{ sum: string }>(
      `SELECT coalesce(sum(amount - reversed_amount), 0)::text AS sum FROM rewards
       WHERE tenant_id = $1 AND advocate_id = $2 AND campaign_id = $3 AND kind = 'ADVOCATE' AND currency = $4`,
      [tenantId, advocateId, campaignId, currency],
    );
    return minorUnits(row!.sum);
  }

  /** Marks the oldest available rewards PAID as far as the paid total covers them. */
  async markPaid(tx: Sql, tenantId: string, advocateId: string, currency: string): Promise<void> {
    await tx.execute(
      `WITH paid AS (
         SELECT coalesce(sum(amount), 0) AS total FROM payouts WHERE tenant_id = $1 AND advocate_id = $2 AND currency = $3
       ), ordered AS (
         SELECT id, sum(amount - reversed_amount) OVER (ORDER BY available_at, id) AS running
         FROM rewards WHERE tenant_id = $1 AND advocate_id = $2 AND currency = $3 AND kind = 'ADVOCATE' AND status IN ('AVAILABLE', 'PAID')
       )
       UPDATE rewards r SET status = 'PAID', updated_at = now() FROM ordered, paid
       WHERE r.id = ordered.id AND r.status = 'AVAILABLE' AND ordered.running <= paid.total`,
      [tenantId, advocateId, currency],
    );
  }

  async reversedByAdvocate(
    tenantId: string,
    advocateIds: readonly string[],
  ): Promise<{ advocateId: string; currency: string; reversed: number }[]> {
    const rows = await this.db.query<{ advocate_id: string; currency: string; sum: string }>(
      `SELECT advocate_id, currency, sum(reversed_amount)::text AS sum FROM rewards
       WHERE tenant_id = $1 AND advocate_id = ANY($2::uuid[]) AND kind = 'ADVOCATE' GROUP BY advocate_id, currency`,
      [tenantId, advocateIds],
    );
    return rows.map((r) => ({ advocateId: r.advocate_id, currency: r.currency, reversed: minorUnits(r.sum) }));
  }

  async listForAdvocate(tenantId: string, advocateId: string): Promise<Reward[]> {
    const rows = await this.db.query<RewardRow>(
      `SELECT ${REWARD_COLUMNS} FROM rewards WHERE tenant_id = $1 AND advocate_id = $2 AND kind = 'ADVOCATE' ORDER BY created_at, id`,
      [tenantId, advocateId],
    );
    return rows.map(toReward);
  }

  /** One page of the advocate's own rewards, oldest first. */
  async pageForAdvocate(
    tenantId: string,
    advocateId: string,
    first: number,
    after?: [string, string],
  ): Promise<{ items: Reward[]; hasNextPage: boolean }> {
    const rows = await this.db.query<RewardRow>(
      `SELECT ${REWARD_COLUMNS} FROM rewards WHERE tenant_id = $1 AND advocate_id = $2 AND kind = 'ADVOCATE'
         AND ($3::timestamptz IS NULL OR (created_at, id) > ($3::timestamptz, $4::uuid))
       ORDER BY created_at, id LIMIT $5`,
      [tenantId, advocateId, after?.[0] ?? null, after?.[1] ?? null, first + 1],
    );
    return { items: rows.slice(0, first).map(toReward), hasNextPage: rows.length > first };
  }

  async forReferrals(tenantId: string, referralIds: readonly string[]): Promise<Reward[]> {
    const rows = await this.db.query<RewardRow>(
      `SELECT ${REWARD_COLUMNS} FROM rewards WHERE tenant_id = $1 AND referral_id = ANY($2::uuid[]) ORDER BY kind, created_at`,
      [tenantId, referralIds],
    );
    return rows.map(toReward);
  }

  async findPayout(tx: Sql, tenantId: string, reference: string): Promise<Payout | undefined> {
    const [row] = await tx.query<{ id: string; advocate_id: string; amount: string; currency: string; reference: string }>(
      `SELECT id, advocate_id, amount, currency, reference FROM payouts WHERE tenant_id = $1 AND reference = $2`,
      [tenantId, reference],
    );
    return (
      row && { id: row.id, advocateId: row.advocate_id, amount: minorUnits(row.amount), currency: row.currency, reference: row.reference }
    );
  }

  /** Inserts a payout; undefined when the reference was taken meanwhile (a concurrent call with it). */
  async insertPayout(tx: Sql, tenantId: string, p: Omit<Payout, 'id'>): Promise<Payout | undefined> {
    const [row] = await tx.query<{ id: string }>(
      `INSERT INTO payouts (tenant_id, advocate_id, amount, currency, reference) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, reference) DO NOTHING RETURNING id`,
      [tenantId, p.advocateId, p.amount, p.currency, p.reference],
    );
    return row && { id: row.id, ...p };
  }
}
