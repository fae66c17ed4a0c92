import { ValidationError } from './errors.js';

/** Opaque keyset cursors: base64url of a JSON tuple (e.g. [createdAt, id]). */
export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string, field = 'after'): (string | number)[] {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.every((p) => typeof p === 'string' || typeof p === 'number')) {
      return parts as (string | number)[];
    }
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError([{ field, message: 'is not a valid cursor' }]);
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
