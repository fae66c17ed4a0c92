export const CAMPAIGN_STATUSES = ['DRAFT', 'ACTIVE', 'PAUSED', 'ENDED'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export const ATTRIBUTION_MODELS = ['FIRST_CLICK', 'LAST_CLICK'] as const;
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];
export const REWARD_KINDS = ['FIXED', 'PERCENT'] as const;
export type RewardKind = (typeof REWARD_KINDS)[number];

export const BUILT_IN_CHANNELS = ['email', 'sms', 'whatsapp', 'x', 'facebook', 'linkedin', 'copy'] as const;

export interface Money {
  amount: number;
  currency: string;
}

export interface RewardRule {
  kind: RewardKind;
  /** FIXED: minor units. */
  amount: number | null;
  /** PERCENT: basis points of the order amount. */
  percentBps: number | null;
  currency: string;
}

export interface CustomChannel {
  name: string;
  shareUrlTemplate: string;
}

export interface Eligibility {
  minNps: number;
  withinDaysOfFirstUse: number;
  requireExpectationMet: boolean;
}

export interface Campaign {
  id: string;
  tenantId: string;
  name: string;
  slug: string;
  status: CampaignStatus;
  destinationUrl: string;
  message: { headline: string; body: string };
  channels: string[];
  customChannels: CustomChannel[];
  eligibility: Eligibility;
  advocateReward: RewardRule;
  friendIncentive: RewardRule | null;
  attributionWindowDays: number;
  attributionModel: AttributionModel;
  holdDays: number;
  budget: Money | null;
  advocateCap: Money | null;
  maxConversionsPerAdvocatePerDay: number | null;
  riskReviewThreshold: number;
  riskBlockThreshold: number;
  createdAt: Date;
  updatedAt: Date;
}

/** DRAFT → ACTIVE ⇄ PAUSED → ENDED (an active campaign may also end directly). */
const MOVES: Record<CampaignStatus, readonly CampaignStatus[]> = {
  DRAFT: ['ACTIVE'],
  ACTIVE: ['PAUSED', 'ENDED'],
  PAUSED: ['ACTIVE', 'ENDED'],
  ENDED: [],
};

export function canMove(from: CampaignStatus, to: CampaignStatus): boolean {
  return MOVES[from].includes(to);
}

/** The statuses a campaign may be in to move to `to`. */
export function statusesMovableTo(to: CampaignStatus): CampaignStatus[] {
  return CAMPAIGN_STATUSES.filter((from) => canMove(from, to));
}

export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
  return slug || 'campaign';
}
