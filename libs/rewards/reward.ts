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
  available_at: Date;
  created_at: Date;
}

export const REWARD_COLUMNS = `id, tenant_id, referral_id, campaign_id, advocate_id, beneficiary_type, beneficiary_id, kind, amount,
  reversed_amount, currency, status, available_at, created_at`;

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
    amount: Number(r.amount),
    reversedAmount: Number(r.reversed_amount),
    currency: r.currency,
    status: r.status,
    availableAt: r.available_at,
    createdAt: r.created_at,
  };
}

/** How much of a reward a refund takes back: PERCENT follows partial refunds pro rata, FIXED only a full one. */
export function reversalTarget(rule: 'FIXED' | 'PERCENT', reward: number, refunded: number, order: number): number {
  if (refunded <= 0) return 0;
  if (refunded >= order) return reward;
  if (rule === 'FIXED') return 0;
  return Math.min(reward, Math.floor((reward * refunded * 2 + order) / (2 * order)));
}
