import { Args, Field, GraphQLISODateTime, ID, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { TenantsService, type ApiKeyRow } from '#libs/tenants/index.js';
import { TenantId } from '../common/auth.js';

@ObjectType()
export class ApiKey {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field({ description: 'The first characters of the key, to recognise it.' }) prefix!: string;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) revokedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'The key itself: given once, by createApiKey; never stored.' })
  key!: string | null;
  @Field(() => String, { nullable: true, description: 'Same as key.' }) apiKey!: string | null;
}

function toApiKey(row: ApiKeyRow, secret: string | null = null): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    key: secret,
    apiKey: secret,
  };
}

@Resolver(() => ApiKey)
export class ApiKeysResolver {
  constructor(private readonly tenants: TenantsService) {}

  @Query(() => [ApiKey])
  async apiKeys(@TenantId() tenantId: string) {
    return (await this.tenants.listApiKeys(tenantId)).map((row) => toApiKey(row));
  }

  @Mutation(() => ApiKey)
  async createApiKey(@TenantId() tenantId: string, @Args('name') name: string) {
    const created = await this.tenants.createApiKey(tenantId, name);
    return toApiKey(created.key, created.secret);
  }

  @Mutation(() => ApiKey)
  async revokeApiKey(@TenantId() tenantId: string, @Args('id', { type: () => ID }) id: string) {
    return toApiKey(await this.tenants.revokeApiKey(tenantId, id));
  }
}
