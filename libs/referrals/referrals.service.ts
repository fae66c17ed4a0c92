import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError, ValidationError, decodeCursor, isUuid } from '#libs/common/index.js';
import { Db, type Sql } from '#libs/database/index.js';
import { CampaignRepository, type Campaign } from '#libs/campaigns/index.js';
import { OutboxWriter } from '#libs/outbox/index.js';
import { QueueProducer } from '#libs/queue/index.js';
import { RewardsService } from '#libs/rewards/rewards.service.js';
import { RiskService } from './risk.service.js';
import type { RiskAssessment } from '#libs/fraud/index.js';
import { REFERRAL_COLUMNS, toReferral, type AttributedBy, type Referral, type ReferralRow, type ReferralStatus } from './referral.js';

export interface RefundMoment {
  tenantId: string;
  eventId: string;
  orderId: string;
  /** null: the whole order. */
  amount: number | null;
  /** The amount is the order's refunded total so far (Stripe), not this refund alone. */
  cumulative?: boolean;
  occurredAt: Date;
}

/** A signup or purchase, as attribution needs it. */
export interface ConversionMoment {
  tenantId: string;
  eventId: string;
  type: 'signup' | 'purchase';
  customerId: string; // internal customer id
  email: string | null;
  emailNormalized: string | null;
  occurredAt: Date;
  visitorId: string | null;
  referralCode: string | null;
  couponCode: string | null;
  orderId: string | null;
  amount: number | null;
  currency: string | null;
  cardFingerprint: string | null;
}

export interface AdvocateHit {
  advocateId: string;
  campaignId: string;
  customerId: string;
  generation: number;
  emailNormalized: string | null;
  attributedBy: AttributedBy;
  firstClickAt: Date | null;
}

@Injectable()
export class ReferralsService {
  constructor(
    private readonly db: Db,
    private readonly campaigns: CampaignRepository,
    private readonly outbox: OutboxWriter,
    private readonly queue: QueueProducer,
    private readonly rewards: RewardsService,
    private readonly risk: RiskService,
  ) {}

  /**
   * Ties a signup or purchase to an advocate (referral code, then coupon code, then the visitor's
   * clicks in the campaign's window and model). A signup makes a LEAD; the first qualifying purchase
   * makes it CONVERTED and queues the crediting. Idempotent: replays change nothing.
   */
  async attribute(moment: ConversionMoment): Promise<Referral | undefined> {
    const result = await this.db.transaction((tx) => this.attributeIn(tx, moment));
    if (result?.converted) await this.enqueueCredit(moment.tenantId, result.referral.id);
    return result?.referral;
  }

  enqueueCredit(tenantId: string, referralId: string): Promise<void> {
    return this.queue.enqueue('reward.credit', { tenantId, referralId }, { jobId: `credit-${referralId}` });
  }

  /** Attribution inside the caller's transaction; `converted` tells the caller to queue the crediting. */
  async attributeIn(tx: Sql, moment: ConversionMoment): Promise<{ referral: Referral; converted: boolean } | undefined> {
    const hit = await this.findAdvocate(tx, moment);
    if (!hit) return undefined;
    const campaign = await this.campaigns.findById(moment.tenantId, hit.campaignId, tx);
    if (!campaign || campaign.status !== 'ACTIVE') return undefined;

    const existingCustomer = await this.existingCustomer(tx, moment, hit);
    const risk = existingCustomer ? undefined : await this.risk.assess(tx, moment, hit, campaign);
    const refusal =
      existingCustomer ?? (risk?.decision === 'BLOCK' ? `BLOCKED: ${risk.reasons.map((r) => r.message).join(' ')}` : undefined);
    const [inserted] = await tx.query<ReferralRow>(
      `INSERT INTO referrals (tenant_id, campaign_id, advocate_id, referred_customer_id, status, attributed_by, visitor_id, source_event_id,
         rejected_reason, risk_score, risk_decision, risk_reasons)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (campaign_id, referred_customer_id) DO NOTHING RETURNING ${REFERRAL_COLUMNS}`,
      [
        moment.tenantId,
        hit.campaignId,
        hit.advocateId,
        moment.customerId,
        refusal ? 'REJECTED' : 'LEAD',
        hit.attributedBy,
        moment.visitorId,
        moment.eventId,
        refusal ?? null,
        risk?.score ?? 0,
        risk?.decision ?? 'ALLOW',
        JSON.stringify(risk?.reasons ?? []),
      ],
    );
    if (inserted && !refusal) {
      // The referred customer remembers who referred them, one generation further down.
      await tx.query(
        `UPDATE customers SET referred_by_advocate_id = $3, generation = $4, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 AND referred_by_advocate_id IS NULL`,
        [moment.tenantId, moment.customerId, hit.advocateId, hit.generation + 1],
      );
    }
    const [current] = await tx.query<ReferralRow>(
      `SELECT ${REFERRAL_COLUMNS} FROM referrals WHERE campaign_id = $1 AND referred_customer_id = $2 FOR UPDATE`,
      [hit.campaignId, moment.customerId],
    );
    const referral = toReferral(current!);
    if (moment.type === 'purchase' && referral.status === 'LEAD' && moment.amount !== null && moment.currency && moment.orderId) {
      // The purchase knows more (card, velocity now): assess again before converting.
      const atPurchase = await this.risk.assess(tx, moment, hit, campaign);
      if (atPurchase.decision === 'BLOCK') {
        const [row] = await tx.query<ReferralRow>(
          `UPDATE referrals SET status = 'REJECTED', rejected_reason = $3, risk_score = $4, risk_decision = $5, risk_reasons = $6,
             order_id = $7, amount = $8, currency = $9, updated_at = now()
           WHERE tenant_id = $1 AND id = $2 RETURNING ${REFERRAL_COLUMNS}`,
          [
            moment.tenantId,
            referral.id,
            `BLOCKED: ${atPurchase.reasons.map((r) => r.message).join(' ')}`,
            atPurchase.score,
            atPurchase.decision,
            JSON.stringify(atPurchase.reasons),
            moment.orderId,
            moment.amount,
            moment.currency,
          ],
        );
        return { referral: toReferral(row!), converted: false };
      }
      return { referral: await this.convert(tx, referral, campaign, moment, atPurchase), converted: true };
    }
    return { referral, converted: false };
  }

  private async convert(
    tx: Sql,
    referral: Referral,
    campaign: Campaign,
    moment: ConversionMoment,
    risk: RiskAssessment,
  ): Promise<Referral> {
    // A refund that arrived before its purchase is applied now. The order's lock makes a refund
    // applied concurrently either visible here or waiting to see this conversion (never lost between).
    await lockOrder(tx, moment.tenantId, moment.orderId!);
    const early = await tx.query<{ amount: string | null; cumulative: boolean }>(
      `UPDATE pending_refunds SET applied_at = now() WHERE tenant_id = $1 AND order_id = $2 AND applied_at IS NULL RETURNING amount, cumulative`,
      [moment.tenantId, moment.orderId],
    );
    const full = early.some((r) => r.amount === null);
    const cumulative = Math.max(0, ...early.filter((r) => r.cumulative).map((r) => Number(r.amount ?? 0)));
    const partial = cumulative + early.filter((r) => !r.cumulative).reduce((sum, r) => sum + Number(r.amount ?? 0), 0);
    const refunded = full ? moment.amount! : Math.min(partial, moment.amount!);
    const status: ReferralStatus = refunded >= moment.amount! && refunded > 0 ? 'REVERSED' : 'CONVERTED';
    const [row] = await tx.query<ReferralRow>(
      `UPDATE referrals SET status = $3, order_id = $4, amount = $5, currency = $6, converted_at = $7, refunded_amount = $8,
         card_fingerprint = $9, risk_score = $10, risk_decision = $11, risk_reasons = $12, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 RETURNING ${REFERRAL_COLUMNS}`,
      [
        moment.tenantId,
        referral.id,
        status,
        moment.orderId,
        moment.amount,
        moment.currency,
        moment.occurredAt,
        refunded,
        moment.cardFingerprint,
        risk.score,
        risk.decision,
        JSON.stringify(risk.reasons),
      ],
    );
    const converted = toReferral(row!);
    await this.outbox.add(tx, moment.tenantId, 'referral.converted', referralEvent(converted, campaign));
    return converted;
  }

  private async findAdvocate(tx: Sql, m: ConversionMoment): Promise<AdvocateHit | undefined> {
    const byCode = async (code: string, attributedBy: AttributedBy) => {
      const [row] = await tx.query<{
        id: string;
        campaign_id: string;
        customer_id: string;
        generation: number;
        email_normalized: string | null;
      }>(
        `SELECT a.id, a.campaign_id, a.customer_id, a.generation, c.email_normalized
         FROM advocates a JOIN customers c ON c.id = a.customer_id
         WHERE a.tenant_id = $1 AND lower(a.code) = lower($2)`,
        [m.tenantId, code],
      );
      return row
        ? {
            advocateId: row.id,
            campaignId: row.campaign_id,
            customerId: row.customer_id,
            generation: row.generation,
            emailNormalized: row.email_normalized,
            attributedBy,
            firstClickAt: null,
          }
        : undefined;
    };
    if (m.referralCode) {
      const hit = await byCode(m.referralCode, 'REFERRAL_CODE');
      if (hit) return hit;
    }
    if (m.couponCode) {
      const hit = await byCode(m.couponCode, 'COUPON_CODE');
      if (hit) return hit;
    }
    const byVisitor = m.visitorId ? await this.byVisitor(tx, m) : undefined;
    if (byVisitor) return byVisitor;
    // A purchase that names nobody converts the customer's open referral (their signup named the advocate).
    if (m.type !== 'purchase') return undefined;
    const [lead] = await tx.query<{
      id: string;
      campaign_id: string;
      customer_id: string;
      generation: number;
      email_normalized: string | null;
      attributed_by: AttributedBy;
    }>(
      `SELECT a.id, a.campaign_id, a.customer_id, a.generation, c.email_normalized, r.attributed_by
       FROM referrals r JOIN advocates a ON a.id = r.advocate_id JOIN customers c ON c.id = a.customer_id
       WHERE r.tenant_id = $1 AND r.referred_customer_id = $2 AND r.status = 'LEAD'
       ORDER BY r.created_at DESC LIMIT 1`,
      [m.tenantId, m.customerId],
    );
    return lead
      ? {
          advocateId: lead.id,
          campaignId: lead.campaign_id,
          customerId: lead.customer_id,
          generation: lead.generation,
          emailNormalized: lead.email_normalized,
          attributedBy: lead.attributed_by,
          firstClickAt: null,
        }
      : undefined;
  }

  private async byVisitor(tx: Sql, m: ConversionMoment): Promise<AdvocateHit | undefined> {
    // The visitor's active clicks within each campaign's window, first or last by its model.
    const clicks = await tx.query<{
      advocate_id: string;
      campaign_id: string;
      customer_id: string;
      generation: number;
      email_normalized: string | null;
      occurred_at: Date;
      window_days: number;
      model: string;
      first_at: Date;
    }>(
      `SELECT k.advocate_id, k.campaign_id, a.customer_id, a.generation, c.email_normalized, k.occurred_at,
              g.attribution_window_days AS window_days, g.attribution_model AS model,
              min(k.occurred_at) OVER () AS first_at
       FROM clicks k
       JOIN advocates a ON a.id = k.advocate_id
       JOIN customers c ON c.id = a.customer_id
       JOIN campaigns g ON g.id = k.campaign_id
       WHERE k.tenant_id = $1 AND k.visitor_id = $2 AND k.active AND k.kind = 'human' AND k.occurred_at <= $3
         AND k.occurred_at >= $3::timestamptz - make_interval(days => g.attribution_window_days)
       ORDER BY k.occurred_at`,
      [m.tenantId, m.visitorId, m.occurredAt],
    );
    if (clicks.length === 0) return undefined;
    const model = clicks[0]!.model;
    const pick = model === 'FIRST_CLICK' ? clicks[0]! : clicks[clicks.length - 1]!;
    return {
      advocateId: pick.advocate_id,
      campaignId: pick.campaign_id,
      customerId: pick.customer_id,
      generation: pick.generation,
      emailNormalized: pick.email_normalized,
      attributedBy: 'VISITOR_ID',
      firstClickAt: pick.first_at,
    };
  }

  /** A customer who had bought before their first click (or before the code was used) is not referred. */
  private async existingCustomer(tx: Sql, m: ConversionMoment, hit: AdvocateHit): Promise<string | undefined> {
    // The referral began at the first click, or at the customer's first event naming the code
    // (events may arrive out of order: a coded purchase can be applied before its signup).
    const code = hit.attributedBy === 'REFERRAL_CODE' ? m.referralCode : hit.attributedBy === 'COUPON_CODE' ? m.couponCode : null;
    const [earlier] = await tx.query<{ occurred_at: Date }>(
      `WITH began AS (
         SELECT coalesce($5::timestamptz, (
           SELECT min(occurred_at) FROM events WHERE tenant_id = $1 AND customer_id = $2
             AND $6::text IS NOT NULL AND (lower(referral_code) = lower($6) OR lower(coupon_code) = lower($6))), $3::timestamptz) AS at
       )
       SELECT e.occurred_at FROM events e, began
       WHERE e.tenant_id = $1 AND e.customer_id = $2 AND e.type = 'purchase' AND e.occurred_at < began.at AND e.event_id <> $4
       LIMIT 1`,
      [m.tenantId, m.customerId, m.occurredAt, m.eventId, hit.firstClickAt, code],
    );
    if (earlier) return `EXISTING_CUSTOMER: bought on ${earlier.occurred_at.toISOString().slice(0, 10)}, before the referral`;
    return undefined;
  }

  /** A refund of an order: reverses its referral's rewards (pro rata for PERCENT), or waits for the purchase. */
  async refund(input: RefundMoment): Promise<void> {
    await this.db.transaction((tx) => this.refundIn(tx, input));
  }

  async refundIn(tx: Sql, input: RefundMoment): Promise<void> {
    // A block keeps the diff small; the body is the refund proper.
    {
      await lockOrder(tx, input.tenantId, input.orderId);
      const [logged] = await tx.query<{ order_id: string }>(
        `INSERT INTO pending_refunds (tenant_id, order_id, event_id, amount, occurred_at, cumulative) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING RETURNING order_id`,
        [input.tenantId, input.orderId, input.eventId, input.amount, input.occurredAt, input.cumulative ?? false],
      );
      if (!logged) return; // this refund was applied already (a replay)
      const [row] = await tx.query<ReferralRow>(
        `SELECT ${REFERRAL_COLUMNS} FROM referrals WHERE tenant_id = $1 AND order_id = $2 AND converted_at IS NOT NULL FOR UPDATE`,
        [input.tenantId, input.orderId],
      );
      if (!row) return; // kept until the purchase arrives
      const referral = toReferral(row);
      await tx.query(`UPDATE pending_refunds SET applied_at = now() WHERE tenant_id = $1 AND order_id = $2 AND event_id = $3`, [
        input.tenantId,
        input.orderId,
        input.eventId,
      ]);
      const order = referral.amount ?? 0;
      const refunded =
        input.amount === null
          ? order
          : Math.min(order, input.cumulative ? Math.max(referral.refundedAmount, input.amount) : referral.refundedAmount + input.amount);
      const status: ReferralStatus = refunded >= order && referral.status !== 'REJECTED' ? 'REVERSED' : referral.status;
      const [updatedRow] = await tx.query<ReferralRow>(
        `UPDATE referrals SET refunded_amount = $3, status = $4, updated_at = now() WHERE id = $1 AND tenant_id = $2 RETURNING ${REFERRAL_COLUMNS}`,
        [referral.id, input.tenantId, refunded, status],
      );
      const campaign = await this.campaigns.findById(input.tenantId, referral.campaignId, tx);
      if (campaign) await this.rewards.syncReversals(tx, toReferral(updatedRow!), campaign);
    }
  }

  /**
   * A `share` event from the brand: a share by each of the customer's advocates, or only the one
   * of `properties.campaignId` when given. Returns how many shares were recorded.
   */
  async recordShareEvent(
    tx: Sql,
    tenantId: string,
    customerId: string,
    channel: string | null,
    occurredAt: Date,
    properties: Record<string, unknown>,
  ): Promise<number> {
    const campaignId = typeof properties?.campaignId === 'string' && isUuid(properties.campaignId) ? properties.campaignId : null;
    const rows = await tx.query(
      `INSERT INTO shares (tenant_id, advocate_id, campaign_id, channel, source, occurred_at)
       SELECT a.tenant_id, a.id, a.campaign_id, $3, 'event', $4 FROM advocates a
       WHERE a.tenant_id = $1 AND a.customer_id = $2 AND ($5::uuid IS NULL OR a.campaign_id = $5)
       RETURNING id`,
      [tenantId, customerId, channel ?? 'other', occurredAt, campaignId],
    );
    return rows.length;
  }

  async get(tenantId: string, id: string): Promise<Referral> {
    const row = isUuid(id)
      ? await this.db.one<ReferralRow>(`SELECT ${REFERRAL_COLUMNS} FROM referrals WHERE tenant_id = $1 AND id = $2`, [tenantId, id])
      : undefined;
    if (!row) throw new NotFoundError('Referral', id);
    return toReferral(row);
  }

  /** Referrals by id, for request-scoped loaders. */
  async getMany(tenantId: string, ids: readonly string[]): Promise<Referral[]> {
    const rows = await this.db.query<ReferralRow>(
      `SELECT ${REFERRAL_COLUMNS} FROM referrals WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tenantId, ids.filter(isUuid)],
    );
    return rows.map(toReferral);
  }

  async page(
    tenantId: string,
    campaignId: string,
    status: ReferralStatus | undefined,
    first: number,
    after?: string,
  ): Promise<{ items: Referral[]; hasNextPage: boolean }> {
    if (!isUuid(campaignId) || !(await this.campaigns.findById(tenantId, campaignId))) throw new NotFoundError('Campaign', campaignId);
    let key: [string, string] | undefined;
    if (after) {
      key = decodeCursor(after, ['timestamp', 'uuid']);
    }
    const rows = await this.db.query<ReferralRow>(
      `SELECT ${REFERRAL_COLUMNS} FROM referrals
       WHERE tenant_id = $1 AND campaign_id = $2 AND ($3::text IS NULL OR status = $3)
         AND ($4::timestamptz IS NULL OR (created_at, id) > ($4::timestamptz, $5::uuid))
       ORDER BY created_at, id LIMIT $6`,
      [tenantId, campaignId, status ?? null, key?.[0] ?? null, key?.[1] ?? null, first + 1],
    );
    return { items: rows.slice(0, first).map(toReferral), hasNextPage: rows.length > first };
  }
}

/**
 * Serialises a refund and the conversion of its order (transaction-scoped): without it, each
 * could commit unseen by the other and the refund would wait forever for a purchase already applied.
 */
async function lockOrder(tx: Sql, tenantId: string, orderId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1 || ':order:' || $2, 0))`, [tenantId, orderId]);
}

export function referralCursor(r: Referral): [string, string] {
  return [r.createdAt.toISOString(), r.id];
}

function referralEvent(r: Referral, campaign: Campaign): Record<string, unknown> {
  return {
    referralId: r.id,
    campaignId: campaign.id,
    advocateId: r.advocateId,
    referredCustomerId: r.referredCustomerId,
    orderId: r.orderId,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
  };
}

/** Marketers decide on referrals held for review. */
@Injectable()
export class ReviewService {
  constructor(
    private readonly db: Db,
    private readonly campaigns: CampaignRepository,
    private readonly rewards: RewardsService,
  ) {}

  async queue(tenantId: string, campaignId: string, first = 100): Promise<Referral[]> {
    if (!isUuid(campaignId) || !(await this.campaigns.findById(tenantId, campaignId))) throw new NotFoundError('Campaign', campaignId);
    const rows = await this.db.query<ReferralRow>(
      `SELECT ${REFERRAL_COLUMNS} FROM referrals
       WHERE tenant_id = $1 AND campaign_id = $2 AND risk_decision = 'REVIEW' AND reviewed_at IS NULL AND status IN ('LEAD', 'CONVERTED')
       ORDER BY created_at, id LIMIT $3`,
      [tenantId, campaignId, first],
    );
    return rows.map(toReferral);
  }

  /** Approves: its rewards are released when the hold ends. */
  async approve(tenantId: string, id: string, reviewer: string): Promise<Referral> {
    return this.decide(tenantId, id, async (tx, referral) => {
      const [row] = await tx.query<ReferralRow>(
        `UPDATE referrals SET status = CASE WHEN status = 'CONVERTED' THEN 'APPROVED' ELSE status END,
           reviewed_by = $3, reviewed_at = now(), updated_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING ${REFERRAL_COLUMNS}`,
        [tenantId, referral.id, reviewer],
      );
      return toReferral(row!);
    });
  }

  /** Rejects: the referral is REJECTED and its rewards are reversed through the ledger. */
  async reject(tenantId: string, id: string, reason: string, reviewer: string): Promise<Referral> {
    const why = reason.trim();
    if (!why || why.length > 500) throw new ValidationError([{ field: 'reason', message: 'must be 1-500 characters' }]);
    return this.decide(tenantId, id, async (tx, referral, campaign) => {
      const [row] = await tx.query<ReferralRow>(
        `UPDATE referrals SET status = 'REJECTED', rejected_reason = $3, reviewed_by = $4, reviewed_at = now(), updated_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING ${REFERRAL_COLUMNS}`,
        [tenantId, referral.id, `REVIEW: ${why}`, reviewer],
      );
      const rejected = toReferral(row!);
      await this.rewards.reverseAll(tx, rejected, campaign);
      return rejected;
    });
  }

  private async decide(
    tenantId: string,
    id: string,
    work: (tx: Sql, referral: Referral, campaign: Campaign) => Promise<Referral>,
  ): Promise<Referral> {
    if (!isUuid(id)) throw new NotFoundError('Referral', id);
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<ReferralRow>(`SELECT ${REFERRAL_COLUMNS} FROM referrals WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
        tenantId,
        id,
      ]);
      if (!row) throw new NotFoundError('Referral', id);
      const referral = toReferral(row);
      if (referral.status === 'REJECTED' || referral.status === 'REVERSED') {
        throw new ConflictError(`A ${referral.status} referral cannot be decided on`);
      }
      const campaign = await this.campaigns.findById(tenantId, referral.campaignId, tx);
      return work(tx, referral, campaign!);
    });
  }
}
