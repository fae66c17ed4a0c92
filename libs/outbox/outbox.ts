import { Injectable } from '@nestjs/common';
import type { Sql } from '#libs/database/index.js';

/** The outbound event types of the contract. */
export const OUTBOX_EVENT_TYPES = [
  'advocate.enrolled',
  'referral.converted',
  'reward.credited',
  'reward.available',
  'reward.reversed',
] as const;
export type OutboxEventType = (typeof OUTBOX_EVENT_TYPES)[number];

export interface OutboxEvent {
  id: string;
  seq: string;
  tenantId: string;
  type: OutboxEventType;
  data: Record<string, unknown>;
  createdAt: Date;
}

/**
 * Writes outbound events inside the caller's transaction, so an event exists if and only if the
 * change it announces committed. Delivery (webhooks) reads the table, not Redis.
 */
@Injectable()
export class OutboxWriter {
  async add(tx: Sql, tenantId: string, type: OutboxEventType, data: Record<string, unknown>): Promise<string> {
    const [row] = await tx.query<{ id: string }>(`INSERT INTO outbox (tenant_id, type, data) VALUES ($1, $2, $3) RETURNING id`, [
      tenantId,
      type,
      JSON.stringify(data),
    ]);
    return row!.id;
  }

  /** Many events in one statement (batched writers). */
  async addMany(tx: Sql, events: { tenantId: string; type: OutboxEventType; data: Record<string, unknown> }[]): Promise<void> {
    if (events.length === 0) return;
    await tx.query(
      `INSERT INTO outbox (tenant_id, type, data)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[])`,
      [events.map((e) => e.tenantId), events.map((e) => e.type), events.map((e) => JSON.stringify(e.data))],
    );
  }
}
