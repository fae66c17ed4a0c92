import { Injectable } from '@nestjs/common';
import { Db } from '#libs/database/index.js';

export interface EndpointRef {
  tenantId: string;
  endpointId: string;
}

// Arbitrary constant: the advisory lock that serialises dispatch across every worker.
const DISPATCH_LOCK = 0x7477_6864; // "twhd"

/**
 * The dispatcher's SQL. Unlike every other repository it reads across tenants: it is the one place
 * that turns the whole outbox into per-endpoint deliveries. Each row it writes carries its
 * event's tenant id, and endpoints are matched on that tenant only.
 */
@Injectable()
export class WebhookDispatchRepository {
  constructor(private readonly db: Db) {}

  /**
   * Turns up to `limit` undispatched outbox events (in seq order) into one delivery per matching
   * enabled endpoint, and marks them dispatched, in one transaction. Dispatch is serialised by an
   * advisory lock so deliveries are numbered in outbox order; the unique (endpoint, event) index
   * makes a repeated dispatch harmless. Returns null when another process is dispatching.
   */
  async dispatchBatch(limit: number): Promise<{ events: number; endpoints: EndpointRef[] } | null> {
    return this.db.transaction(async (tx) => {
      const [lock] = await tx.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock($1) AS ok`, [DISPATCH_LOCK]);
      if (!lock!.ok) return null;
      const events = await tx.query<{ id: string }>(
        `SELECT id FROM outbox WHERE dispatched_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (events.length === 0) return { events: 0, endpoints: [] };
      const ids = events.map((e) => e.id);
      const endpoints = await tx.query<EndpointRef>(
        `WITH created AS (
           INSERT INTO webhook_deliveries (tenant_id, endpoint_id, outbox_id)
           SELECT o.tenant_id, e.id, o.id
           FROM outbox o
           JOIN webhook_endpoints e ON e.tenant_id = o.tenant_id AND e.enabled AND e.deleted_at IS NULL
             AND (o.type = ANY(e.events) OR '*' = ANY(e.events))
           WHERE o.id = ANY($1::uuid[])
           ORDER BY o.seq, e.id
           ON CONFLICT (endpoint_id, outbox_id) WHERE replay_of IS NULL DO NOTHING
           RETURNING tenant_id, endpoint_id
         )
         SELECT DISTINCT tenant_id AS "tenantId", endpoint_id AS "endpointId" FROM created`,
        [ids],
      );
      await tx.execute(`UPDATE outbox SET dispatched_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
      return { events: events.length, endpoints };
    });
  }

  /** Endpoints whose oldest pending delivery is due and that no live worker is delivering. */
  async dueEndpoints(limit: number): Promise<EndpointRef[]> {
    return this.db.query<EndpointRef>(
      `SELECT e.tenant_id AS "tenantId", e.id AS "endpointId"
       FROM webhook_endpoints e
       CROSS JOIN LATERAL (
         SELECT d.next_attempt_at FROM webhook_deliveries d
         WHERE d.endpoint_id = e.id AND d.status = 'PENDING' ORDER BY d.seq LIMIT 1
       ) head
       WHERE e.enabled AND e.deleted_at IS NULL AND head.next_attempt_at <= now()
         AND (e.lease_until IS NULL OR e.lease_until < now())
       LIMIT $1`,
      [limit],
    );
  }
}
