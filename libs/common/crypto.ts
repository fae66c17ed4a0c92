import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Seals small secrets (webhook signing secrets, a Stripe webhook secret) before they are stored:
 * AES-256-GCM under a key derived from SECRET_KEY with HKDF, one key per `purpose`, so a database
 * dump alone never shows them. `purpose` is also the additional authenticated data: a value sealed
 * for one purpose cannot be opened as another.
 */
const VERSION = 'v1';

function keyFor(secretKey: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'truthloop:sealed-secrets', purpose, 32));
}

export function seal(secretKey: string, purpose: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secretKey, purpose), iv);
  cipher.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/**
 * Opens what `seal` produced with the first of `secretKeys` that fits (the current key, then the
 * previous one while keys rotate); throws when none does, or the purpose or the value is wrong.
 */
export function open(secretKeys: readonly string[], purpose: string, sealed: string): string {
  const [version, iv, body, tag] = sealed.split('.');
  if (version !== VERSION || iv === undefined || body === undefined || tag === undefined) throw new Error('Not a sealed value');
  for (const secretKey of secretKeys) {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(secretKey, purpose), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      // authentication failed: another key, or tampered; try the next key
    }
  }
  throw new Error('The sealed value does not open with any configured key (SECRET_KEY, SECRET_KEY_PREVIOUS)');
}
