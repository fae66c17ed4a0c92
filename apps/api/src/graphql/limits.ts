import depthLimit from 'graphql-depth-limit';
import { getComplexity, fieldExtensionsEstimator, simpleEstimator } from 'graphql-query-complexity';
import {
  BREAK,
  GraphQLError,
  visit,
  type ASTVisitor,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '#libs/common/index.js';
import { grants, type Principal } from '#libs/tenants/index.js';
import type { ApolloServerPlugin } from '@apollo/server';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
}

function refused(message: string, reason?: string): GraphQLError {
  // An explicit 400: Apollo answers 500 for an error thrown by a plugin unless told otherwise.
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(reason ? { reason } : {}), http: { status: 400 } } });
}

/** Refuses documents with more aliased fields than allowed (alias amplification). */
export function aliasLimit(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    return {
      Field(node) {
        if (node.alias && ++aliases === max + 1) {
          context.reportError(refused(`The query uses more than ${max} aliases`, 'ALIAS_LIMIT'));
        }
      },
    };
  };
}

export function validationRules(limits: QueryLimits): ValidationRule[] {
  return [depthLimit(limits.maxDepth, {}, () => undefined) as ValidationRule, aliasLimit(limits.maxAliases)];
}

/**
 * Computes the cost of the operation before it runs (list fields multiply by their `first`
 * argument, see `complexity` on the models) and refuses one above the limit.
 */
export function costLimitPlugin(schema: () => GraphQLSchema, maxCost: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          let cost: number;
          try {
            cost = getComplexity({
              schema: schema(),
              query: document,
              operationName: request.operationName ?? undefined,
              variables: request.variables ?? {},
              estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch (error) {
            // getComplexity coerces the variables before execution does: a missing or mistyped
            // variable is the caller's error, not an internal one.
            if (error instanceof GraphQLError) throw refused(error.message);
            throw error;
          }
          if (cost > maxCost) {
            throw refused(`The query costs ${cost}, more than the limit of ${maxCost}`, 'COST_LIMIT');
          }
        },
      };
    },
  };
}

function asksForSchema(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/**
 * Where introspection is not open to everyone (production), answers it for ADMIN and READ keys
 * only, so GraphQL clients and code generators work against production while an anonymous caller,
 * or a WRITE key, learns nothing of the schema.
 */
export function introspectionForKeysPlugin(
  authenticate: (req: FastifyRequest) => Promise<Principal>,
): ApolloServerPlugin<{ req: FastifyRequest }> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, contextValue }) {
          if (!asksForSchema(document)) return;
          let principal: Principal;
          try {
            principal = await authenticate(contextValue.req);
          } catch (error) {
            const message = error instanceof DomainError ? error.message : 'A valid API key is required';
            throw new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
          }
          if (!grants(principal.scopes, 'READ')) {
            throw new GraphQLError('Introspection needs an API key with the READ or ADMIN scope', {
              extensions: { code: 'FORBIDDEN', http: { status: 403 } },
            });
          }
        },
      };
    },
  };
}
