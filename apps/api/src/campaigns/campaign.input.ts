import { Field, InputType, Int } from '@nestjs/graphql';
import type { AttributionModel, RewardKind } from '#libs/campaigns/index.js';
import { AttributionModelEnum, RewardKindEnum } from './campaign.model.js';
import { MinorUnits } from '../graphql/minor-units.js';

// Types only: ranges and formats are checked by the campaign service, which names each bad field.

@InputType()
export class MessageInput {
  @Field() headline!: string;
  @Field() body!: string;
}

@InputType()
export class EligibilityInput {
  @Field(() => Int, { nullable: true }) minNps?: number;
  @Field(() => Int, { nullable: true }) withinDaysOfFirstUse?: number;
  @Field({ nullable: true }) requireExpectationMet?: boolean;
}

@InputType()
export class RewardRuleInput {
  @Field(() => RewardKindEnum) kind!: RewardKind;
  @Field(() => MinorUnits, { nullable: true }) amount?: number | null;
  @Field(() => Int, { nullable: true }) percentBps?: number | null;
  @Field() currency!: string;
}

@InputType()
export class MoneyInput {
  @Field(() => MinorUnits) amount!: number;
  @Field() currency!: string;
}

@InputType()
export class CustomChannelInput {
  @Field() name!: string;
  @Field() shareUrlTemplate!: string;
}

@InputType()
export class CampaignFieldsInput {
  @Field({ nullable: true }) slug?: string;
  @Field(() => MessageInput, { nullable: true }) message?: MessageInput;
  @Field(() => [String], { nullable: true }) channels?: string[];
  @Field(() => [CustomChannelInput], { nullable: true }) customChannels?: CustomChannelInput[];
  @Field(() => EligibilityInput, { nullable: true }) eligibility?: EligibilityInput;
  @Field(() => RewardRuleInput, { nullable: true }) friendIncentive?: RewardRuleInput | null;
  @Field(() => Int, { nullable: true }) attributionWindowDays?: number;
  @Field(() => AttributionModelEnum, { nullable: true }) attributionModel?: AttributionModel;
  @Field(() => Int, { nullable: true }) holdDays?: number;
  @Field(() => MoneyInput, { nullable: true }) budget?: MoneyInput | null;
  @Field(() => MoneyInput, { nullable: true }) advocateCap?: MoneyInput | null;
  @Field(() => Int, { nullable: true }) maxConversionsPerAdvocatePerDay?: number | null;
  @Field(() => Int, { nullable: true }) riskReviewThreshold?: number;
  @Field(() => Int, { nullable: true }) riskBlockThreshold?: number;
}

@InputType()
export class CreateCampaignInput extends CampaignFieldsInput {
  @Field() name!: string;
  @Field() destinationUrl!: string;
  @Field(() => MessageInput) declare message: MessageInput;
  @Field(() => RewardRuleInput) advocateReward!: RewardRuleInput;
}

@InputType()
export class UpdateCampaignInput extends CampaignFieldsInput {
  @Field({ nullable: true }) name?: string;
  @Field({ nullable: true }) destinationUrl?: string;
  @Field(() => RewardRuleInput, { nullable: true }) advocateReward?: RewardRuleInput;
}
