import { Field, InputType, Int, ObjectType } from '@nestjs/graphql';
import { JSONObjectScalar } from '../graphql/json-object.scalar.js';
import { MinorUnits } from '../graphql/minor-units.js';

// Types only: ranges and formats are checked by the moments service, which names each bad field.

@InputType()
export class EventInput {
  @Field({ description: "The sender's idempotency id: the same id again is a duplicate, never applied twice." }) id!: string;
  @Field({ description: 'signup, purchase, first_use, milestone, refund or share.' }) type!: string;
  @Field({ description: "The brand's own customer id." }) customerId!: string;
  @Field({ nullable: true, description: 'ISO-8601; defaults to when the event arrives.' }) occurredAt?: string;
  @Field({ nullable: true }) email?: string;
  @Field({ nullable: true }) name?: string;
  @Field({ nullable: true }) visitorId?: string;
  @Field({ nullable: true }) referralCode?: string;
  @Field({ nullable: true }) couponCode?: string;
  @Field({ nullable: true }) orderId?: string;
  @Field(() => MinorUnits, { nullable: true, description: 'Minor units.' }) amount?: number;
  @Field({ nullable: true }) currency?: string;
  @Field({ nullable: true }) channel?: string;
  @Field(() => JSONObjectScalar, { nullable: true }) properties?: Record<string, unknown>;
}

@InputType()
export class FeedbackInput {
  @Field() id!: string;
  @Field() customerId!: string;
  @Field({ nullable: true }) occurredAt?: string;
  @Field(() => Int, { nullable: true, description: '0-10.' }) nps?: number;
  @Field(() => Int, { nullable: true, description: '1-5.' }) csat?: number;
  @Field({ nullable: true, description: 'Did the product match what they were told?' }) expectationMet?: boolean;
  @Field({ nullable: true }) comment?: string;
  @Field(() => [String], { nullable: true }) preferredChannels?: string[];
}

@ObjectType()
export class IngestResult {
  @Field(() => Int) accepted!: number;
  @Field(() => Int) duplicates!: number;
}
