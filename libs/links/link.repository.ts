import { Injectable } from '@nestjs/common';
import { Db } from '#libs/database/index.js';
import type { CampaignStatus } from '#libs/campaigns/index.js';
import type { ResolvedLink } from './link.js';

interface LinkRow {
  code: string;
  tenant_id: string;
  advocate_id: string;
  campaign_id: string;
  slug: string;
  status: CampaignStatus;
  destination_url: string;
  channels: string[];
}

@Injectable()
export class LinkRepository {
  constructor(private readonly db: Db) {}

  /**
   * The one lookup without a tenant: `/r/:code` carries none, and codes are unique across
   * tenants (advocates_code_global_idx), so the code itself names the tenant.
   */
  async resolveCode(code: string): Promise<ResolvedLink | undefined> {
    const row = await this.db.one<LinkRow>(
      `SELECT a.code, a.tenant_id, a.id AS advocate_id, a.campaign_id, c.slug, c.status, c.destination_url, c.channels
       FROM advocates a JOIN campaigns c ON c.id = a.campaign_id AND c.tenant_id = a.tenant_id
       WHERE lower(a.code) = lower($1)`,
      [code],
    );
    return (
      row && {
        code: row.code,
        tenantId: row.tenant_id,
        advocateId: row.advocate_id,
        campaignId: row.campaign_id,
        campaignSlug: row.slug,
        campaignStatus: row.status,
        destinationUrl: row.destination_url,
        channels: row.channels,
      }
    );
  }
}
