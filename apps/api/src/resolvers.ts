import { CampaignsResolver } from './campaigns/campaigns.resolver.js';
import { ApiKeysResolver } from './tenants/api-keys.resolver.js';
import { WebhooksResolver } from './webhooks/webhooks.resolver.js';

/** Every resolver of the API; the schema is generated from these. */
export const RESOLVERS = [CampaignsResolver, ApiKeysResolver, WebhooksResolver] as const;
