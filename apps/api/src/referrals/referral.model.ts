import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { RISK_DECISIONS, type RiskDecision } from '#libs/fraud/index.js';
import { REFERRAL_STATUSES, type ReferralStatus } from '#libs/referrals/index.js';
import { REWARD_STATUSES, type RewardStatus } from '#libs/rewards/index.js';
import { Connection } from '../graphql/connection.js';
import { MinorUnits } from '../graphql/minor-units.js';

const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as Record<T, T>;
export const ReferralStatusEnum = enumOf(REFERRAL_STATUSES);
export const RiskDecisionEnum = enumOf(RISK_DECISIONS);
export const RewardStatusEnum = enumOf(REWARD_STATUSES);
export const RewardBeneficiaryEnum = enumOf(['ADVOCATE', 'FRIEND'] as const);
registerEnumType(ReferralStatusEnum, { name: 'ReferralStatus' });
registerEnumType(RiskDecisionEnum, { name: 'RiskDecision' });
registerEnumType(RewardStatusEnum, { name: 'RewardStatus' });
registerEnumType(RewardBeneficiaryEnum, { name: 'RewardBeneficiary', description: 'Who a reward is for.' });

@ObjectType()
export class RiskReason {
  @Field() code!: string;
  @Field() message!: string;
  @Field(() => Int) points!: number;
}

@ObjectType()
export class Risk {
  @Field(() => Int) score!: number;
  @Field(() => RiskDecisionEnum) decision!: RiskDecision;
  @Field(() => [String], { description: 'Plain sentences, one per signal.' }) reasons!: string[];
  @Field(() => [RiskReason]) signals!: RiskReason[];
}

@ObjectType()
export class Referral {
  @Field(() => ID) id!: string;
  @Field(() => ReferralStatusEnum) status!: ReferralStatus;
  @Field(() => ID) advocateId!: string;
  @Field(() => ID) campaignId!: string;
  @Field(() => String, { nullable: true }) orderId!: string | null;
  @Field(() => MinorUnits, { nullable: true, description: 'Order amount, minor units.' }) amount!: number | null;
  @Field(() => String, { nullable: true }) currency!: string | null;
  @Field(() => MinorUnits) refundedAmount!: number;
  @Field() attributedBy!: string;
  @Field(() => GraphQLISODateTime, { nullable: true }) convertedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'Why the referral was refused (self-referral, existing customer, fraud).' })
  rejectedReason!: string | null;
  @Field(() => String, { nullable: true, description: 'Why no reward was credited (advocate cap, campaign budget).' })
  rewardBlockedReason!: string | null;
  @Field(() => Risk) risk!: Risk;
  @Field(() => String, { nullable: true }) reviewedBy!: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) reviewedAt!: Date | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  /** Resolved fields: advocate, referredCustomer. */
  referredCustomerId!: string;
}

@ObjectType()
export class ReferralConnection extends Connection(Referral) {}

@ObjectType()
export class Reward {
  @Field(() => ID) id!: string;
  @Field(() => RewardBeneficiaryEnum) kind!: 'ADVOCATE' | 'FRIEND';
  @Field(() => MinorUnits, { description: 'Minor units.' }) amount!: number;
  @Field(() => MinorUnits) reversedAmount!: number;
  @Field() currency!: string;
  @Field(() => RewardStatusEnum) status!: RewardStatus;
  @Field(() => GraphQLISODateTime) availableAt!: Date;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => ID) referralId!: string;
}

@ObjectType()
export class RewardConnection extends Connection(Reward) {}

@ObjectType()
export class Balance {
  @Field(() => MinorUnits) pending!: number;
  @Field(() => MinorUnits) available!: number;
  @Field(() => MinorUnits) paid!: number;
  @Field(() => MinorUnits) reversed!: number;
  @Field() currency!: string;
}

@ObjectType()
export class Payout {
  @Field(() => ID) id!: string;
  @Field(() => MinorUnits) amount!: number;
  @Field() currency!: string;
  @Field() reference!: string;
}
