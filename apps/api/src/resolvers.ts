import { CampaignsResolver } from './campaigns/campaigns.resolver.js';
import { ApiKeysResolver } from './tenants/api-keys.resolver.js';
import { ReferralsResolver } from './referrals/referrals.resolver.js';

/** Every resolver of the API; the schema is generated from these. */
export const RESOLVERS = [CampaignsResolver, ApiKeysResolver, ReferralsResolver] as const;
