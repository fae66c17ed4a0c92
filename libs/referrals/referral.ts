import { minorUnits } from '#libs/common/index.js';
import type { RiskAssessment, RiskDecision, RiskReason } from '#libs/fraud/index.js';
import type { ReferralStatus } from './referral-lifecycle.js';

export type AttributedBy = 'REFERRAL_CODE' | 'COUPON_CODE' | 'VISITOR_ID';

export interface Referral {
  id: string;
  tenantId: string;
  campaignId: string;
  advocateId: string;
  referredCustomerId: string;
  status: ReferralStatus;
  attributedBy: AttributedBy;
  visitorId: string | null;
  /** The event that created the referral (its first event that named the advocate). */
  sourceEventId: string | null;
  /** The purchase that converted it. */
  convertingEventId: string | null;
  orderId: string | null;
  amount: number | null;
  currency: string | null;
  cardFingerprint: string | null;
  refundedAmount: number;
  convertedAt: Date | null;
  rejectedReason: string | null;
  rewardBlockedReason: string | null;
  riskScore: number;
  riskDecision: RiskDecision;
  riskReasons: RiskReason[];
  /** Every risk assessment made for this referral, by `assessmentKey`. */
  assessments: Record<string, RiskAssessment>;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  /** Grows with every change the rewards must follow; `rewardsVersion` is the one they follow now. */
  version: number;
  rewardsVersion: number;
  /** The advocate and order crediting last ran for (see libs/rewards credit planning). */
  creditedBasis: string | null;
  createdAt: Date;
}

export interface ReferralRow {
  id: string;
  tenant_id: string;
  campaign_id: string;
  advocate_id: string;
  referred_customer_id: string;
  status: ReferralStatus;
  attributed_by: AttributedBy;
  visitor_id: string | null;
  source_event_id: string | null;
  converting_event_id: string | null;
  order_id: string | null;
  amount: string | null;
  currency: string | null;
  card_fingerprint: string | null;
  refunded_amount: string;
  converted_at: Date | null;
  rejected_reason: string | null;
  reward_blocked_reason: string | null;
  risk_score: number;
  risk_decision: RiskDecision;
  risk_reasons: RiskReason[];
  assessments: Record<string, RiskAssessment>;
  reviewed_by: string | null;
  reviewed_at: Date | null;
  version: number;
  rewards_version: number;
  credited_basis: string | null;
  created_at: Date;
}

export const REFERRAL_COLUMNS = `id, tenant_id, campaign_id, advocate_id, referred_customer_id, status, attributed_by, visitor_id,
  source_event_id, converting_event_id, order_id, amount, currency, card_fingerprint, refunded_amount, converted_at, rejected_reason,
  reward_blocked_reason, risk_score, risk_decision, risk_reasons, assessments, reviewed_by, reviewed_at, version, rewards_version, credited_basis, created_at`;

export function toReferral(r: ReferralRow): Referral {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    campaignId: r.campaign_id,
    advocateId: r.advocate_id,
    referredCustomerId: r.referred_customer_id,
    status: r.status,
    attributedBy: r.attributed_by,
    visitorId: r.visitor_id,
    sourceEventId: r.source_event_id,
    convertingEventId: r.converting_event_id,
    orderId: r.order_id,
    amount: r.amount === null ? null : minorUnits(r.amount),
    currency: r.currency,
    cardFingerprint: r.card_fingerprint,
    refundedAmount: minorUnits(r.refunded_amount),
    convertedAt: r.converted_at,
    rejectedReason: r.rejected_reason,
    rewardBlockedReason: r.reward_blocked_reason,
    riskScore: r.risk_score,
    riskDecision: r.risk_decision,
    riskReasons: r.risk_reasons,
    assessments: r.assessments,
    reviewedBy: r.reviewed_by,
    reviewedAt: r.reviewed_at,
    version: r.version,
    rewardsVersion: r.rewards_version,
    creditedBasis: r.credited_basis,
    createdAt: r.created_at,
  };
}
