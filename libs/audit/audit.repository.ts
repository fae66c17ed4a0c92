import { Injectable } from '@nestjs/common';
import { Db } from '#libs/database/index.js';
import type { AuditAction, AuditActor, AuditEntry, AuditTarget } from './audit.js';

/** The audit_log table: inserts and reads only (a trigger refuses UPDATE, DELETE and TRUNCATE). */
@Injectable()
export class AuditRepository {
  constructor(private readonly db: Db) {}

  async insert(actor: AuditActor, action: AuditAction, target: AuditTarget): Promise<void> {
    await this.db.execute(
      `INSERT INTO audit_log (tenant_id, api_key_id, api_key_name, action, target_type, target_id, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [actor.tenantId, actor.apiKeyId, actor.apiKeyName, action, target.type, target.id ?? null, JSON.stringify(target.details ?? {})],
    );
  }

  /** Newest first, before the entry `beforeId` when given, of one action when given. */
  async page(tenantId: string, limit: number, beforeId?: string, action?: AuditAction): Promise<AuditEntry[]> {
    return this.db.query<AuditEntry>(
      `SELECT id::text, at, api_key_id AS "apiKeyId", api_key_name AS "apiKeyName", action,
              target_type AS "targetType", target_id AS "targetId", details
       FROM audit_log
       WHERE tenant_id = $1 AND ($2::bigint IS NULL OR id < $2) AND ($3::text IS NULL OR action = $3)
       ORDER BY audit_log.id DESC LIMIT $4`,
      [tenantId, beforeId ?? null, action ?? null, limit],
    );
  }
}
