import { Injectable } from '@nestjs/common';
import { Db, type Sql } from '#libs/database/index.js';

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

export interface Principal {
  tenantId: string;
  apiKeyId: string;
  apiKeyName: string;
}

@Injectable()
export class TenantRepository {
  constructor(private readonly db: Db) {}

  async insertTenant(tx: Sql, name: string): Promise<string> {
    const [row] = await tx.query<{ id: string }>(`INSERT INTO tenants (name) VALUES ($1) RETURNING id`, [name]);
    return row!.id;
  }

  async insertApiKey(tx: Sql, tenantId: string, name: string, prefix: string, hash: Buffer): Promise<ApiKeyRow> {
    const [row] = await tx.query<ApiKeyRow>(
      `INSERT INTO api_keys (tenant_id, name, prefix, key_hash) VALUES ($1, $2, $3, $4)
       RETURNING id, tenant_id, name, prefix, created_at, revoked_at`,
      [tenantId, name, prefix, hash],
    );
    return row!;
  }

  async revokeApiKey(tenantId: string, id: string): Promise<ApiKeyRow | undefined> {
    return this.db.one<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
       WHERE tenant_id = $1 AND id = $2
       RETURNING id, tenant_id, name, prefix, created_at, revoked_at`,
      [tenantId, id],
    );
  }

  async listApiKeys(tenantId: string): Promise<ApiKeyRow[]> {
    return this.db.query<ApiKeyRow>(
      `SELECT id, tenant_id, name, prefix, created_at, revoked_at FROM api_keys
       WHERE tenant_id = $1 ORDER BY created_at, id`,
      [tenantId],
    );
  }

  async findPrincipal(hash: Buffer): Promise<Principal | undefined> {
    return this.db.one<Principal>(
      `SELECT tenant_id AS "tenantId", id AS "apiKeyId", name AS "apiKeyName"
       FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [hash],
    );
  }

  async tenantExists(tenantId: string): Promise<boolean> {
    return (await this.db.one(`SELECT 1 FROM tenants WHERE id = $1`, [tenantId])) !== undefined;
  }
}
