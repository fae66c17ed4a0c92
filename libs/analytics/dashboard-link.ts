import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** The signing key of dashboard links, derived from SECRET_KEY for this purpose alone. */
function linkKey(secretKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'truthloop:dashboard-links', 'v1', 32));
}

/** HMAC-SHA256 over tenant, campaign and expiry (unix seconds), hex. */
export function signDashboard(secretKey: string, tenantId: string, campaignId: string, exp: number): string {
  return createHmac('sha256', linkKey(secretKey)).update(`${tenantId}\n${campaignId}\n${exp}`).digest('hex');
}

export type LinkVerdict = 'valid' | 'expired' | 'invalid';

/** Checks a link's signature in constant time, then its expiry. */
export function verifyDashboard(
  secretKey: string,
  tenantId: string,
  campaignId: string,
  exp: string | undefined,
  sig: string | undefined,
  now = new Date(),
): LinkVerdict {
  if (!exp || !/^\d{1,12}$/.test(exp) || !sig || !/^[0-9a-f]{64}$/.test(sig)) return 'invalid';
  const expected = Buffer.from(signDashboard(secretKey, tenantId, campaignId, Number(exp)), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(sig, 'hex'))) return 'invalid';
  return Number(exp) * 1000 <= now.getTime() ? 'expired' : 'valid';
}
