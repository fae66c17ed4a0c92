import { Injectable } from '@nestjs/common';
import type { Sql } from '#libs/database/index.js';
import type { OutboxEventMap, OutboxEventType } from './outbox-events.js';
import { OutboxRepository } from './outbox.repository.js';

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
  constructor(private readonly outbox: OutboxRepository) {}

  add<K extends OutboxEventType>(tx: Sql, tenantId: string, type: K, data: OutboxEventMap[K]): Promise<string> {
    return this.outbox.insert(tx, tenantId, type, data);
  }
}

/** What webhook dispatch needs of the outbox: the events not dispatched yet, and marking them. */
@Injectable()
export class OutboxFeed {
  constructor(private readonly outbox: OutboxRepository) {}

  lockUndispatched(tx: Sql, limit: number): Promise<string[]> {
    return this.outbox.lockUndispatched(tx, limit);
  }

  markDispatched(tx: Sql, ids: readonly string[]): Promise<void> {
    return this.outbox.markDispatched(tx, ids);
  }
}
