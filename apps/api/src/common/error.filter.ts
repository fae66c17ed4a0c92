import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, httpStatusOf, type ErrorCode } from '#libs/common/index.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; fields?: { field: string; message: string }[] };
}

function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 429) return 'RATE_LIMITED';
  if (status >= 400 && status < 500) return 'BAD_USER_INPUT';
  return 'INTERNAL';
}

/** The one error body for REST: `{ error: { code, message, fields? } }`; never a stack trace. */
export function errorBody(exception: unknown): { status: number; body: ErrorBody } {
  if (exception instanceof DomainError) {
    return {
      status: httpStatusOf(exception.code),
      body: { error: { code: exception.code, message: exception.message, ...(exception.fields ? { fields: exception.fields } : {}) } },
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return { status, body: { error: { code: codeForStatus(status), message: exception.message } } };
  }
  // Fastify's own errors (malformed JSON, body too large, bad content type) carry a statusCode.
  const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const message = (exception as Error).message || 'Bad request';
    return { status: statusCode, body: { error: { code: codeForStatus(statusCode), message } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'Internal error' } } };
}

/**
 * Answers an error raised before a handler ran (a hook, the body parser, a rate limit): REST's
 * `{ error }` body, or on /graphql the GraphQL shape `{ errors: [{ message, extensions: { code } }] }`
 * that GraphQL clients read.
 */
export function sendError(request: FastifyRequest, reply: FastifyReply, exception: unknown): FastifyReply {
  const { status, body } = errorBody(exception);
  reply.status(status).header('content-type', 'application/json; charset=utf-8');
  if (!request.url.startsWith('/graphql')) return reply.send(body);
  const { code, message, fields } = body.error;
  return reply.send({ errors: [{ message, extensions: { code, ...(fields ? { fields } : {}) } }] });
}

/** Maps errors to HTTP responses for REST; GraphQL errors pass through to Apollo's formatError. */
@Catch()
export class AllErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType<string>() === 'graphql') return exception;
    const http = host.switchToHttp();
    if (errorBody(exception).status >= 500) this.logger.error(exception);
    return sendError(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), exception);
  }
}
