import { Args, Field, GraphQLISODateTime, ID, Int, ObjectType, Query, Resolver, registerEnumType } from '@nestjs/graphql';
import { AUDIT_ACTIONS, AuditService, auditCursor, type AuditAction } from '#libs/audit/index.js';
import { RequiresScope, TenantId } from '../common/auth.js';
import { Connection, pageComplexity, toConnection } from '../graphql/connection.js';
import { JSONObjectScalar } from '../graphql/json-object.scalar.js';

export const AuditActionEnum = Object.fromEntries(AUDIT_ACTIONS.map((a) => [a, a])) as Record<AuditAction, AuditAction>;
registerEnumType(AuditActionEnum, { name: 'AuditAction', description: 'A marketer action that changed settings or money.' });

@ObjectType()
export class AuditEntry {
  @Field(() => ID) id!: string;
  @Field(() => GraphQLISODateTime) at!: Date;
  @Field(() => ID, { description: 'The API key that acted.' }) apiKeyId!: string;
  @Field({ description: 'The name the key had then.' }) apiKeyName!: string;
  @Field(() => AuditActionEnum) action!: AuditAction;
  @Field({ description: 'campaign, api_key, webhook_endpoint, webhook_delivery, referral, advocate, tenant.' }) targetType!: string;
  @Field(() => String, { nullable: true }) targetId!: string | null;
  @Field(() => JSONObjectScalar, { description: 'A few facts of the action (scopes, reason, amount); never a secret.' })
  details!: Record<string, unknown>;
}

@ObjectType()
export class AuditEntryConnection extends Connection(AuditEntry) {}

@Resolver(() => AuditEntry)
export class AuditResolver {
  constructor(private readonly audit: AuditService) {}

  @Query(() => AuditEntryConnection, {
    complexity: pageComplexity,
    description: 'Who changed settings or money, newest first (ADMIN keys).',
  })
  @RequiresScope('ADMIN')
  async auditLog(
    @TenantId() tenantId: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { nullable: true }) after?: string,
    @Args('action', { type: () => AuditActionEnum, nullable: true }) action?: AuditAction | null,
  ) {
    return toConnection(await this.audit.page(tenantId, first, after, action), auditCursor);
  }
}
