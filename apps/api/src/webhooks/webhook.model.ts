import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DELIVERY_STATUSES, type DeliveryStatus } from '#libs/webhooks/index.js';
import { Connection } from '../graphql/connection.js';

export const DeliveryStatusEnum = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, s])) as Record<DeliveryStatus, DeliveryStatus>;
registerEnumType(DeliveryStatusEnum, {
  name: 'WebhookDeliveryStatus',
  description: 'PENDING: not yet delivered, retried with backoff. DELIVERED: a 2xx answer. FAILED: given up after the retry window.',
});

@ObjectType()
export class WebhookEndpoint {
  @Field(() => ID) id!: string;
  @Field() url!: string;
  @Field(() => [String], { description: 'Event types sent to this endpoint; "*" is every type.' }) events!: string[];
  @Field() enabled!: boolean;
  @Field(() => String, {
    nullable: true,
    description: 'The signing secret of Truthloop-Signature: given once, by createWebhookEndpoint; null afterwards.',
  })
  secret!: string | null;
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'After rotateWebhookSecret: until when the previous secret still signs beside the new one.',
  })
  previousSecretExpiresAt!: Date | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
}

@ObjectType()
export class WebhookAttempt {
  @Field(() => GraphQLISODateTime) attemptedAt!: Date;
  @Field(() => Int, { nullable: true, description: 'HTTP status of the answer; null when none came.' }) statusCode!: number | null;
  @Field(() => Int) responseTimeMs!: number;
  @Field(() => String, { nullable: true, description: 'The first 4 KiB of the answer.' }) responseBody!: string | null;
  @Field(() => String, { nullable: true, description: 'Why no answer came (timeout, refused address, connection error).' })
  error!: string | null;
}

@ObjectType()
export class WebhookDelivery {
  @Field(() => ID) id!: string;
  @Field(() => ID) endpointId!: string;
  @Field(() => ID, { description: 'The event id: the body\'s "id", the same on every retry and replay.' }) eventId!: string;
  @Field() eventType!: string;
  @Field(() => DeliveryStatusEnum) status!: DeliveryStatus;
  @Field(() => Int) attempts!: number;
  @Field(() => Int, { nullable: true }) lastResponseStatus!: number | null;
  @Field(() => Int, { nullable: true }) lastResponseTimeMs!: number | null;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the next attempt is due; null unless PENDING.' })
  nextAttemptAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) deliveredAt!: Date | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => ID, { nullable: true, description: 'The delivery this one replays.' }) replayOf!: string | null;
  @Field(() => [WebhookAttempt]) attemptLog!: WebhookAttempt[];
}

@ObjectType()
export class WebhookDeliveryConnection extends Connection(WebhookDelivery) {}
