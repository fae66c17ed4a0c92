import { Injectable } from '@nestjs/common';
import type { Sql } from '#libs/database/index.js';
import type { AdvocateHit, ConversionEvent } from './attribution.js';

interface EventRow {
  event_id: string;
  type: 'signup' | 'purchase';
  occurred_at: Date;
  email: string | null;
  email_normalized: string | null;
  visitor_id: string | null;
  referral_code: string | null;
  coupon_code: string | null;
  order_id: string | null;
  amount: string | null;
  currency: string | null;
  card: string | null;
  applied: boolean;
}

export interface StoredConversionEvent extends ConversionEvent {
  /** Its effect was recorded (event_effects). */
  applied: boolean;
}

/** What attribution reads: a customer's signups and purchases, advocates by code, a visitor's clicks. */
@Injectable()
export class AttributionRepository {
  /** The customer's signups and purchases in the order they happened. */
  async conversionEvents(tx: Sql, tenantId: string, customerId: string): Promise<StoredConversionEvent[]> {
    const rows = await tx.query<EventRow>(
      `SELECT e.event_id, e.type, e.occurred_at, coalesce(e.email, c.email) AS email, c.email_normalized, e.visitor_id, e.referral_code,
              e.coupon_code, e.order_id, e.amount, e.currency, e.properties->>'cardFingerprint' AS card,
              EXISTS (SELECT 1 FROM event_effects x WHERE x.event_uuid = e.id) AS applied
       FROM events e JOIN customers c ON c.id = e.customer_id
       WHERE e.tenant_id = $1 AND e.customer_id = $2 AND e.type IN ('signup', 'purchase')
       ORDER BY e.occurred_at, e.event_id`,
      [tenantId, customerId],
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      type: r.type,
      occurredAt: r.occurred_at,
      email: r.email,
      emailNormalized: r.email_normalized,
      visitorId: r.visitor_id,
      referralCode: r.referral_code,
      couponCode: r.coupon_code,
      orderId: r.order_id,
      amount: r.amount === null ? null : Number(r.amount),
      currency: r.currency,
      cardFingerprint: r.card || null,
      applied: r.applied,
    }));
  }

  /** Advocates by code (an advocate's code doubles as a coupon code), keyed by the lower-cased code. */
  async advocatesByCode(
    tx: Sql,
    tenantId: string,
    codes: readonly string[],
  ): Promise<Map<string, Omit<AdvocateHit, 'attributedBy' | 'firstClickAt'>>> {
    if (codes.length === 0) return new Map();
    const rows = await tx.query<{
      code: string;
      id: string;
      campaign_id: string;
      customer_id: string;
      generation: number;
      email_normalized: string | null;
    }>(
      `SELECT lower(a.code) AS code, a.id, a.campaign_id, a.customer_id, a.generation, c.email_normalized
       FROM advocates a JOIN customers c ON c.id = a.customer_id
       WHERE a.tenant_id = $1 AND lower(a.code) = ANY($2::text[])`,
      [tenantId, [...new Set(codes.map((c) => c.toLowerCase()))]],
    );
    return new Map(
      rows.map((r) => [
        r.code,
        {
          advocateId: r.id,
          campaignId: r.campaign_id,
          customerId: r.customer_id,
          generation: r.generation,
          emailNormalized: r.email_normalized,
        },
      ]),
    );
  }

  /**
   * The advocate a visitor's human clicks on running campaigns point to at `at`: within each
   * campaign's window, the first or the last click by the campaign's model.
   */
  async visitorHit(tx: Sql, tenantId: string, visitorId: string, at: Date): Promise<AdvocateHit | undefined> {
    const clicks = await tx.query<{
      advocate_id: string;
      campaign_id: string;
      customer_id: string;
      generation: number;
      email_normalized: string | null;
      model: string;
      first_at: Date;
    }>(
      `SELECT k.advocate_id, k.campaign_id, a.customer_id, a.generation, c.email_normalized,
              g.attribution_model AS model, min(k.occurred_at) OVER () AS first_at
       FROM clicks k
       JOIN advocates a ON a.id = k.advocate_id
       JOIN customers c ON c.id = a.customer_id
       JOIN campaigns g ON g.id = k.campaign_id
       WHERE k.tenant_id = $1 AND k.visitor_id = $2 AND k.active AND k.kind = 'human' AND k.occurred_at <= $3
         AND k.occurred_at >= $3::timestamptz - make_interval(days => g.attribution_window_days)
       ORDER BY k.occurred_at, k.id`,
      [tenantId, visitorId, at],
    );
    if (clicks.length === 0) return undefined;
    const pick = clicks[0]!.model === 'FIRST_CLICK' ? clicks[0]! : clicks[clicks.length - 1]!;
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
}
