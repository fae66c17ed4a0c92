import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { NotFoundError, UnauthenticatedError, clampFirst, decodeCursor, isUuid, parseInput } from '#libs/common/index.js';
import { Db } from '#libs/database/index.js';
import { API_KEY_SCOPES, displayPrefix, generateApiKey, hashApiKey, looksLikeApiKey, type ApiKeyScope } from './api-key.js';
import { TenantRepository, type ApiKeyRow, type Principal } from './tenant.repository.js';

const nameSchema = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const uuidSchema = z.uuid({ message: 'must be a UUID' });
const newKeySchema = z.object({
  name: nameSchema,
  scopes: z
    .array(z.enum(API_KEY_SCOPES, { message: `must be ${API_KEY_SCOPES.join(', ')}` }))
    .min(1, 'must name at least one scope')
    .transform((s) => [...new Set(s)]),
  expiresAt: z
    .date()
    .nullable()
    .refine((d) => d === null || d.getTime() > Date.now(), 'must be in the future'),
});

/** last_used_at moves at most this often per key: a write per request would cost every request. */
const TOUCH_EVERY_MS = 60_000;

export interface CreatedApiKey {
  key: ApiKeyRow;
  /** The plaintext key: shown once, never stored. */
  secret: string;
}

@Injectable()
export class TenantsService {
  /** When this process last moved each key's last_used_at. */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly tenants: TenantRepository,
  ) {}

  /** A tenant and its first key, which may do everything (ADMIN). */
  async createTenant(name: string): Promise<{ tenantId: string; apiKey: string }> {
    const validName = parseInput(nameSchema, name, 'name');
    return this.db.transaction(async (tx) => {
      const tenantId = await this.tenants.insertTenant(tx, validName);
      const secret = generateApiKey();
      await this.tenants.insertApiKey(tx, tenantId, {
        name: 'default',
        prefix: displayPrefix(secret),
        hash: hashApiKey(secret),
        scopes: ['ADMIN'],
        expiresAt: null,
      });
      return { tenantId, apiKey: secret };
    });
  }

  async createApiKey(tenantId: string, input: { name: string; scopes: string[]; expiresAt?: Date | null }): Promise<CreatedApiKey> {
    const valid = parseInput(newKeySchema, { ...input, expiresAt: input.expiresAt ?? null });
    const secret = generateApiKey();
    const key = await this.tenants.insertApiKey(this.db, tenantId, { ...valid, prefix: displayPrefix(secret), hash: hashApiKey(secret) });
    return { key, secret };
  }

  async revokeApiKey(tenantId: string, id: string): Promise<ApiKeyRow> {
    if (!uuidSchema.safeParse(id).success) throw new NotFoundError('API key', id);
    const row = await this.tenants.revokeApiKey(tenantId, id);
    if (!row) throw new NotFoundError('API key', id);
    return row;
  }

  /** One page of the tenant's keys, oldest first (revoked and expired ones too). */
  async pageApiKeys(tenantId: string, first: number | null | undefined, after?: string | null) {
    const limit = clampFirst(first);
    const key = after ? decodeCursor(after, ['timestamp', 'uuid']) : undefined;
    const rows = await this.tenants.pageApiKeys(tenantId, limit + 1, key && { createdAt: key[0], id: key[1] });
    return { items: rows.slice(0, limit), hasNextPage: rows.length > limit };
  }

  /**
   * The tenant and scopes behind a key. A malformed, unknown, revoked or expired key is refused
   * (UNAUTHENTICATED). No cache on purpose: a revoked key must stop working at once, everywhere.
   */
  async authenticate(key: string): Promise<Principal> {
    const owner = looksLikeApiKey(key) ? await this.tenants.findKeyOwner(hashApiKey(key)) : undefined;
    if (!owner || owner.revokedAt) throw new UnauthenticatedError('The API key is not valid or has been revoked');
    if (owner.expiresAt && owner.expiresAt.getTime() <= Date.now()) {
      throw new UnauthenticatedError(`The API key expired at ${owner.expiresAt.toISOString()}`);
    }
    this.touch(owner.apiKeyId, owner.lastUsedAt);
    return { tenantId: owner.tenantId, apiKeyId: owner.apiKeyId, apiKeyName: owner.apiKeyName, scopes: owner.scopes };
  }

  /** Moves last_used_at on at most once a minute per key, without holding up the request. */
  /** Stores the tenant's Stripe webhook signing secret, sealed by the caller. */
  setStripeSecretSealed(tenantId: string, sealed: string): Promise<void> {
    return this.tenants.setStripeSecretSealed(tenantId, sealed);
  }

  stripeSecretSealed(tenantId: string): Promise<string | undefined> {
    return isUuid(tenantId) ? this.tenants.stripeSecretSealed(tenantId) : Promise.resolve(undefined);
  }

  private touch(id: string, lastUsedAt: Date | null): void {
    const now = Date.now();
    if ((lastUsedAt && now - lastUsedAt.getTime() < TOUCH_EVERY_MS) || now - (this.touched.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    if (this.touched.size > 10_000) this.touched.clear();
    this.touched.set(id, now);
    this.tenants.touchApiKey(id).catch(() => this.touched.delete(id));
  }
}

export function apiKeyCursor(row: ApiKeyRow): [string, string] {
  return [row.created_at.toISOString(), row.id];
}

export type { ApiKeyScope };
