import { randomBytes, randomInt } from 'node:crypto';
import { z } from 'zod';

/** Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L). */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const CODE_LENGTH = 8;

/** A random share code: 31^8 ≈ 8.5e11 codes, drawn with crypto, so one code says nothing of another. */
export function generateCode(length = CODE_LENGTH): string {
  let code = '';
  for (let i = 0; i < length; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** The share page token: 192 random bits, base64url. */
export function generatePortalToken(): string {
  return randomBytes(24).toString('base64url');
}

/** A marketer's vanity code: URL-safe, 3-32 characters; unique per tenant regardless of case. */
export const vanityCodeSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{2,31}$/, 'must be 3-32 letters, digits, _ or -, starting with a letter or digit');
