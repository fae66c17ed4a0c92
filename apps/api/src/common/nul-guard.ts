import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { ValidationError } from '#libs/common/index.js';
import { errorBody } from './error.filter.js';

/** The path of the first string (or key) holding U+0000, which PostgreSQL text and jsonb cannot store. */
export function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    const here = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return here;
    const found = nulPath(inner, here);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Refuses a NUL character anywhere in a request's parameters, query or JSON body with a 400 naming
 * the field. Without it, the first statement that stores the value fails and the caller gets a 500.
 */
export function refuseNulCharacters(fastify: FastifyInstance): void {
  fastify.addHook('preHandler', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const field = nulPath(request.params, '') ?? nulPath(request.query, '') ?? nulPath(request.body, '');
    if (field === undefined) return done();
    const error = new ValidationError([{ field: field || '(body)', message: 'must not contain the NUL character (U+0000)' }]);
    if (request.url.startsWith('/graphql')) {
      void reply.code(400).send({ errors: [{ message: error.message, extensions: { code: error.code, fields: error.fields } }] });
      return;
    }
    const { status, body } = errorBody(error);
    void reply.code(status).send(body);
  });
}
