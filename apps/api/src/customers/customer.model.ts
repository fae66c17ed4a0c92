import { Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';

@ObjectType()
export class Delight {
  @Field(() => Int, { description: '0-100.' }) score!: number;
  @Field(() => [String], { description: 'Why, in words.' }) reasons!: string[];
}

@ObjectType()
export class Customer {
  @Field(() => ID) id!: string;
  @Field({ description: "The brand's own customer id." }) externalId!: string;
  @Field(() => String, { nullable: true }) email!: string | null;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) firstUseAt!: Date | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}
