import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { ValidationError, type FieldError } from '#libs/common/index.js';
import { sendError } from './error.filter.js';

/**
 * How deeply request JSON may nest. Real payloads (events with properties, GraphQL variables,
 * Segment messages, Stripe events) stay well under it; past it, code that walks a value
 * recursively (JSON.stringify on the way to PostgreSQL, validation) would run out of stack.
 */
export const MAX_JSON_DEPTH = 32;
/** How deeply brackets may nest in a GraphQL document (its parser is recursive too). */
export const MAX_DOCUMENT_DEPTH = 64;

/**
 * The first problem of a request value: a string (or key) holding U+0000, which PostgreSQL text and
 * jsonb cannot store, or nesting deeper than `maxDepth`. Walks with an explicit stack: a value
 * nested 100,000 levels deep is answered, not a stack overflow.
 */
export function inputProblem(value: unknown, root: string, maxDepth = MAX_JSON_DEPTH): FieldError | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const { value: here, path, depth } = stack.pop()!;
    if (typeof here === 'string') {
      if (here.includes('\u0000')) return { field: path || '(body)', message: 'must not contain the NUL character (U+0000)' };
      continue;
    }
    if (here === null || typeof here !== 'object') continue;
    if (depth >= maxDepth) return { field: path || '(body)', message: `nests deeper than ${maxDepth} levels` };
    const entries = Object.entries(here as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, inner] = entries[i]!;
      const at = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return { field: at, message: 'must not contain the NUL character (U+0000)' };
      stack.push({ value: inner, path: at, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * How deeply `{`, `[` and `(` nest in a GraphQL document, outside strings and comments; stops
 * counting once past `limit`.
 */
export function documentDepth(document: string, limit = MAX_DOCUMENT_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < document.length && deepest <= limit; i++) {
    const c = document[i];
    if (c === '#') {
      while (i < document.length && document[i] !== '\n') i++;
    } else if (c === '"') {
      const block = document.startsWith('"""', i);
      const end = block ? document.indexOf('"""', i + 3) : closingQuote(document, i + 1);
      if (end < 0) break; // unterminated: the parser will say so
      i = block ? end + 2 : end;
    } else if (c === '{' || c === '[' || c === '(') {
      deepest = Math.max(deepest, ++depth);
    } else if (c === '}' || c === ']' || c === ')') {
      depth--;
    }
  }
  return deepest;
}

function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
    else if (text[i] === '\n') return -1;
  }
  return -1;
}

/** The GraphQL document of a request (POST body or GET query string), if any. */
function graphqlDocument(request: FastifyRequest): string | undefined {
  if (!request.url.startsWith('/graphql')) return undefined;
  const query = (request.body as { query?: unknown } | undefined)?.query ?? (request.query as { query?: unknown } | undefined)?.query;
  return typeof query === 'string' ? query : undefined;
}

/**
 * Refuses, with a 400 naming the field, a request whose parameters, query or JSON body hold a NUL
 * character or nest too deeply, or whose GraphQL document nests too deeply. Without it, the first
 * statement that stores such a value fails, or a recursive walk overflows the stack: a 500.
 */
export function refuseUnsafeInput(fastify: FastifyInstance): void {
  fastify.addHook('preHandler', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const problem =
      inputProblem(request.params, '') ??
      inputProblem(request.query, '') ??
      inputProblem(request.body, '') ??
      documentProblem(graphqlDocument(request));
    if (problem === undefined) return done();
    sendError(request, reply, new ValidationError([problem]));
  });
}

function documentProblem(document: string | undefined): FieldError | undefined {
  if (document === undefined || documentDepth(document) <= MAX_DOCUMENT_DEPTH) return undefined;
  return { field: 'query', message: `nests deeper than ${MAX_DOCUMENT_DEPTH} levels` };
}
