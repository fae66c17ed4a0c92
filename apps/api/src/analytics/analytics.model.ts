import { Field, Float, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { Money } from '../campaigns/campaign.model.js';
import { Advocate } from '../advocates/advocate.model.js';

@ObjectType({ description: 'A campaign over a period. Definitions: README, "Analytics: definitions".' })
export class CampaignStats {
  @Field(() => Int, { description: 'Every recorded click (human, bot, preview).' }) clicks!: number;
  @Field(() => Int, { description: 'Human clicks, one per visitor per UTC hour.' }) humanClicks!: number;
  @Field(() => Int) shares!: number;
  @Field(() => Int, { description: 'Referrals that reached LEAD (not refused at attribution).' }) signups!: number;
  @Field(() => Int, { description: 'Referrals CONVERTED or APPROVED (not reversed, not rejected).' }) conversions!: number;
  @Field(() => [Money], { description: 'Converted order amounts net of refunds, per currency.' }) revenue!: Money[];
  @Field(() => [Money], { description: 'Advocate and friend rewards net of reversals, per currency.' }) rewardCost!: Money[];
  @Field(() => Int, { description: 'Advocates enrolled.' }) advocates!: number;
  @Field(() => Float, { nullable: true, description: 'conversions ÷ advocates.' }) kFactor!: number | null;
  @Field(() => Float, { nullable: true, description: 'Advocates with at least one share ÷ advocates.' }) shareRate!: number | null;
  @Field(() => Float, { nullable: true, description: 'conversions ÷ humanClicks.' }) conversionRate!: number | null;
  @Field(() => Float, { nullable: true, description: "revenue ÷ rewardCost in the advocate reward's currency." })
  returnOnRelationship!: number | null;
  @Field(() => Float, { nullable: true, description: 'Referred converted customers who became advocates ÷ referred converted customers.' })
  cycleRestartRate!: number | null;
  @Field(() => Float, { nullable: true, description: 'Referred customers whose first answer said expectation met ÷ those who answered.' })
  promiseKeptRate!: number | null;
}

@ObjectType()
export class GenerationStat {
  @Field(() => Int) generation!: number;
  @Field(() => Int) advocates!: number;
  @Field(() => Int, { description: 'Conversions brought by the advocates of this generation.' }) conversions!: number;
}

@ObjectType({ description: 'The word-of-mouth cycle of a campaign, all time.' })
export class Cycle {
  @Field(() => Int, { description: 'Zero moment: human clicks on share links.' }) zmot!: number;
  @Field(() => Int, { description: 'First moment: conversions.' }) fmot!: number;
  @Field(() => Int, { description: 'Second moment: converted referred customers delighted at first use.' }) smot!: number;
  @Field(() => Int, { description: 'Infinite moment: converted referred customers who became advocates and shared.' }) imot!: number;
  @Field(() => [GenerationStat], { complexity: ({ childComplexity }) => 20 * Math.max(1, childComplexity) + 1 })
  generations!: GenerationStat[];
}

@ObjectType({ description: 'More than once, more than one person, more than one way, over time.' })
export class Imot {
  @Field(() => Int) shares!: number;
  @Field(() => Int, { description: 'Distinct visitors of human clicks on the links.' }) distinctVisitors!: number;
  @Field(() => Int, { description: 'Distinct channels of shares and human clicks.' }) channels!: number;
  @Field(() => Int, { description: 'Distinct UTC days with a share or a human click.' }) activeDays!: number;
  @Field(() => Int, { description: '0-100; see README.' }) score!: number;
}

@ObjectType()
export class LeaderboardEntry {
  @Field(() => Int, { description: '1 for the first place.' }) rank!: number;
  @Field(() => Advocate) advocate!: Advocate;
  @Field(() => Int) conversions!: number;
  @Field(() => Int) humanClicks!: number;
  @Field(() => Int) shares!: number;
  @Field(() => [Money], { description: 'Advocate rewards earned, net of reversals, per currency.' }) rewards!: Money[];
}

@ObjectType()
export class ChannelResult {
  @Field({ description: 'A channel name, or "unknown" for conversions no click explains (codes, coupons).' }) channel!: string;
  @Field(() => Int) shares!: number;
  @Field(() => Int) humanClicks!: number;
  @Field(() => Int) conversions!: number;
  @Field(() => Int, { description: 'Customers who named this channel among their preferred channels in feedback.' }) preferredBy!: number;
}

@ObjectType()
export class DashboardLink {
  @Field() url!: string;
  @Field(() => GraphQLISODateTime) expiresAt!: Date;
}
