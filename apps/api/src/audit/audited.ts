import { Injectable, SetMetadata, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { mergeMap, type Observable } from 'rxjs';
import { AuditService, type AuditAction, type AuditTarget } from '#libs/audit/index.js';
import { requestOf } from '../common/auth.js';

const AUDITED = 'truthloop:audited';

export interface AuditedCall {
  args: Record<string, unknown>;
  result: unknown;
}
interface AuditedMeta {
  action: AuditAction;
  target: (call: AuditedCall) => AuditTarget;
}

/**
 * Records the mutation in the audit log once it has succeeded: the key that called it, the action
 * and its target (made from the arguments and the result). Failed calls change nothing and are
 * not recorded.
 */
export const Audited = (action: AuditAction, target: AuditedMeta['target']): MethodDecorator =>
  SetMetadata(AUDITED, { action, target } satisfies AuditedMeta);

@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const meta = this.reflector.get<AuditedMeta | undefined>(AUDITED, context.getHandler());
    const principal = meta && requestOf(context).principal;
    if (!meta || !principal) return next.handle();
    const args = context.getType<string>() === 'graphql' ? GqlExecutionContext.create(context).getArgs<Record<string, unknown>>() : {};
    return next.handle().pipe(
      mergeMap(async (result: unknown) => {
        await this.audit.record(principal, meta.action, meta.target({ args, result }));
        return result;
      }),
    );
  }
}
