import { Injectable } from '@nestjs/common';
import type { Sql } from '#libs/database/index.js';

/** The one writer of `outbox`: events are added with their change, and marked once turned into deliveries. */
@Injectable()
export class OutboxRepository {
  async insert(tx: Sql, tenantId: string, type: string, data: unknown): Promise<string> {
    const [row] = await tx.query<{ id: string }>(`INSERT INTO outbox (tenant_id, type, data) VALUES ($1, $2, $3) RETURNING id`, [
      tenantId,
      type,
      JSON.stringify(data),
    ]);
    return row!.id;
  }

  /**
   * Up to `limit` events not dispatched yet, oldest first, locked for the transaction (other
   * dispatchers skip them). Reads across tenants: dispatch serves the whole outbox.
   */
  async lockUndispatched(tx: Sql, limit: number): Promise<string[]> {
    const rows = await tx.query<{ id: string }>(
      `SELECT id FROM outbox WHERE dispatched_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  async markDispatched(tx: Sql, ids: readonly string[]): Promise<void> {
    await tx.execute(`UPDATE outbox SET dispatched_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
  }
}
