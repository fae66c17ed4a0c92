import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { NotFoundError, parseInput } from '#libs/common/index.js';
import { Db } from '#libs/database/index.js';
import { displayPrefix, generateApiKey, hashApiKey, looksLikeApiKey } from './api-key.js';
import { TenantRepository, type ApiKeyRow, type Principal } from './tenant.repository.js';

const nameSchema = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const uuidSchema = z.uuid({ message: 'must be a UUID' });

export interface CreatedApiKey {
  key: ApiKeyRow;
  /** The plaintext key: shown once, never stored. */
  secret: string;
}

@Injectable()
export class TenantsService {
  constructor(
    private readonly db: Db,
    private readonly tenants: TenantRepository,
  ) {}

  async createTenant(name: string): Promise<{ tenantId: string; apiKey: string }> {
    const validName = parseInput(nameSchema, name, 'name');
    return this.db.transaction(async (tx) => {
      const tenantId = await this.tenants.insertTenant(tx, validName);
      const secret = generateApiKey();
      await this.tenants.insertApiKey(tx, tenantId, 'default', displayPrefix(secret), hashApiKey(secret));
      return { tenantId, apiKey: secret };
    });
  }

  async createApiKey(tenantId: string, name: string): Promise<CreatedApiKey> {
    const validName = parseInput(nameSchema, name, 'name');
    const secret = generateApiKey();
    const key = await this.tenants.insertApiKey(this.db, tenantId, validName, displayPrefix(secret), hashApiKey(secret));
    return { key, secret };
  }

  async revokeApiKey(tenantId: string, id: string): Promise<ApiKeyRow> {
    if (!uuidSchema.safeParse(id).success) throw new NotFoundError('API key', id);
    const row = await this.tenants.revokeApiKey(tenantId, id);
    if (!row) throw new NotFoundError('API key', id);
    return row;
  }

  listApiKeys(tenantId: string): Promise<ApiKeyRow[]> {
    return this.tenants.listApiKeys(tenantId);
  }

  /** The tenant behind a key; undefined for a malformed, unknown or revoked key. */
  async authenticate(key: string): Promise<Principal | undefined> {
    if (!looksLikeApiKey(key)) return undefined;
    // No cache on purpose: a revoked key must stop working at once, on every process.
    return this.tenants.findPrincipal(hashApiKey(key));
  }
}
