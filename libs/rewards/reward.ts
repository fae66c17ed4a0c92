import { minorUnits } from '#libs/common/index.js';
import type { RewardRule } from '#libs/campaigns/index.js';

export const REWARD_STATUSES = ['PENDING', 'AVAILABLE', 'PAID', 'REVERSED'] as const;
export type RewardStatus = (typeof REWARD_STATUSES)[number];
export type RewardKindName = 'ADVOCATE' | 'FRIEND';

export interface Reward {
  id: string;
  tenantId: string;
  referralId: string;
  campaignId: string;
  advocateId: string;
  beneficiaryType: 'advocate' | 'customer';
  beneficiaryId: string;
  kind: RewardKindName;
  amount: number;
  reversedAmount: number;
  currency: string;
  status: RewardStatus;
  /** The rule that credited it; its reversals follow it. */
  rule: RewardRule;
  /** The order that earned it. */
  orderId: string | null;
  /** Set when the referral's basis changed (another advocate or order): reversed in full, no longer its live reward. */
  supersededAt: Date | null;
  availableAt: Date;
  createdAt: Date;
}

export interface RewardRow {
  id: string;
  tenant_id: string;
  referral_id: string;
  campaign_id: string;
  advocate_id: string;
  beneficiary_type: 'advocate' | 'customer';
  beneficiary_id: string;
  kind: RewardKindName;
  amount: string;
  reversed_amount: string;
  currency: string;
  status: RewardStatus;
  rule: RewardRule;
  order_id: string | null;
  superseded_at: Date | null;
  available_at: Date;
  created_at: Date;
}

export const REWARD_COLUMNS = `id, tenant_id, referral_id, campaign_id, advocate_id, beneficiary_type, beneficiary_id, kind, amount,
  reversed_amount, currency, status, rule, order_id, superseded_at, available_at, created_at`;

export function toReward(r: RewardRow): Reward {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    referralId: r.referral_id,
    campaignId: r.campaign_id,
    advocateId: r.advocate_id,
    beneficiaryType: r.beneficiary_type,
    beneficiaryId: r.beneficiary_id,
    kind: r.kind,
    amount: minorUnits(r.amount),
    reversedAmount: minorUnits(r.reversed_amount),
    currency: r.currency,
    status: r.status,
    rule: r.rule,
    orderId: r.order_id,
    supersededAt: r.superseded_at,
    availableAt: r.available_at,
    createdAt: r.created_at,
  };
}
