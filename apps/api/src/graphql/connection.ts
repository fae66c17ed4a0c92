import { Field, ObjectType } from '@nestjs/graphql';
import type { Type } from '@nestjs/common';
import { encodeCursor } from '#libs/common/index.js';

@ObjectType()
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

export interface ConnectionShape<T> {
  edges: { node: T; cursor: string }[];
  pageInfo: PageInfo;
}

/** A cursor-paginated list type (`edges { node cursor } pageInfo`), one per node type. */
export function Connection<T>(node: Type<T>): Type<ConnectionShape<T>> {
  @ObjectType(`${node.name}Edge`)
  class Edge {
    @Field(() => node) node!: T;
    @Field() cursor!: string;
  }

  @ObjectType({ isAbstract: true })
  class ConnectionType {
    @Field(() => [Edge]) edges!: Edge[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
  }
  return ConnectionType as Type<ConnectionShape<T>>;
}

export function toConnection<T>(
  page: { items: T[]; hasNextPage: boolean },
  cursorOf: (item: T) => readonly (string | number)[],
): ConnectionShape<T> {
  const edges = page.items.map((node) => ({ node, cursor: encodeCursor(cursorOf(node)) }));
  return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** List fields cost their page size times their children (see graphql/limits.ts). */
export const pageComplexity = ({ args, childComplexity }: { args: { first?: number | null }; childComplexity: number }): number =>
  (args.first ?? 20) * Math.max(1, childComplexity) + 1;

/** A list whose length has a bound of its own (endpoints per tenant, rewards per referral) costs that bound times its children. */
export const boundedListComplexity =
  (bound: number) =>
  ({ childComplexity }: { childComplexity: number }): number =>
    bound * Math.max(1, childComplexity) + 1;
