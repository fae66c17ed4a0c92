import { Injectable } from '@nestjs/common';
import { Db } from '#libs/database/index.js';

export interface PortalAdvocate {
  tenantId: string;
  advocateId: string;
  campaignId: string;
  code: string;
  /** The customer's first name at most: the page shows nothing else about them. */
  firstName: string | null;
}

@Injectable()
export class PortalRepository {
  constructor(private readonly db: Db) {}

  /**
   * Looks an advocate up by share-page token, across tenants: the token is unguessable and
   * globally unique (advocates.portal_token), and `/a/:token` carries no tenant.
   */
  async findByToken(token: string): Promise<PortalAdvocate | undefined> {
    const row = await this.db.one<{ tenant_id: string; id: string; campaign_id: string; code: string; name: string | null }>(
      `SELECT a.tenant_id, a.id, a.campaign_id, a.code, c.name
       FROM advocates a JOIN customers c ON c.id = a.customer_id AND c.tenant_id = a.tenant_id
       WHERE a.portal_token = $1`,
      [token],
    );
    if (!row) return undefined;
    const firstName = row.name?.trim().split(/\s+/)[0]?.slice(0, 40) || null;
    return { tenantId: row.tenant_id, advocateId: row.id, campaignId: row.campaign_id, code: row.code, firstName };
  }

  /** The advocate's own browser, seen on their share page (a fraud signal when it later converts). */
  async recordVisit(tenantId: string, advocateId: string, visitorId: string, ipHash: string | null, uaClass: string): Promise<void> {
    await this.db.execute(
      `INSERT INTO portal_visits (tenant_id, advocate_id, visitor_id, ip_hash, ua_class) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (advocate_id, visitor_id) DO UPDATE SET seen_at = now(), ip_hash = EXCLUDED.ip_hash, ua_class = EXCLUDED.ua_class`,
      [tenantId, advocateId, visitorId, ipHash, uaClass],
    );
  }
}
