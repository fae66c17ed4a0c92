import { Injectable } from '@nestjs/common';
import type { Sql } from '#libs/database/index.js';
import type { Campaign } from '#libs/campaigns/index.js';
import { assessRisk, isCouponSite, type RiskAssessment } from '#libs/fraud/index.js';
import type { AdvocateHit, ConversionEvent } from './attribution.js';

/**
 * Gathers the fraud signals of a referral from the database and scores them. Clicks count only
 * up to the event (the flush watermark guarantees they are all stored by then), so the answer
 * does not depend on when the event is applied.
 */
@Injectable()
export class RiskService {
  async assess(
    tx: Sql,
    tenantId: string,
    friendId: string,
    e: ConversionEvent,
    hit: AdvocateHit,
    campaign: Campaign,
  ): Promise<RiskAssessment> {
    const [facts] = await tx.query<{
      own_page: boolean;
      same_ip: boolean;
      same_ua: boolean;
      last_hour: number;
      last_day: number;
      advocate_card: boolean;
      other_card: boolean;
      coupon_site_host: string | null;
    }>(
      `SELECT
         EXISTS (SELECT 1 FROM portal_visits p WHERE p.advocate_id = $2 AND p.visitor_id = $3) AS own_page,
         EXISTS (SELECT 1 FROM clicks k JOIN portal_visits p ON p.advocate_id = $2 AND p.ip_hash = k.ip_hash
                 WHERE k.tenant_id = $1 AND k.visitor_id = $3 AND k.ip_hash IS NOT NULL AND k.occurred_at <= $5) AS same_ip,
         EXISTS (SELECT 1 FROM clicks k JOIN portal_visits p ON p.advocate_id = $2 AND p.ip_hash = k.ip_hash AND p.ua_class = k.ua_class
                 WHERE k.tenant_id = $1 AND k.visitor_id = $3 AND k.ip_hash IS NOT NULL AND k.occurred_at <= $5) AS same_ua,
         (SELECT count(*)::int FROM referrals r WHERE r.tenant_id = $1 AND r.advocate_id = $2 AND r.referred_customer_id <> $7
            AND r.converted_at > $5::timestamptz - interval '1 hour' AND r.converted_at <= $5) AS last_hour,
         (SELECT count(*)::int FROM referrals r WHERE r.tenant_id = $1 AND r.advocate_id = $2 AND r.referred_customer_id <> $7
            AND r.converted_at > $5::timestamptz - interval '1 day' AND r.converted_at <= $5) AS last_day,
         ($4::text IS NOT NULL AND EXISTS (
           SELECT 1 FROM events e WHERE e.tenant_id = $1 AND e.customer_id = $6 AND e.properties->>'cardFingerprint' = $4)) AS advocate_card,
         ($4::text IS NOT NULL AND EXISTS (
           SELECT 1 FROM referrals r WHERE r.tenant_id = $1 AND r.advocate_id = $2 AND r.card_fingerprint = $4 AND r.referred_customer_id <> $7)) AS other_card,
         (SELECT k.referrer_host FROM clicks k WHERE k.tenant_id = $1 AND k.visitor_id = $3 AND k.referrer_host IS NOT NULL AND k.occurred_at <= $5
          ORDER BY k.occurred_at DESC LIMIT 1) AS coupon_site_host`,
      [tenantId, hit.advocateId, e.visitorId ?? '', e.cardFingerprint, e.occurredAt, hit.customerId, friendId],
    );
    const f = facts!;
    // This conversion counts toward the velocity it is judged by.
    const converting = e.type === 'purchase' ? 1 : 0;
    return assessRisk(
      {
        sameCustomer: hit.customerId === friendId,
        sameNormalizedEmail: hit.emailNormalized !== null && hit.emailNormalized === e.emailNormalized,
        visitorSeenOnAdvocatePage: e.visitorId !== null && f.own_page,
        friendEmail: e.email,
        conversionsLastHour: f.last_hour + converting,
        conversionsLastDay: f.last_day + converting,
        maxPerDay: campaign.maxConversionsPerAdvocatePerDay,
        sameIpHash: f.same_ip,
        sameUserAgent: f.same_ua,
        sameCardAsAdvocate: f.advocate_card,
        sameCardAsOtherReferral: f.other_card,
        couponFromCouponSite: hit.attributedBy === 'COUPON_CODE' && isCouponSite(f.coupon_site_host),
      },
      { review: campaign.riskReviewThreshold, block: campaign.riskBlockThreshold },
    );
  }
}
