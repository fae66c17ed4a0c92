import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError, ValidationError, decodeCursor, isUuid } from '#libs/common/index.js';
import { Db, type Sql } from '#libs/database/index.js';
import { CampaignRepository, type Campaign } from '#libs/campaigns/index.js';
import { OutboxWriter } from '#libs/outbox/index.js';
import { QueueProducer } from '#libs/queue/index.js';
import { RewardsService } from '#libs/rewards/rewards.service.js';
import { REFERRAL_COLUMNS, toReferral, type AttributedBy, type Referral, type ReferralRow, type ReferralStatus } from './referral.js';

/** A signup or purchase, as attribution needs it. */
export interface ConversionMoment {
  tenantId: string;
  eventId: string;
  type: 'signup' | 'purchase';
  customerId: string; // internal customer id
  emailNormalized: string | null;
  occurredAt: Date;
  visitorId: string | null;
  referralCode: string | null;
  couponCode: string | null;
  orderId: string | null;
  amount: number | null;
  currency: string | null;
}

interface AdvocateHit {
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
  ) {}

  /**
   * Ties a signup or purchase to an advocate (referral code, then coupon code, then the visitor's
   * clicks in the campaign's window and model). A signup makes a LEAD; the first qualifying purchase
   * makes it CONVERTED and queues the crediting. Idempotent: replays change nothing.
   */
  async attribute(moment: ConversionMoment): Promise<Referral | undefined> {
    const converted = await this.db.transaction(async (tx) => {
      const hit = await this.findAdvocate(tx, moment);
      if (!hit) return undefined;
      const campaign = await this.campaigns.findById(moment.tenantId, hit.campaignId, tx);
      if (!campaign || campaign.status !== 'ACTIVE') return undefined;

      const refusal = await this.refusal(tx, moment, hit);
      const [inserted] = await tx.query<ReferralRow>(
        `INSERT INTO referrals (tenant_id, campaign_id, advocate_id, referred_customer_id, status, attributed_by, visitor_id, source_event_id, rejected_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
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
      let referral = toReferral(current!);
      if (moment.type === 'purchase' && referral.status === 'LEAD' && moment.amount !== null && moment.currency && moment.orderId) {
        referral = await this.convert(tx, referral, campaign, moment);
        return { referral, converted: true };
      }
      return { referral, converted: false };
    });
    if (converted?.converted)
      await this.queue.enqueue(
        'reward.credit',
        { tenantId: moment.tenantId, referralId: converted.referral.id },
        { jobId: `credit-${converted.referral.id}` },
      );
    return converted?.referral;
  }

  private async convert(tx: Sql, referral: Referral, campaign: Campaign, moment: ConversionMoment): Promise<Referral> {
    // A refund that arrived before its purchase is applied now.
    const early = await tx.query<{ amount: string | null }>(
      `UPDATE pending_refunds SET applied_at = now() WHERE tenant_id = $1 AND order_id = $2 AND applied_at IS NULL RETURNING amount`,
      [moment.tenantId, moment.orderId],
    );
    const full = early.some((r) => r.amount === null);
    const partial = early.reduce((sum, r) => sum + Number(r.amount ?? 0), 0);
    const refunded = full ? moment.amount! : Math.min(partial, moment.amount!);
    const status: ReferralStatus = refunded >= moment.amount! && refunded > 0 ? 'REVERSED' : 'CONVERTED';
    const [row] = await tx.query<ReferralRow>(
      `UPDATE referrals SET status = $3, order_id = $4, amount = $5, currency = $6, converted_at = $7, refunded_amount = $8, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 RETURNING ${REFERRAL_COLUMNS}`,
      [moment.tenantId, referral.id, status, moment.orderId, moment.amount, moment.currency, moment.occurredAt, refunded],
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
    if (!m.visitorId) return undefined;
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
       WHERE k.tenant_id = $1 AND k.visitor_id = $2 AND k.active AND k.occurred_at <= $3
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

  /** Why this moment must not become a referral: self-referral, or an existing customer. */
  private async refusal(tx: Sql, m: ConversionMoment, hit: AdvocateHit): Promise<string | undefined> {
    if (hit.customerId === m.customerId) return 'SELF_REFERRAL: the advocate referred themselves';
    if (hit.emailNormalized && m.emailNormalized && hit.emailNormalized === m.emailNormalized) {
      return 'SELF_REFERRAL: the same person as the advocate under another email spelling';
    }
    const before = hit.firstClickAt ?? m.occurredAt;
    const [earlier] = await tx.query<{ occurred_at: Date }>(
      `SELECT occurred_at FROM events WHERE tenant_id = $1 AND customer_id = $2 AND type = 'purchase' AND occurred_at < $3
         AND id <> $4 LIMIT 1`,
      [m.tenantId, m.customerId, before, m.eventId],
    );
    if (earlier) return `EXISTING_CUSTOMER: bought on ${earlier.occurred_at.toISOString().slice(0, 10)}, before the referral`;
    return undefined;
  }

  /** A refund of an order: reverses its referral's rewards (pro rata for PERCENT), or waits for the purchase. */
  async refund(input: { tenantId: string; eventId: string; orderId: string; amount: number | null; occurredAt: Date }): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [logged] = await tx.query<{ order_id: string }>(
        `INSERT INTO pending_refunds (tenant_id, order_id, event_id, amount, occurred_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING RETURNING order_id`,
        [input.tenantId, input.orderId, input.eventId, input.amount, input.occurredAt],
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
      const refunded = input.amount === null ? order : Math.min(order, referral.refundedAmount + input.amount);
      const status: ReferralStatus = refunded >= order && referral.status !== 'REJECTED' ? 'REVERSED' : referral.status;
      const [updatedRow] = await tx.query<ReferralRow>(
        `UPDATE referrals SET refunded_amount = $3, status = $4, updated_at = now() WHERE id = $1 AND tenant_id = $2 RETURNING ${REFERRAL_COLUMNS}`,
        [referral.id, input.tenantId, refunded, status],
      );
      const campaign = await this.campaigns.findById(input.tenantId, referral.campaignId, tx);
      if (campaign) await this.rewards.syncReversals(tx, toReferral(updatedRow!), campaign);
    });
  }

  async get(tenantId: string, id: string): Promise<Referral> {
    const row = isUuid(id)
      ? await this.db.one<ReferralRow>(`SELECT ${REFERRAL_COLUMNS} FROM referrals WHERE tenant_id = $1 AND id = $2`, [tenantId, id])
      : undefined;
    if (!row) throw new NotFoundError('Referral', id);
    return toReferral(row);
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
      const [at, id] = decodeCursor(after);
      if (typeof at !== 'string' || typeof id !== 'string' || !isUuid(id))
        throw new ValidationError([{ field: 'after', message: 'is not a cursor of this list' }]);
      key = [at, id];
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
