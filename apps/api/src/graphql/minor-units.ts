import { GraphQLSafeInt } from 'graphql-scalars';

/**
 * Money in GraphQL: integer minor units as a JSON number, exact up to 2^53 - 1 (GraphQL's Int
 * stops at 2^31 - 1, about 21 million dollars). One amount has at most 12 digits; sums stay exact
 * far beyond any campaign's. The `SafeInt` scalar of graphql-scalars.
 */
export const MinorUnits = GraphQLSafeInt;
