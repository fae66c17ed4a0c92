import { createHash, randomBytes } from 'node:crypto';

/** Every key starts with this, so leaked keys are easy to recognise and scan for. */
export const API_KEY_PREFIX = 'tl_live_';
const API_KEY_PATTERN = /^tl_live_[A-Za-z0-9_-]{32}$/;

export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(24).toString('base64url');
}

/** Keys are 192 random bits, so a plain SHA-256 is enough to store them safely. */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

export function looksLikeApiKey(key: string): boolean {
  return API_KEY_PATTERN.test(key);
}

/** What is shown of a key after creation: its prefix and first characters. */
export function displayPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + 4);
}

/** What a key may do. ADMIN: everything. WRITE: events, feedback, Segment. READ: queries. */
export const API_KEY_SCOPES = ['ADMIN', 'WRITE', 'READ'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Whether a key with `scopes` may do what needs `needed`: ADMIN may do everything. */
export function grants(scopes: readonly ApiKeyScope[], needed: ApiKeyScope): boolean {
  return scopes.includes('ADMIN') || scopes.includes(needed);
}
