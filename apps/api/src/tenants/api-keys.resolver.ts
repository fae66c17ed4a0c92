import { Args, Field, GraphQLISODateTime, ID, Int, Mutation, ObjectType, Query, Resolver, registerEnumType } from '@nestjs/graphql';
import { API_KEY_SCOPES, TenantsService, apiKeyCursor, type ApiKeyRow, type ApiKeyScope } from '#libs/tenants/index.js';
import { RequiresScope, TenantId } from '../common/auth.js';
import { Connection, pageComplexity, toConnection } from '../graphql/connection.js';
import { Audited } from '../audit/audited.js';

export const ApiKeyScopeEnum = Object.fromEntries(API_KEY_SCOPES.map((s) => [s, s])) as Record<ApiKeyScope, ApiKeyScope>;
registerEnumType(ApiKeyScopeEnum, {
  name: 'ApiKeyScope',
  description:
    'ADMIN: everything (keys, secrets, webhooks, campaigns, review decisions, payouts). WRITE: events, feedback and Segment only. READ: queries.',
});

@ObjectType()
export class ApiKey {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field({ description: 'The first characters of the key, to recognise it.' }) prefix!: string;
  @Field(() => [ApiKeyScopeEnum]) scopes!: ApiKeyScope[];
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) revokedAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'After this the key is refused; null: never.' }) expiresAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the key was last used, to the minute.' })
  lastUsedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'The key itself: given once, by createApiKey; never stored.' })
  key!: string | null;
  @Field(() => String, { nullable: true, description: 'Same as key.' }) apiKey!: string | null;
}

@ObjectType()
export class ApiKeyConnection extends Connection(ApiKey) {}

function toApiKey(row: ApiKeyRow, secret: string | null = null): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    key: secret,
    apiKey: secret,
  };
}

@Resolver(() => ApiKey)
@RequiresScope('ADMIN')
export class ApiKeysResolver {
  constructor(private readonly tenants: TenantsService) {}

  @Query(() => ApiKeyConnection, { complexity: pageComplexity, description: "The tenant's API keys, oldest first." })
  async apiKeys(
    @TenantId() tenantId: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { nullable: true }) after?: string,
  ) {
    const connection = toConnection(await this.tenants.pageApiKeys(tenantId, first, after), apiKeyCursor);
    return { ...connection, edges: connection.edges.map((e) => ({ ...e, node: toApiKey(e.node) })) };
  }

  @Mutation(() => ApiKey, { description: 'A new key with the given scopes; the answer carries the key, which is never shown again.' })
  @Audited('API_KEY_CREATED', ({ args, result }) => ({ type: 'api_key', id: (result as ApiKey).id, details: { scopes: args.scopes } }))
  async createApiKey(
    @TenantId() tenantId: string,
    @Args('name') name: string,
    @Args('scopes', { type: () => [ApiKeyScopeEnum] }) scopes: ApiKeyScope[],
    @Args('expiresAt', { type: () => GraphQLISODateTime, nullable: true }) expiresAt?: Date | null,
  ) {
    const created = await this.tenants.createApiKey(tenantId, { name, scopes, expiresAt });
    return toApiKey(created.key, created.secret);
  }

  @Mutation(() => ApiKey)
  @Audited('API_KEY_REVOKED', ({ args }) => ({ type: 'api_key', id: String(args.id) }))
  async revokeApiKey(@TenantId() tenantId: string, @Args('id', { type: () => ID }) id: string) {
    return toApiKey(await this.tenants.revokeApiKey(tenantId, id));
  }
}
