import { Injectable } from '@nestjs/common';
import { Db, type Sql } from '#libs/database/index.js';
import type { ApiKeyScope } from './api-key.js';

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  created_at: Date;
  revoked_at: Date | null;
  expires_at: Date | null;
  last_used_at: Date | null;
}

export interface Principal {
  tenantId: string;
  apiKeyId: string;
  apiKeyName: string;
  scopes: ApiKeyScope[];
}

/** A key found by its hash, revoked or not, with what authentication needs to decide. */
export interface KeyOwner extends Principal {
  revokedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

const KEY_COLUMNS = 'id, tenant_id, name, prefix, scopes, created_at, revoked_at, expires_at, last_used_at';

@Injectable()
export class TenantRepository {
  constructor(private readonly db: Db) {}

  async insertTenant(tx: Sql, name: string): Promise<string> {
    const [row] = await tx.query<{ id: string }>(`INSERT INTO tenants (name) VALUES ($1) RETURNING id`, [name]);
    return row!.id;
  }

  async insertApiKey(
    tx: Sql,
    tenantId: string,
    key: { name: string; prefix: string; hash: Buffer; scopes: readonly ApiKeyScope[]; expiresAt: Date | null },
  ): Promise<ApiKeyRow> {
    const [row] = await tx.query<ApiKeyRow>(
      `INSERT INTO api_keys (tenant_id, name, prefix, key_hash, scopes, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${KEY_COLUMNS}`,
      [tenantId, key.name, key.prefix, key.hash, key.scopes, key.expiresAt],
    );
    return row!;
  }

  async revokeApiKey(tenantId: string, id: string): Promise<ApiKeyRow | undefined> {
    return this.db.one<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
       WHERE tenant_id = $1 AND id = $2
       RETURNING ${KEY_COLUMNS}`,
      [tenantId, id],
    );
  }

  /** Oldest first, after the (created_at, id) key when given. */
  async pageApiKeys(tenantId: string, limit: number, after?: { createdAt: string; id: string }): Promise<ApiKeyRow[]> {
    return this.db.query<ApiKeyRow>(
      `SELECT ${KEY_COLUMNS} FROM api_keys
       WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
       ORDER BY created_at, id LIMIT $4`,
      [tenantId, after?.createdAt ?? null, after?.id ?? null, limit],
    );
  }

  async findKeyOwner(hash: Buffer): Promise<KeyOwner | undefined> {
    return this.db.one<KeyOwner>(
      `SELECT tenant_id AS "tenantId", id AS "apiKeyId", name AS "apiKeyName", scopes,
              revoked_at AS "revokedAt", expires_at AS "expiresAt", last_used_at AS "lastUsedAt"
       FROM api_keys WHERE key_hash = $1`,
      [hash],
    );
  }

  /** Moves last_used_at on, unless another process did so within the last minute. */
  async touchApiKey(id: string): Promise<void> {
    await this.db.execute(
      `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }

  async tenantExists(tenantId: string): Promise<boolean> {
    return (await this.db.one(`SELECT 1 FROM tenants WHERE id = $1`, [tenantId])) !== undefined;
  }

  /** The tenant's Stripe webhook signing secret, sealed (never stored in plaintext). */
  async setStripeSecretSealed(tenantId: string, sealed: string): Promise<void> {
    await this.db.execute(`UPDATE tenants SET stripe_webhook_secret_sealed = $2 WHERE id = $1`, [tenantId, sealed]);
  }

  async stripeSecretSealed(tenantId: string): Promise<string | undefined> {
    const row = await this.db.one<{ sealed: string | null }>(`SELECT stripe_webhook_secret_sealed AS sealed FROM tenants WHERE id = $1`, [
      tenantId,
    ]);
    return row?.sealed ?? undefined;
  }
}
