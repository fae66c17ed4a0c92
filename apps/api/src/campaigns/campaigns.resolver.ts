import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { clampFirst } from '#libs/common/index.js';
import { CampaignsService, campaignCursor, type CampaignStatus } from '#libs/campaigns/index.js';
import { TenantId } from '../common/auth.js';
import { Audited } from '../audit/audited.js';
import { pageComplexity, toConnection } from '../graphql/connection.js';
import { CreateCampaignInput, UpdateCampaignInput } from './campaign.input.js';
import { Campaign, CampaignConnection, CampaignStatusEnum } from './campaign.model.js';

@Resolver(() => Campaign)
export class CampaignsResolver {
  constructor(private readonly service: CampaignsService) {}

  @Query(() => Campaign)
  campaign(@TenantId() tenantId: string, @Args('id', { type: () => ID }) id: string) {
    return this.service.get(tenantId, id);
  }

  @Query(() => CampaignConnection, { complexity: pageComplexity })
  async campaigns(
    @TenantId() tenantId: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { nullable: true }) after?: string,
  ) {
    const page = await this.service.page(tenantId, clampFirst(first), after);
    return toConnection(page, campaignCursor);
  }

  @Mutation(() => Campaign)
  @Audited('CAMPAIGN_CREATED', ({ result }) => ({ type: 'campaign', id: (result as { id: string }).id }))
  createCampaign(@TenantId() tenantId: string, @Args('input') input: CreateCampaignInput) {
    return this.service.create(tenantId, { ...input });
  }

  @Mutation(() => Campaign)
  @Audited('CAMPAIGN_UPDATED', ({ args }) => ({
    type: 'campaign',
    id: String(args.id),
    details: { fields: Object.keys(args.input ?? {}) },
  }))
  updateCampaign(@TenantId() tenantId: string, @Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateCampaignInput) {
    return this.service.update(tenantId, id, { ...input });
  }

  @Mutation(() => Campaign)
  @Audited('CAMPAIGN_STATUS_CHANGED', ({ args }) => ({ type: 'campaign', id: String(args.id), details: { status: args.status } }))
  setCampaignStatus(
    @TenantId() tenantId: string,
    @Args('id', { type: () => ID }) id: string,
    @Args('status', { type: () => CampaignStatusEnum }) status: CampaignStatus,
  ) {
    return this.service.setStatus(tenantId, id, status);
  }
}
