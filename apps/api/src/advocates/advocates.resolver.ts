import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { NotFoundError, clampFirst } from '#libs/common/index.js';
import { AdvocatesService, advocateCursor, type Advocate as AdvocateRecord } from '#libs/advocates/index.js';
import { TenantId } from '../common/auth.js';
import { Audited } from '../audit/audited.js';
import { pageComplexity, toConnection } from '../graphql/connection.js';
import { Campaign } from '../campaigns/campaign.model.js';
import { Customer } from '../customers/customer.model.js';
import { AdvocateLoaders } from './advocate.loaders.js';
import { Advocate, AdvocateConnection, ShareLink } from './advocate.model.js';
import { Balance } from '../referrals/referral.model.js';

@Resolver(() => Advocate)
export class AdvocatesResolver {
  constructor(
    private readonly service: AdvocatesService,
    private readonly loaders: AdvocateLoaders,
  ) {}

  @Query(() => Advocate)
  advocate(@TenantId() tenantId: string, @Args('id', { type: () => ID }) id: string) {
    return this.service.get(tenantId, id);
  }

  @Query(() => AdvocateConnection, { complexity: pageComplexity, description: "A campaign's advocates, oldest first." })
  async advocates(
    @TenantId() tenantId: string,
    @Args('campaignId', { type: () => ID }) campaignId: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { nullable: true }) after?: string,
  ) {
    return toConnection(await this.service.page(tenantId, campaignId, clampFirst(first), after), advocateCursor);
  }

  @Mutation(() => Advocate, { description: "Enrols a customer (the brand's id) by hand, optionally with a vanity code." })
  @Audited('ADVOCATE_ENROLLED', ({ args, result }) => ({
    type: 'advocate',
    id: (result as AdvocateRecord).id,
    details: { campaignId: args.campaignId, customerId: args.customerId },
  }))
  enrollAdvocate(
    @TenantId() tenantId: string,
    @Args('campaignId', { type: () => ID }) campaignId: string,
    @Args('customerId') customerId: string,
    @Args('code', { type: () => String, nullable: true }) code?: string | null,
  ) {
    return this.service.enrollManually(tenantId, campaignId, customerId, code);
  }

  @ResolveField(() => Customer)
  async customer(@Parent() advocate: AdvocateRecord, @Context('req') req: object) {
    const customer = await this.loaders.for(req, advocate.tenantId).customer.load(advocate.customerId);
    if (!customer) throw new NotFoundError('Customer', advocate.customerId);
    return customer;
  }

  @ResolveField(() => Campaign)
  async campaign(@Parent() advocate: AdvocateRecord, @Context('req') req: object) {
    const campaign = await this.loaders.for(req, advocate.tenantId).campaign.load(advocate.campaignId);
    if (!campaign) throw new NotFoundError('Campaign', advocate.campaignId);
    return campaign;
  }

  @ResolveField(() => [ShareLink], { description: "One link per channel of the campaign, with the channel's share intent." })
  async links(@Parent() advocate: AdvocateRecord, @Context('req') req: object) {
    const campaign = await this.campaign(advocate, req);
    return this.service.links(advocate, campaign);
  }

  @ResolveField(() => Balance, { description: "The advocate's reward balance in the campaign's reward currency." })
  async balance(@Parent() advocate: AdvocateRecord, @Context('req') req: object): Promise<Balance> {
    const loaders = this.loaders.for(req, advocate.tenantId);
    const [balances, campaign] = await Promise.all([loaders.balances.load(advocate.id), loaders.campaign.load(advocate.campaignId)]);
    const currency = campaign?.advocateReward.currency ?? balances[0]?.currency ?? 'USD';
    return balances.find((b) => b.currency === currency) ?? balances[0] ?? { pending: 0, available: 0, paid: 0, reversed: 0, currency };
  }

  @ResolveField(() => String, { description: "The advocate's share page." })
  portalUrl(@Parent() advocate: AdvocateRecord) {
    return this.service.portalUrl(advocate);
  }
}
