import { Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { Connection } from '../graphql/connection.js';

@ObjectType()
export class ShareLink {
  @Field() channel!: string;
  @Field({ description: 'The tracked link of the channel.' }) url!: string;
  @Field({ description: "The channel's share intent, with the campaign message." }) shareUrl!: string;
}

@ObjectType()
export class Advocate {
  @Field(() => ID) id!: string;
  @Field({ description: 'Short share code (or a vanity code).' }) code!: string;
  @Field() status!: string;
  @Field(() => Int, { description: '1 for a first-generation advocate; +1 for each referral step before.' }) generation!: number;
  @Field({ description: 'AUTO or MANUAL.' }) enrolledBy!: string;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

@ObjectType()
export class AdvocateConnection extends Connection(Advocate) {}
