import { ValidationError } from './errors.js';

/** Opaque keyset cursors: base64url of a JSON tuple (e.g. [createdAt, id]). */
export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** What a cursor part holds: a timestamp as toISOString writes it, a UUID, or a bigint sequence number. */
export type CursorPart = 'timestamp' | 'uuid' | 'seq';
type Decoded<S extends readonly CursorPart[]> = { -readonly [K in keyof S]: string };

const CANONICAL_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID_PART = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fits(part: unknown, kind: CursorPart): part is string {
  if (typeof part !== 'string') return false;
  if (kind === 'uuid') return UUID_PART.test(part);
  // At most 18 digits: always within PostgreSQL's bigint.
  if (kind === 'seq') return /^\d{1,18}$/.test(part);
  // Only what encodeCursor wrote: PostgreSQL must never be the one to find a part malformed.
  return CANONICAL_TIMESTAMP.test(part) && !Number.isNaN(Date.parse(part)) && new Date(part).toISOString() === part;
}

/**
 * Decodes a cursor of the given shape, e.g. `['timestamp', 'uuid']`. Anything else, forged or from
 * another list, is the caller's error (BAD_USER_INPUT naming `field`), never a database error.
 */
export function decodeCursor<const S extends readonly CursorPart[]>(cursor: string, shape: S, field = 'after'): Decoded<S> {
  let parts: unknown;
  try {
    parts = cursor.length <= 200 ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined;
  } catch {
    // not JSON: refused below
  }
  if (Array.isArray(parts) && parts.length === shape.length && shape.every((kind, i) => fits(parts[i], kind))) {
    return parts as Decoded<S>;
  }
  throw new ValidationError([{ field, message: 'is not a cursor of this list' }]);
}

export function clampFirst(first: number | null | undefined, max = 100, def = 20): number {
  if (first === null || first === undefined) return def;
  if (!Number.isInteger(first) || first < 1 || first > max) {
    throw new ValidationError([{ field: 'first', message: `must be an integer from 1 to ${max}` }]);
  }
  return first;
}

export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  cursorOf: (item: T) => string;
}
