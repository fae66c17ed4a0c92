import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ATTRIBUTION_MODELS, CAMPAIGN_STATUSES, REWARD_KINDS } from '#libs/campaigns/index.js';
import type { AttributionModel, CampaignStatus, RewardKind } from '#libs/campaigns/index.js';
import { Connection } from '../graphql/connection.js';
import { MinorUnits } from '../graphql/minor-units.js';

const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as Record<T, T>;
export const CampaignStatusEnum = enumOf(CAMPAIGN_STATUSES);
export const AttributionModelEnum = enumOf(ATTRIBUTION_MODELS);
export const RewardKindEnum = enumOf(REWARD_KINDS);
registerEnumType(CampaignStatusEnum, { name: 'CampaignStatus' });
registerEnumType(AttributionModelEnum, { name: 'AttributionModel' });
registerEnumType(RewardKindEnum, { name: 'RewardKind' });

@ObjectType()
export class Message {
  @Field() headline!: string;
  @Field() body!: string;
}

@ObjectType()
export class Eligibility {
  @Field(() => Int, { description: 'Lowest NPS answer that makes a customer eligible (0-10).' }) minNps!: number;
  @Field(() => Int, { description: 'The answer must come within this many days of first use.' }) withinDaysOfFirstUse!: number;
  @Field() requireExpectationMet!: boolean;
}

@ObjectType()
export class RewardRule {
  @Field(() => RewardKindEnum) kind!: RewardKind;
  @Field(() => MinorUnits, { nullable: true, description: 'FIXED: amount in minor units.' }) amount!: number | null;
  @Field(() => Int, { nullable: true, description: 'PERCENT: basis points of the order amount.' }) percentBps!: number | null;
  @Field() currency!: string;
}

@ObjectType()
export class Money {
  @Field(() => MinorUnits, { description: 'Minor units.' }) amount!: number;
  @Field() currency!: string;
}

@ObjectType()
export class CustomChannel {
  @Field() name!: string;
  @Field({ description: 'Share URL; {url} and {text} are replaced.' }) shareUrlTemplate!: string;
}

@ObjectType()
export class Campaign {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() slug!: string;
  @Field(() => CampaignStatusEnum) status!: CampaignStatus;
  @Field() destinationUrl!: string;
  @Field(() => Message) message!: Message;
  @Field(() => [String]) channels!: string[];
  @Field(() => [CustomChannel]) customChannels!: CustomChannel[];
  @Field(() => Eligibility) eligibility!: Eligibility;
  @Field(() => RewardRule) advocateReward!: RewardRule;
  @Field(() => RewardRule, { nullable: true }) friendIncentive!: RewardRule | null;
  @Field(() => Int) attributionWindowDays!: number;
  @Field(() => AttributionModelEnum) attributionModel!: AttributionModel;
  @Field(() => Int) holdDays!: number;
  @Field(() => Money, { nullable: true }) budget!: Money | null;
  @Field(() => Money, { nullable: true, description: 'Most an advocate can earn in this campaign.' }) advocateCap!: Money | null;
  @Field(() => Int, { nullable: true }) maxConversionsPerAdvocatePerDay!: number | null;
  @Field(() => Int) riskReviewThreshold!: number;
  @Field(() => Int) riskBlockThreshold!: number;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
}

@ObjectType()
export class CampaignConnection extends Connection(Campaign) {}
