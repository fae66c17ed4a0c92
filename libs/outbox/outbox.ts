import { Injectable } from '@nestjs/common';
import type { Sql } from '#libs/database/index.js';
import type { OutboxEventMap, OutboxEventType } from './outbox-events.js';

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
 * change it announces committed. Delivery (webhooks) reads the table, not Redis. Each event's
 * payload is checked by the compiler against OutboxEventMap.
 */
@Injectable()
export class OutboxWriter {
  async add<K extends OutboxEventType>(tx: Sql, tenantId: string, type: K, data: OutboxEventMap[K]): Promise<string> {
    const [row] = await tx.query<{ id: string }>(`INSERT INTO outbox (tenant_id, type, data) VALUES ($1, $2, $3) RETURNING id`, [
      tenantId,
      type,
      JSON.stringify(data),
    ]);
    return row!.id;
  }
}
