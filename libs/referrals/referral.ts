export const REFERRAL_STATUSES = ['LEAD', 'CONVERTED', 'APPROVED', 'REJECTED', 'REVERSED'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];
export const RISK_DECISIONS = ['ALLOW', 'REVIEW', 'BLOCK'] as const;
export type RiskDecision = (typeof RISK_DECISIONS)[number];
export type AttributedBy = 'REFERRAL_CODE' | 'COUPON_CODE' | 'VISITOR_ID';

export interface RiskReason {
  code: string;
  message: string;
  points: number;
}

export interface Referral {
  id: string;
  tenantId: string;
  campaignId: string;
  advocateId: string;
  referredCustomerId: string;
  status: ReferralStatus;
  attributedBy: AttributedBy;
  visitorId: string | null;
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
  reviewedBy: string | null;
  reviewedAt: Date | null;
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
  reviewed_by: string | null;
  reviewed_at: Date | null;
  created_at: Date;
}

export const REFERRAL_COLUMNS = `id, tenant_id, campaign_id, advocate_id, referred_customer_id, status, attributed_by, visitor_id,
  order_id, amount, currency, card_fingerprint, refunded_amount, converted_at, rejected_reason, reward_blocked_reason, risk_score, risk_decision,
  risk_reasons, reviewed_by, reviewed_at, created_at`;

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
    orderId: r.order_id,
    amount: r.amount === null ? null : Number(r.amount),
    currency: r.currency,
    cardFingerprint: r.card_fingerprint,
    refundedAmount: Number(r.refunded_amount),
    convertedAt: r.converted_at,
    rejectedReason: r.rejected_reason,
    rewardBlockedReason: r.reward_blocked_reason,
    riskScore: r.risk_score,
    riskDecision: r.risk_decision,
    riskReasons: r.risk_reasons,
    reviewedBy: r.reviewed_by,
    reviewedAt: r.reviewed_at,
    createdAt: r.created_at,
  };
}
