import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { Logger } from '@nestjs/common';
import { DomainError, ERROR_CODES, type ErrorCode } from '#libs/common/index.js';

const logger = new Logger('GraphQL');

/** Apollo's own codes, mapped into the contract's fixed set. */
const APOLLO_CODES: Record<string, ErrorCode> = {
  GRAPHQL_PARSE_FAILED: 'BAD_USER_INPUT',
  GRAPHQL_VALIDATION_FAILED: 'BAD_USER_INPUT',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_FOUND: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_SUPPORTED: 'BAD_USER_INPUT',
  OPERATION_RESOLUTION_FAILURE: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
};

/** Every error leaves with an `extensions.code` of the contract's set, and no stack trace. */
export function formatError(formatted: GraphQLFormattedError, error: unknown, development: boolean): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) {
    return {
      message: original.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: original.code, ...(original.fields ? { fields: original.fields } : {}) },
    };
  }
  const given = formatted.extensions?.code;
  const known =
    typeof given === 'string' && (ERROR_CODES as readonly string[]).includes(given) ? (given as ErrorCode) : APOLLO_CODES[String(given)];
  // Errors raised by graphql-js itself (syntax, validation, variable coercion) have no original error
  // other than a GraphQLError; they are the caller's fault.
  const clientError = known ?? (original instanceof GraphQLError && !original.originalError ? 'BAD_USER_INPUT' : undefined);
  if (clientError) {
    return {
      message: formatted.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: clientError, ...(formatted.extensions?.reason ? { reason: formatted.extensions.reason } : {}) },
    };
  }
  logger.error(original instanceof Error ? (original.stack ?? original.message) : String(original));
  return {
    message: development && original instanceof Error ? original.message : 'Internal error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL' },
  };
}
