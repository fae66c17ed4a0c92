import { Injectable } from '@nestjs/common';
import { Db, type Sql } from '#libs/database/index.js';

export interface EffectfulEvent {
  uuid: string;
  eventId: string;
  type: 'signup' | 'purchase' | 'refund' | 'share';
  customerId: string;
  occurredAt: Date;
  orderId: string | null;
  amount: number | null;
  channel: string | null;
  properties: Record<string, unknown>;
}

interface EffectfulRow {
  uuid: string;
  event_id: string;
  type: EffectfulEvent['type'];
  customer_id: string;
  occurred_at: Date;
  order_id: string | null;
  amount: string | null;
  channel: string | null;
  properties: Record<string, unknown>;
}

/**
 * `event_effects`: one row per event whose effect (attribution, refund, share) was applied,
 * written in the same transaction as the effect, so replays and sweeps never apply one twice.
 */
@Injectable()
export class EffectsRepository {
  constructor(private readonly db: Db) {}

  /** Events of these sender ids whose effect is not applied yet. */
  async unapplied(tenantId: string, senderIds: readonly string[]): Promise<EffectfulEvent[]> {
    const rows = await this.db.query<EffectfulRow>(
      `SELECT e.id AS uuid, e.event_id, e.type, e.customer_id, e.occurred_at, e.order_id, e.amount, e.channel, e.properties
       FROM events e
       WHERE e.tenant_id = $1 AND e.event_id = ANY($2::text[]) AND e.type IN ('signup', 'purchase', 'refund', 'share')
         AND NOT EXISTS (SELECT 1 FROM event_effects x WHERE x.event_uuid = e.id)
       ORDER BY e.occurred_at, e.event_id`,
      [tenantId, senderIds],
    );
    return rows.map((r) => ({
      uuid: r.uuid,
      eventId: r.event_id,
      type: r.type,
      customerId: r.customer_id,
      occurredAt: r.occurred_at,
      orderId: r.order_id,
      amount: r.amount === null ? null : Number(r.amount),
      channel: r.channel,
      properties: r.properties,
    }));
  }

  /** Sender ids of the tenant's events whose effect is not applied yet. */
  async unappliedIds(tenantId: string): Promise<string[]> {
    const rows = await this.db.query<{ event_id: string }>(
      `SELECT e.event_id FROM events e
       WHERE e.tenant_id = $1 AND e.type IN ('signup', 'purchase', 'refund', 'share')
         AND NOT EXISTS (SELECT 1 FROM event_effects x WHERE x.event_uuid = e.id)`,
      [tenantId],
    );
    return rows.map((r) => r.event_id);
  }

  /** Claims one event's effect; false when it was applied already. */
  async claim(tx: Sql, tenantId: string, eventUuid: string, outcome: string): Promise<boolean> {
    const n = await tx.execute(`INSERT INTO event_effects (event_uuid, tenant_id, outcome) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
      eventUuid,
      tenantId,
      outcome,
    ]);
    return n > 0;
  }

  async setOutcome(tx: Sql, eventUuid: string, outcome: string): Promise<void> {
    await tx.execute(`UPDATE event_effects SET outcome = $2 WHERE event_uuid = $1`, [eventUuid, outcome]);
  }

  /** Marks signups and purchases (by sender id) applied by attribution. */
  async markApplied(tx: Sql, tenantId: string, senderIds: readonly string[], outcome: string): Promise<void> {
    if (senderIds.length === 0) return;
    await tx.execute(
      `INSERT INTO event_effects (event_uuid, tenant_id, outcome)
       SELECT id, tenant_id, $3 FROM events WHERE tenant_id = $1 AND event_id = ANY($2::text[])
       ON CONFLICT DO NOTHING`,
      [tenantId, senderIds, outcome],
    );
  }

  /**
   * Events whose effect was never applied (their job was lost), for the sweeper. Signups and
   * purchases still waiting for the click flush are left out: the flush wakes them.
   */
  async lost(olderThanMs: number, watermark: Date | null, limit = 2000): Promise<{ tenantId: string; eventIds: string[] }[]> {
    const rows = await this.db.query<{ tenant_id: string; ids: string[] }>(
      `SELECT tenant_id, array_agg(event_id) AS ids FROM (
         SELECT e.tenant_id, e.event_id FROM events e
         WHERE e.type IN ('signup', 'purchase', 'refund', 'share') AND e.received_at < now() - make_interval(secs => $1::float8 / 1000)
           AND NOT EXISTS (SELECT 1 FROM event_effects x WHERE x.event_uuid = e.id)
           AND (e.visitor_id IS NULL OR e.type NOT IN ('signup', 'purchase') OR e.occurred_at < $2::timestamptz)
         ORDER BY e.received_at LIMIT $3) t
       GROUP BY tenant_id`,
      [olderThanMs, watermark, limit],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, eventIds: r.ids }));
  }

  /** Signups and purchases with a visitor id that happened in [from, to) and wait to be applied: the flush reached them. */
  async reached(from: Date | null, to: Date, limit = 5000): Promise<{ tenantId: string; eventIds: string[] }[]> {
    const rows = await this.db.query<{ tenant_id: string; ids: string[] }>(
      `SELECT tenant_id, array_agg(event_id) AS ids FROM (
         SELECT e.tenant_id, e.event_id FROM events e
         WHERE e.visitor_id IS NOT NULL AND e.type IN ('signup', 'purchase')
           AND ($1::timestamptz IS NULL OR e.occurred_at >= $1) AND e.occurred_at < $2
           AND NOT EXISTS (SELECT 1 FROM event_effects x WHERE x.event_uuid = e.id)
         ORDER BY e.occurred_at LIMIT $3) t
       GROUP BY tenant_id`,
      [from, to, limit],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, eventIds: r.ids }));
  }

  /** Customers with a signup or purchase by one of these visitors at or after `since`: a late click may change them. */
  async customersOfVisitors(tenantId: string, visitorIds: readonly string[], since: Date): Promise<string[]> {
    const rows = await this.db.query<{ customer_id: string }>(
      `SELECT DISTINCT customer_id FROM events
       WHERE tenant_id = $1 AND visitor_id = ANY($2::text[]) AND type IN ('signup', 'purchase') AND occurred_at >= $3`,
      [tenantId, visitorIds, since],
    );
    return rows.map((r) => r.customer_id);
  }
}
