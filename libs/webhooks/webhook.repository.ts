import { Injectable } from '@nestjs/common';
import { Db, type Sql } from '#libs/database/index.js';
import type { DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint } from './webhook.js';

interface EndpointRow {
  id: string;
  tenant_id: string;
  url: string;
  events: string[];
  enabled: boolean;
  previous_secret_until: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface DeliveryRow {
  id: string;
  seq: string;
  tenant_id: string;
  endpoint_id: string;
  outbox_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_response_ms: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
  replay_of: string | null;
}

export interface PendingDelivery extends WebhookDelivery {
  eventCreatedAt: Date;
  eventData: unknown;
}

const ENDPOINT_COLUMNS = 'id, tenant_id, url, events, enabled, previous_secret_until, created_at, updated_at';
const DELIVERY_COLUMNS = `d.id, d.seq, d.tenant_id, d.endpoint_id, d.outbox_id, o.type AS event_type, d.status, d.attempts,
  d.next_attempt_at, d.last_status_code, d.last_response_ms, d.last_error, d.delivered_at, d.created_at, d.replay_of`;

function toEndpoint(r: EndpointRow): WebhookEndpoint {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    url: r.url,
    events: r.events,
    enabled: r.enabled,
    previousSecretUntil: r.previous_secret_until && r.previous_secret_until > new Date() ? r.previous_secret_until : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toDelivery(r: DeliveryRow): WebhookDelivery {
  return {
    id: r.id,
    seq: r.seq,
    tenantId: r.tenant_id,
    endpointId: r.endpoint_id,
    eventId: r.outbox_id,
    eventType: r.event_type,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastStatusCode: r.last_status_code,
    lastResponseMs: r.last_response_ms,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
    createdAt: r.created_at,
    replayOf: r.replay_of,
  };
}

/** Endpoints, deliveries and attempts of one tenant. */
@Injectable()
export class WebhookRepository {
  constructor(private readonly db: Db) {}

  async insertEndpoint(tenantId: string, url: string, events: string[], secretSealed: string): Promise<WebhookEndpoint> {
    const [row] = await this.db.query<EndpointRow>(
      `INSERT INTO webhook_endpoints (tenant_id, url, events, secret_sealed) VALUES ($1, $2, $3, $4) RETURNING ${ENDPOINT_COLUMNS}`,
      [tenantId, url, events, secretSealed],
    );
    return toEndpoint(row!);
  }

  async countEndpoints(tenantId: string): Promise<number> {
    const row = await this.db.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM webhook_endpoints WHERE tenant_id = $1 AND deleted_at IS NULL`,
      [tenantId],
    );
    return row!.n;
  }

  async listEndpoints(tenantId: string): Promise<WebhookEndpoint[]> {
    const rows = await this.db.query<EndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY created_at, id`,
      [tenantId],
    );
    return rows.map(toEndpoint);
  }

  async findEndpoint(tenantId: string, id: string): Promise<WebhookEndpoint | undefined> {
    const row = await this.db.one<EndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [tenantId, id],
    );
    return row && toEndpoint(row);
  }

  async setEnabled(tenantId: string, id: string, enabled: boolean): Promise<WebhookEndpoint | undefined> {
    const row = await this.db.one<EndpointRow>(
      `UPDATE webhook_endpoints SET enabled = $3, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING ${ENDPOINT_COLUMNS}`,
      [tenantId, id, enabled],
    );
    return row && toEndpoint(row);
  }

  /** A new signing secret; the current one keeps signing beside it until `previousUntil`. */
  async rotateSecret(tenantId: string, id: string, secretSealed: string, previousUntil: Date): Promise<WebhookEndpoint | undefined> {
    const row = await this.db.one<EndpointRow>(
      `UPDATE webhook_endpoints
       SET previous_secret_sealed = secret_sealed, previous_secret_until = $4, secret_sealed = $3, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING ${ENDPOINT_COLUMNS}`,
      [tenantId, id, secretSealed, previousUntil],
    );
    return row && toEndpoint(row);
  }

  /** Kept (soft-deleted) so its delivery log stays readable; nothing is sent to it any more. */
  async softDelete(tenantId: string, id: string): Promise<boolean> {
    return (
      (await this.db.execute(
        `UPDATE webhook_endpoints SET deleted_at = now(), enabled = false, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL`,
        [tenantId, id],
      )) > 0
    );
  }

  /** Newest first. */
  async pageDeliveries(tenantId: string, endpointId: string, limit: number, beforeSeq?: string): Promise<WebhookDelivery[]> {
    const rows = await this.db.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN outbox o ON o.id = d.outbox_id
       WHERE d.tenant_id = $1 AND d.endpoint_id = $2 AND ($3::bigint IS NULL OR d.seq < $3)
       ORDER BY d.seq DESC LIMIT $4`,
      [tenantId, endpointId, beforeSeq ?? null, limit],
    );
    return rows.map(toDelivery);
  }

  async attemptsOf(tenantId: string, deliveryIds: string[]): Promise<Map<string, WebhookAttempt[]>> {
    const rows = await this.db.query<WebhookAttempt & { deliveryId: string }>(
      `SELECT delivery_id AS "deliveryId", attempted_at AS "attemptedAt", status_code AS "statusCode",
              response_ms AS "responseTimeMs", response_body AS "responseBody", error
       FROM webhook_attempts WHERE tenant_id = $1 AND delivery_id = ANY($2::uuid[]) ORDER BY id`,
      [tenantId, deliveryIds],
    );
    const byDelivery = new Map<string, WebhookAttempt[]>();
    for (const { deliveryId, ...attempt } of rows) {
      const list = byDelivery.get(deliveryId) ?? [];
      list.push(attempt);
      byDelivery.set(deliveryId, list);
    }
    return byDelivery;
  }

  /** A new delivery of the same event to the same endpoint, queued behind the endpoint's others. */
  async insertReplay(tenantId: string, deliveryId: string): Promise<WebhookDelivery | undefined> {
    const row = await this.db.one<DeliveryRow>(
      `WITH replay AS (
         INSERT INTO webhook_deliveries (tenant_id, endpoint_id, outbox_id, replay_of)
         SELECT d.tenant_id, d.endpoint_id, d.outbox_id, d.id
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.deleted_at IS NULL
         WHERE d.tenant_id = $1 AND d.id = $2
         RETURNING *
       )
       SELECT ${DELIVERY_COLUMNS} FROM replay d JOIN outbox o ON o.id = d.outbox_id`,
      [tenantId, deliveryId],
    );
    return row && toDelivery(row);
  }

  /**
   * Takes the endpoint's delivery lease: only one worker delivers an endpoint at a time, which is
   * what keeps its events in order. The lease expires, so a killed worker does not block it.
   */
  async takeLease(
    tenantId: string,
    endpointId: string,
    token: string,
    leaseMs: number,
  ): Promise<{ url: string; secretSealed: string; previousSecretSealed: string | null } | undefined> {
    return this.db.one<{ url: string; secretSealed: string; previousSecretSealed: string | null }>(
      `UPDATE webhook_endpoints SET lease_token = $3, lease_until = now() + $4 * interval '1 millisecond'
       WHERE tenant_id = $1 AND id = $2 AND enabled AND deleted_at IS NULL
         AND (lease_until IS NULL OR lease_until < now() OR lease_token = $3)
       RETURNING url, secret_sealed AS "secretSealed",
         CASE WHEN previous_secret_until > now() THEN previous_secret_sealed END AS "previousSecretSealed"`,
      [tenantId, endpointId, token, leaseMs],
    );
  }

  async releaseLease(tenantId: string, endpointId: string, token: string): Promise<void> {
    await this.db.execute(
      `UPDATE webhook_endpoints SET lease_token = NULL, lease_until = NULL WHERE tenant_id = $1 AND id = $2 AND lease_token = $3`,
      [tenantId, endpointId, token],
    );
  }

  /** The endpoint's oldest undelivered delivery, with its event: nothing later may go before it. */
  async nextPending(tenantId: string, endpointId: string): Promise<PendingDelivery | undefined> {
    const row = await this.db.one<DeliveryRow & { event_created_at: Date; event_data: unknown }>(
      `SELECT ${DELIVERY_COLUMNS}, o.created_at AS event_created_at, o.data AS event_data
       FROM webhook_deliveries d JOIN outbox o ON o.id = d.outbox_id
       WHERE d.tenant_id = $1 AND d.endpoint_id = $2 AND d.status = 'PENDING'
       ORDER BY d.seq LIMIT 1`,
      [tenantId, endpointId],
    );
    return row && { ...toDelivery(row), eventCreatedAt: row.event_created_at, eventData: row.event_data };
  }

  /** Logs one attempt and moves the delivery on, in one transaction. */
  async recordAttempt(
    tenantId: string,
    deliveryId: string,
    attempt: { statusCode: number | null; responseTimeMs: number; responseBody: string | null; error: string | null },
    outcome: { status: DeliveryStatus; nextAttemptAt: Date | null },
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.execute(
        `INSERT INTO webhook_attempts (tenant_id, delivery_id, status_code, response_ms, response_body, error)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [tenantId, deliveryId, attempt.statusCode, attempt.responseTimeMs, attempt.responseBody, attempt.error],
      );
      await tx.execute(
        `UPDATE webhook_deliveries SET attempts = attempts + 1, status = $3, next_attempt_at = coalesce($4, next_attempt_at),
           last_status_code = $5, last_response_ms = $6, last_error = $7,
           delivered_at = CASE WHEN $3 = 'DELIVERED' THEN now() ELSE delivered_at END
         WHERE tenant_id = $1 AND id = $2`,
        [tenantId, deliveryId, outcome.status, outcome.nextAttemptAt, attempt.statusCode, attempt.responseTimeMs, attempt.error],
      );
    });
  }

  /**
   * One delivery per matching enabled endpoint for each of these outbox events, in outbox order;
   * the unique (endpoint, event) index makes a repeated dispatch harmless. Reads across tenants
   * (dispatch serves the whole outbox); each delivery carries its event's tenant id, and endpoints
   * are matched on that tenant only. Returns the endpoints that got deliveries.
   */
  async createDeliveries(tx: Sql, outboxIds: readonly string[]): Promise<EndpointRef[]> {
    return tx.query<EndpointRef>(
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
      [outboxIds],
    );
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

export interface EndpointRef {
  tenantId: string;
  endpointId: string;
}
