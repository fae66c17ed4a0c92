import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { NotFoundError } from '#libs/common/index.js';
import { AdvocateLoaders } from '../advocates/advocate.loaders.js';
import { Advocate } from '../advocates/advocate.model.js';
import { Customer } from '../customers/customer.model.js';
import { clampFirst, decodeCursor } from '#libs/common/index.js';
import {
  ReferralsService,
  ReviewService,
  referralCursor,
  type Referral as ReferralEntity,
  type ReferralStatus,
} from '#libs/referrals/index.js';
import { RewardsService, type Reward as RewardEntity } from '#libs/rewards/index.js';
import { CurrentPrincipal, TenantId } from '../common/auth.js';
import { Audited } from '../audit/audited.js';
import type { Principal } from '#libs/tenants/index.js';
import { boundedListComplexity, pageComplexity, toConnection } from '../graphql/connection.js';
import { MinorUnits } from '../graphql/minor-units.js';
import { Payout, Referral, ReferralConnection, ReferralStatusEnum, Reward, RewardConnection, Risk } from './referral.model.js';

/** The review queue is a work queue: its head, at most this long; decisions bring the rest. */
const REVIEW_PAGE = 100;

@Resolver(() => Referral)
export class ReferralsResolver {
  constructor(
    private readonly referralService: ReferralsService,
    private readonly rewardService: RewardsService,
    private readonly review: ReviewService,
    private readonly loaders: AdvocateLoaders,
  ) {}

  @Query(() => [Referral], {
    complexity: ({ args, childComplexity }) => (args.first ?? REVIEW_PAGE) * Math.max(1, childComplexity) + 1,
    description: `Referrals held for review (risk decision REVIEW, not yet decided), oldest first: the first \`first\` (1-${REVIEW_PAGE}, default ${REVIEW_PAGE}); deciding them brings the next.`,
  })
  reviewQueue(
    @TenantId() tenantId: string,
    @Args('campaignId', { type: () => ID }) campaignId: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number | null,
  ) {
    return this.review.queue(tenantId, campaignId, clampFirst(first, REVIEW_PAGE, REVIEW_PAGE));
  }

  @Mutation(() => Referral, { description: 'Approves a referral held for review; its rewards are released when the hold ends.' })
  @Audited('REFERRAL_APPROVED', ({ args }) => ({ type: 'referral', id: String(args.id) }))
  approveReferral(@CurrentPrincipal() principal: Principal, @Args('id', { type: () => ID }) id: string) {
    return this.review.approve(principal.tenantId, id, principal.apiKeyName);
  }

  @Mutation(() => Referral, { description: 'Rejects a referral; its rewards are reversed through the ledger.' })
  @Audited('REFERRAL_REJECTED', ({ args }) => ({ type: 'referral', id: String(args.id), details: { reason: args.reason } }))
  rejectReferral(@CurrentPrincipal() principal: Principal, @Args('id', { type: () => ID }) id: string, @Args('reason') reason: string) {
    return this.review.reject(principal.tenantId, id, reason, principal.apiKeyName);
  }

  @Query(() => ReferralConnection, { complexity: pageComplexity })
  async referrals(
    @TenantId() tenantId: string,
    @Args('campaignId', { type: () => ID }) campaignId: string,
    @Args('status', { type: () => ReferralStatusEnum, nullable: true }) status?: ReferralStatus,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { nullable: true }) after?: string,
  ) {
    return toConnection(await this.referralService.page(tenantId, campaignId, status, clampFirst(first), after), referralCursor);
  }

  @Query(() => Referral)
  referral(@TenantId() tenantId: string, @Args('id', { type: () => ID }) id: string) {
    return this.referralService.get(tenantId, id);
  }

  @ResolveField(() => Advocate)
  async advocate(@Parent() referral: ReferralEntity, @Context('req') req: object) {
    const advocate = await this.loaders.for(req, referral.tenantId).advocate.load(referral.advocateId);
    if (!advocate) throw new NotFoundError('Advocate', referral.advocateId);
    return advocate;
  }

  @ResolveField(() => Customer)
  async referredCustomer(@Parent() referral: ReferralEntity, @Context('req') req: object) {
    const customer = await this.loaders.for(req, referral.tenantId).customer.load(referral.referredCustomerId);
    if (!customer) throw new NotFoundError('Customer', referral.referredCustomerId);
    return customer;
  }

  @ResolveField(() => [Reward], {
    complexity: boundedListComplexity(2),
    description: "The referral's rewards: the advocate's and the friend's incentive.",
  })
  async rewards(@Parent() referral: ReferralEntity, @Context('req') req: object) {
    return this.loaders.for(req, referral.tenantId).rewardsOfReferral.load(referral.id);
  }

  @ResolveField(() => Risk)
  risk(@Parent() referral: ReferralEntity): Risk {
    return {
      score: referral.riskScore,
      decision: referral.riskDecision,
      reasons: referral.riskReasons.map((r) => r.message),
      signals: referral.riskReasons,
    };
  }

  @Query(() => RewardConnection, {
    name: 'rewards',
    complexity: pageComplexity,
    description: "The advocate's own rewards, oldest first (the friends' incentives are on each referral).",
  })
  async advocateRewards(
    @TenantId() tenantId: string,
    @Args('advocateId', { type: () => ID }) advocateId: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { nullable: true }) after?: string,
  ) {
    const key = after ? decodeCursor(after, ['timestamp', 'uuid']) : undefined;
    return toConnection(await this.rewardService.pageForAdvocate(tenantId, advocateId, clampFirst(first), key), rewardCursor);
  }

  @Mutation(() => Payout)
  @Audited('PAYOUT_RECORDED', ({ args, result }) => ({
    type: 'advocate',
    id: String(args.advocateId),
    details: { payoutId: (result as Payout).id, amount: args.amount, currency: args.currency, reference: args.reference },
  }))
  recordPayout(
    @TenantId() tenantId: string,
    @Args('advocateId', { type: () => ID }) advocateId: string,
    @Args('amount', { type: () => MinorUnits }) amount: number,
    @Args('currency') currency: string,
    @Args('reference') reference: string,
  ) {
    return this.rewardService.recordPayout(tenantId, advocateId, amount, currency, reference);
  }
}

@Resolver(() => Reward)
export class RewardsResolver {
  constructor(private readonly loaders: AdvocateLoaders) {}

  @ResolveField(() => Referral)
  async referral(@Parent() reward: RewardEntity, @Context('req') req: object) {
    const referral = await this.loaders.for(req, reward.tenantId).referral.load(reward.referralId);
    if (!referral) throw new NotFoundError('Referral', reward.referralId);
    return referral;
  }
}

function rewardCursor(r: RewardEntity): [string, string] {
  return [r.createdAt.toISOString(), r.id];
}
