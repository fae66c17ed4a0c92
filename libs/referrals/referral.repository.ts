import { Injectable } from '@nestjs/common';
import { Db, type Sql } from '#libs/database/index.js';
import type { RiskAssessment } from '#libs/fraud/index.js';
import { REFERRAL_COLUMNS, toReferral, type AttributedBy, type Referral, type ReferralRow } from './referral.js';
import { REFERRAL_STATUSES, assertMove, type ReferralCause, type ReferralStatus } from './referral-lifecycle.js';
import type { RefundRecord } from './refunds.js';

export interface NewReferral {
  campaignId: string;
  advocateId: string;
  referredCustomerId: string;
  status: ReferralStatus;
  attributedBy: AttributedBy;
  visitorId: string | null;
  sourceEventId: string | null;
  rejectedReason: string | null;
  risk: RiskAssessment | null;
  assessments: Record<string, RiskAssessment>;
  conversion: ConversionFields | null;
}

export interface ConversionFields {
  convertingEventId: string;
  orderId: string;
  amount: number;
  currency: string;
  convertedAt: Date;
  cardFingerprint: string | null;
  refundedAmount: number;
}

/** A referral of the past, loaded as it was (an import, or a generated history for tests and benchmarks). */
export interface HistoricReferral {
  id?: string;
  advocateId: string;
  referredCustomerId: string;
  status: ReferralStatus;
  attributedBy: AttributedBy;
  visitorId: string | null;
  orderId: string | null;
  amount: number | null;
  currency: string | null;
  refundedAmount: number;
  convertedAt: Date | null;
  createdAt: Date;
  riskDecision: 'ALLOW' | 'REVIEW' | 'BLOCK';
  /** Left for the worker to credit (a benchmark's load); otherwise its rewards are loaded with it. */
  toCredit?: boolean;
}

/** The columns a change may set, by field name. */
const SETTABLE = {
  advocateId: 'advocate_id',
  status: 'status',
  attributedBy: 'attributed_by',
  visitorId: 'visitor_id',
  sourceEventId: 'source_event_id',
  convertingEventId: 'converting_event_id',
  orderId: 'order_id',
  amount: 'amount',
  currency: 'currency',
  convertedAt: 'converted_at',
  cardFingerprint: 'card_fingerprint',
  refundedAmount: 'refunded_amount',
  rejectedReason: 'rejected_reason',
  riskScore: 'risk_score',
  riskDecision: 'risk_decision',
  riskReasons: 'risk_reasons',
  assessments: 'assessments',
  reviewedBy: 'reviewed_by',
  reviewedAt: 'reviewed_at',
} as const satisfies Partial<Record<keyof Referral, string>>;

export type ReferralChange = Partial<Pick<Referral, keyof typeof SETTABLE>>;

/** Changes the rewards do not follow: a decision that keeps the money where it is. */
const RISK_ONLY: readonly (keyof ReferralChange)[] = [
  'riskScore',
  'riskDecision',
  'riskReasons',
  'assessments',
  'reviewedBy',
  'reviewedAt',
];

const JSON_FIELDS = new Set<keyof ReferralChange>(['riskReasons', 'assessments']);

/** The one writer of `referrals` and `refunds`; every status it writes is checked against the lifecycle. */
@Injectable()
export class ReferralRepository {
  constructor(private readonly db: Db) {}

  async insert(tx: Sql, tenantId: string, r: NewReferral): Promise<Referral> {
    assertMove('NEW', r.status, 'attribution');
    const c = r.conversion;
    const [row] = await tx.query<ReferralRow>(
      `INSERT INTO referrals (tenant_id, campaign_id, advocate_id, referred_customer_id, status, attributed_by, visitor_id, source_event_id,
         rejected_reason, risk_score, risk_decision, risk_reasons, assessments, converting_event_id, order_id, amount, currency,
         converted_at, card_fingerprint, refunded_amount, rewards_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
       RETURNING ${REFERRAL_COLUMNS}`,
      [
        tenantId,
        r.campaignId,
        r.advocateId,
        r.referredCustomerId,
        r.status,
        r.attributedBy,
        r.visitorId,
        r.sourceEventId,
        r.rejectedReason,
        r.risk?.score ?? 0,
        r.risk?.decision ?? 'ALLOW',
        JSON.stringify(r.risk?.reasons ?? []),
        JSON.stringify(r.assessments),
        c?.convertingEventId ?? null,
        c?.orderId ?? null,
        c?.amount ?? null,
        c?.currency ?? null,
        c?.convertedAt ?? null,
        c?.cardFingerprint ?? null,
        c?.refundedAmount ?? 0,
        // A referral without an order has no rewards to bring in line.
        c ? 0 : 1,
      ],
    );
    return toReferral(row!);
  }

  /**
   * Loads referrals of the past in one statement, with their own times. Their rewards are loaded
   * apart (RewardRepository.importHistory); nothing is re-derived or credited.
   */
  async importHistory(tenantId: string, campaignId: string, rows: readonly HistoricReferral[]): Promise<string[]> {
    for (const r of rows) if (!REFERRAL_STATUSES.includes(r.status)) throw new Error(`unknown referral status ${String(r.status)}`);
    const col = <T>(f: (r: HistoricReferral) => T) => rows.map(f);
    const inserted = await this.db.query<{ id: string }>(
      `INSERT INTO referrals (tenant_id, campaign_id, id, advocate_id, referred_customer_id, status, attributed_by, visitor_id, order_id,
         amount, currency, refunded_amount, converted_at, created_at, risk_decision, rewards_version)
       SELECT $1, $2, coalesce(id, gen_random_uuid()), adv, cust, st, by, vis, ord, amt, cur, ref, conv, cr, risk,
         CASE WHEN pending THEN 0 ELSE 1 END
       FROM unnest($3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::text[],
         $12::bigint[], $13::timestamptz[], $14::timestamptz[], $15::text[], $16::boolean[])
         AS u(id, adv, cust, st, by, vis, ord, amt, cur, ref, conv, cr, risk, pending)
       RETURNING id`,
      [
        tenantId,
        campaignId,
        col((r) => r.id ?? null),
        col((r) => r.advocateId),
        col((r) => r.referredCustomerId),
        col((r) => r.status),
        col((r) => r.attributedBy),
        col((r) => r.visitorId),
        col((r) => r.orderId),
        col((r) => r.amount),
        col((r) => r.currency),
        col((r) => r.refundedAmount),
        col((r) => r.convertedAt),
        col((r) => r.createdAt),
        col((r) => r.riskDecision),
        col((r) => r.toCredit ?? false),
      ],
    );
    return inserted.map((r) => r.id);
  }

  /**
   * Applies a change the lifecycle allows for `cause`. Any change but a risk decision raises the
   * version, so the rewards are brought in line (by the job queued after the commit, or the sweeper).
   */
  async update(tx: Sql, current: Referral, change: ReferralChange, cause: ReferralCause): Promise<Referral> {
    if (change.status) assertMove(current.status, change.status, cause);
    const fields = (Object.keys(change) as (keyof ReferralChange)[]).filter((k) => change[k] !== undefined);
    if (fields.length === 0) return current;
    const moneyMoves = fields.some((f) => !RISK_ONLY.includes(f));
    const sets = fields.map((f, i) => `${SETTABLE[f]} = $${i + 3}`);
    const values = fields.map((f) => (JSON_FIELDS.has(f) ? JSON.stringify(change[f]) : change[f]));
    const [row] = await tx.query<ReferralRow>(
      `UPDATE referrals SET ${sets.join(', ')}${moneyMoves ? ', version = version + 1' : ''}, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 RETURNING ${REFERRAL_COLUMNS}`,
      [current.tenantId, current.id, ...values],
    );
    return toReferral(row!);
  }

  /** Every referral of a customer (all campaigns), locked for the transaction. */
  async forCustomer(tx: Sql, tenantId: string, customerId: string): Promise<Referral[]> {
    const rows = await tx.query<ReferralRow>(
      `SELECT ${REFERRAL_COLUMNS} FROM referrals WHERE tenant_id = $1 AND referred_customer_id = $2 ORDER BY created_at, id FOR UPDATE`,
      [tenantId, customerId],
    );
    return rows.map(toReferral);
  }

  async ofCustomer(tenantId: string, customerId: string): Promise<Referral[]> {
    const rows = await this.db.query<ReferralRow>(
      `SELECT ${REFERRAL_COLUMNS} FROM referrals WHERE tenant_id = $1 AND referred_customer_id = $2 ORDER BY created_at, id`,
      [tenantId, customerId],
    );
    return rows.map(toReferral);
  }

  async find(tenantId: string, id: string, tx: Sql = this.db): Promise<Referral | undefined> {
    const [row] = await tx.query<ReferralRow>(`SELECT ${REFERRAL_COLUMNS} FROM referrals WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return row && toReferral(row);
  }

  async lock(tx: Sql, tenantId: string, id: string): Promise<Referral | undefined> {
    const [row] = await tx.query<ReferralRow>(`SELECT ${REFERRAL_COLUMNS} FROM referrals WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
      tenantId,
      id,
    ]);
    return row && toReferral(row);
  }

  async findMany(tenantId: string, ids: readonly string[]): Promise<Referral[]> {
    const rows = await this.db.query<ReferralRow>(
      `SELECT ${REFERRAL_COLUMNS} FROM referrals WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tenantId, ids],
    );
    return rows.map(toReferral);
  }

  /** The referral converted by an order, locked (a refund of it changes the referral). */
  async lockConvertedByOrder(tx: Sql, tenantId: string, orderId: string): Promise<Referral | undefined> {
    const [row] = await tx.query<ReferralRow>(
      `SELECT ${REFERRAL_COLUMNS} FROM referrals WHERE tenant_id = $1 AND order_id = $2 AND converted_at IS NOT NULL
       ORDER BY created_at LIMIT 1 FOR UPDATE`,
      [tenantId, orderId],
    );
    return row && toReferral(row);
  }

  async page(
    tenantId: string,
    campaignId: string,
    status: ReferralStatus | undefined,
    first: number,
    after?: [string, string],
  ): Promise<{ items: Referral[]; hasNextPage: boolean }> {
    const rows = await this.db.query<ReferralRow>(
      `SELECT ${REFERRAL_COLUMNS} FROM referrals
       WHERE tenant_id = $1 AND campaign_id = $2 AND ($3::text IS NULL OR status = $3)
         AND ($4::timestamptz IS NULL OR (created_at, id) > ($4::timestamptz, $5::uuid))
       ORDER BY created_at, id LIMIT $6`,
      [tenantId, campaignId, status ?? null, after?.[0] ?? null, after?.[1] ?? null, first + 1],
    );
    return { items: rows.slice(0, first).map(toReferral), hasNextPage: rows.length > first };
  }

  /** Held for review and not decided: the current assessment says REVIEW and nobody has decided on it. */
  async reviewQueue(tenantId: string, campaignId: string, first: number): Promise<Referral[]> {
    const rows = await this.db.query<ReferralRow>(
      `SELECT ${REFERRAL_COLUMNS} FROM referrals
       WHERE tenant_id = $1 AND campaign_id = $2 AND risk_decision = 'REVIEW' AND reviewed_at IS NULL AND status IN ('LEAD', 'CONVERTED')
       ORDER BY created_at, id LIMIT $3`,
      [tenantId, campaignId, first],
    );
    return rows.map(toReferral);
  }

  /** Referrals, signups and conversions an advocate brought (the share page's progress). */
  async countsForAdvocate(tenantId: string, advocateId: string): Promise<{ signups: number; conversions: number }> {
    const row = await this.db.one<{ signups: number; conversions: number }>(
      `SELECT count(*) FILTER (WHERE status <> 'REJECTED')::int AS signups,
              count(*) FILTER (WHERE status IN ('CONVERTED', 'APPROVED'))::int AS conversions
       FROM referrals WHERE tenant_id = $1 AND advocate_id = $2`,
      [tenantId, advocateId],
    );
    return { signups: row?.signups ?? 0, conversions: row?.conversions ?? 0 };
  }

  /**
   * The rewards now follow `version`. `credited` says what crediting did: ran for a basis (advocate
   * and order, with the reason nothing was credited, if so), or was undone (basis null: the rewards
   * were superseded and the referral earns again when it converts again).
   */
  async markRewardsSynced(
    tx: Sql,
    tenantId: string,
    id: string,
    version: number,
    credited?: { basis: string | null; reason: string | null },
  ): Promise<void> {
    await tx.execute(
      `UPDATE referrals SET rewards_version = GREATEST(rewards_version, $3),
         credited_basis = CASE WHEN $4::boolean THEN $5 ELSE credited_basis END,
         reward_blocked_reason = CASE WHEN $4::boolean THEN $6 ELSE reward_blocked_reason END
       WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, version, credited !== undefined, credited?.basis ?? null, credited?.reason ?? null],
    );
  }

  /** Referrals whose rewards do not follow their last change (their job was lost): for the sweeper. */
  async unsynced(olderThanMs: number, limit: number): Promise<{ tenantId: string; referralId: string; version: number }[]> {
    return this.db.query<{ tenantId: string; referralId: string; version: number }>(
      `SELECT tenant_id AS "tenantId", id AS "referralId", version FROM referrals
       WHERE rewards_version < version AND updated_at < now() - make_interval(secs => $1::float8 / 1000)
       ORDER BY updated_at LIMIT $2`,
      [olderThanMs, limit],
    );
  }

  async unsyncedOf(tenantId: string): Promise<{ tenantId: string; referralId: string; version: number }[]> {
    return this.db.query<{ tenantId: string; referralId: string; version: number }>(
      `SELECT tenant_id AS "tenantId", id AS "referralId", version FROM referrals WHERE tenant_id = $1 AND rewards_version < version`,
      [tenantId],
    );
  }

  /** Records a refund of an order; false when this refund (same event) was recorded before. */
  async recordRefund(
    tx: Sql,
    tenantId: string,
    r: { orderId: string; eventId: string; amount: number | null; cumulative: boolean; occurredAt: Date },
  ): Promise<boolean> {
    const n = await tx.execute(
      `INSERT INTO refunds (tenant_id, order_id, event_id, amount, occurred_at, cumulative) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING`,
      [tenantId, r.orderId, r.eventId, r.amount, r.occurredAt, r.cumulative],
    );
    return n > 0;
  }

  async refundsOf(tx: Sql, tenantId: string, orderId: string): Promise<RefundRecord[]> {
    const rows = await tx.query<{ amount: string | null; cumulative: boolean }>(
      `SELECT amount, cumulative FROM refunds WHERE tenant_id = $1 AND order_id = $2`,
      [tenantId, orderId],
    );
    return rows.map((r) => ({ amount: r.amount === null ? null : Number(r.amount), cumulative: r.cumulative }));
  }

  /**
   * Serialises what concerns one order (its refunds and its conversion), for the transaction:
   * without it, each could commit unseen by the other and a refund would miss its conversion.
   */
  async lockOrder(tx: Sql, tenantId: string, orderId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1 || ':order:' || $2, 0))`, [tenantId, orderId]);
  }
}
