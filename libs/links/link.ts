import type { CampaignStatus } from '#libs/campaigns/index.js';

/** What a share code resolves to: everything the redirect needs, and nothing personal. */
export interface ResolvedLink {
  code: string;
  tenantId: string;
  advocateId: string;
  campaignId: string;
  campaignSlug: string;
  campaignStatus: CampaignStatus;
  destinationUrl: string;
  channels: string[];
}

/** Clicks on a link without a channel, or on a channel the campaign does not have. */
export const DEFAULT_CHANNEL = 'link';
