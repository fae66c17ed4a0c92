import { createParamDecorator, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import type { GraphQLResolveInfo } from 'graphql';
import { ForbiddenError, UnauthenticatedError } from '#libs/common/index.js';
import { TenantsService, grants, type ApiKeyScope, type Principal } from '#libs/tenants/index.js';

const PUBLIC = 'truthloop:public';
/** Marks a route that needs no API key (redirects, share pages, health, signed webhooks). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC, true);

const SCOPE = 'truthloop:scope';
type Needed = ApiKeyScope | 'ANY';
/**
 * The scope a route or root field needs. Unmarked, a GraphQL query needs READ and everything else
 * (mutations, REST routes) ADMIN: what was not thought about is closed. ADMIN may do everything.
 */
export const RequiresScope = (scope: Needed): MethodDecorator & ClassDecorator => SetMetadata(SCOPE, scope);

function neededScope(reflector: Reflector, context: ExecutionContext): Needed {
  const marked = reflector.getAllAndOverride<Needed | undefined>(SCOPE, [context.getHandler(), context.getClass()]);
  if (marked) return marked;
  if (context.getType<string>() !== 'graphql') return 'ADMIN';
  const info = GqlExecutionContext.create(context).getInfo<GraphQLResolveInfo>();
  return info.parentType.name === 'Query' ? 'READ' : 'ADMIN';
}

function refuseOutOfScope(principal: Principal, needed: Needed, context: ExecutionContext): void {
  if (needed === 'ANY' || grants(principal.scopes, needed)) return;
  const what =
    context.getType<string>() === 'graphql'
      ? GqlExecutionContext.create(context).getInfo<GraphQLResolveInfo>().fieldName
      : requestOf(context).routeOptions.url;
  throw new ForbiddenError(`This API key (${principal.scopes.join(', ')}) cannot use ${what}: that needs ${needed} (or ADMIN)`);
}

type AuthedRequest = FastifyRequest & { principal?: Principal };

export function requestOf(context: ExecutionContext): AuthedRequest {
  if (context.getType<string>() === 'graphql') {
    return GqlExecutionContext.create(context).getContext<{ req: AuthedRequest }>().req;
  }
  return context.switchToHttp().getRequest<AuthedRequest>();
}

/** The key from `Authorization: Bearer`, `x-api-key`, or HTTP Basic (Segment's write key as user name). */
export function apiKeyFrom(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const [scheme, value] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer' && value) return value.trim();
    if (scheme?.toLowerCase() === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const user = decoded.split(':', 1)[0];
      return user || undefined;
    }
  }
  const x = req.headers['x-api-key'];
  return typeof x === 'string' && x ? x.trim() : undefined;
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tenants: TenantsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const req = requestOf(context);
    // Several root fields of one GraphQL request authenticate once; each is checked for its scope.
    if (!req.principal) {
      const key = apiKeyFrom(req);
      if (!key) throw new UnauthenticatedError('An API key is required (Authorization: Bearer <key>)');
      req.principal = await this.tenants.authenticate(key);
    }
    refuseOutOfScope(req.principal, neededScope(this.reflector, context), context);
    return true;
  }
}

/** The authenticated principal of the request (REST or GraphQL). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = requestOf(context).principal;
  if (!principal) throw new UnauthenticatedError();
  return principal;
});

/** The tenant id of the authenticated principal. */
export const TenantId = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const principal = requestOf(context).principal;
  if (!principal) throw new UnauthenticatedError();
  return principal.tenantId;
});
