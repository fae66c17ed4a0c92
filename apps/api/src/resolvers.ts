import { CampaignsResolver } from './campaigns/campaigns.resolver.js';
import { ApiKeysResolver } from './tenants/api-keys.resolver.js';
import { ReferralsResolver, RewardsResolver } from './referrals/referrals.resolver.js';
import { StripeResolver } from './stripe/stripe.resolver.js';
import { MomentsResolver } from './moments/moments.resolver.js';
import { CustomersResolver } from './customers/customers.resolver.js';
import { AdvocatesResolver } from './advocates/advocates.resolver.js';
import { WebhooksResolver } from './webhooks/webhooks.resolver.js';
import { AdvocateImotResolver, AnalyticsResolver } from './analytics/analytics.resolver.js';
import { AuditResolver } from './audit/audit.resolver.js';

/** Every resolver of the API; the schema is generated from these. */
export const RESOLVERS = [
  CampaignsResolver,
  ApiKeysResolver,
  MomentsResolver,
  CustomersResolver,
  AdvocatesResolver,
  ReferralsResolver,
  RewardsResolver,
  StripeResolver,
  WebhooksResolver,
  AnalyticsResolver,
  AdvocateImotResolver,
  AuditResolver,
] as const;
