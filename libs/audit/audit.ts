/** Marketer actions that change settings or money; each is recorded in the append-only audit log. */
export const AUDIT_ACTIONS = [
  'CAMPAIGN_CREATED',
  'CAMPAIGN_UPDATED',
  'CAMPAIGN_STATUS_CHANGED',
  'ADVOCATE_ENROLLED',
  'DASHBOARD_LINK_CREATED',
  'API_KEY_CREATED',
  'API_KEY_REVOKED',
  'STRIPE_SECRET_SET',
  'WEBHOOK_ENDPOINT_CREATED',
  'WEBHOOK_ENDPOINT_ENABLED',
  'WEBHOOK_ENDPOINT_DISABLED',
  'WEBHOOK_ENDPOINT_DELETED',
  'WEBHOOK_SECRET_ROTATED',
  'WEBHOOK_DELIVERY_REPLAYED',
  'REFERRAL_APPROVED',
  'REFERRAL_REJECTED',
  'PAYOUT_RECORDED',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What an action was done to: a kind of thing and its id (the tenant's own settings have no id). */
export interface AuditTarget {
  type: string;
  id?: string | null;
  /** A few facts worth keeping (a reason, an amount); never a secret. */
  details?: Record<string, unknown>;
}

/** Who did it: the API key, by id and by the name it had then. */
export interface AuditActor {
  tenantId: string;
  apiKeyId: string;
  apiKeyName: string;
}

export interface AuditEntry {
  id: string;
  at: Date;
  apiKeyId: string;
  apiKeyName: string;
  action: AuditAction;
  targetType: string;
  targetId: string | null;
  details: Record<string, unknown>;
}
