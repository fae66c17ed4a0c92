import { createParamDecorator, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import { UnauthenticatedError } from '#libs/common/index.js';
import { TenantsService, type Principal } from '#libs/tenants/index.js';

const PUBLIC = 'truthloop:public';
/** Marks a route that needs no API key (redirects, share pages, health, signed webhooks). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC, true);

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
    if (req.principal) return true; // several root fields of one GraphQL request
    const key = apiKeyFrom(req);
    if (!key) throw new UnauthenticatedError('An API key is required (Authorization: Bearer <key>)');
    const principal = await this.tenants.authenticate(key);
    if (!principal) throw new UnauthenticatedError('The API key is not valid or has been revoked');
    req.principal = principal;
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
