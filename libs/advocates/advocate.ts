export interface Advocate {
  id: string;
  tenantId: string;
  campaignId: string;
  /** The customer's Truthloop id (not the brand's external id). */
  customerId: string;
  code: string;
  portalToken: string;
  status: string;
  generation: number;
  enrolledBy: 'AUTO' | 'MANUAL';
  createdAt: Date;
}

export interface ShareLink {
  channel: string;
  /** The tracked link: `<PUBLIC_URL>/r/<code>/<channel>`. */
  url: string;
  /** The channel's share intent, with the campaign message rendered for it. */
  shareUrl: string;
}
