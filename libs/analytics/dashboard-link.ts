import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** The longest a dashboard link may live; a link claiming a later expiry is refused. */
export const MAX_DASHBOARD_TTL_MINUTES = 30 * 24 * 60;
/** Clocks of several processes differ a little: a link made on one is checked on another. */
const CLOCK_SKEW_MS = 60_000;

/** The signing key of dashboard links, derived from SECRET_KEY for this purpose alone. */
function linkKey(secretKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'truthloop:dashboard-links', 'v1', 32));
}

/** HMAC-SHA256 over tenant, campaign and expiry (unix seconds), hex. */
export function signDashboard(secretKey: string, tenantId: string, campaignId: string, exp: number): string {
  return createHmac('sha256', linkKey(secretKey)).update(`${tenantId}\n${campaignId}\n${exp}`).digest('hex');
}

export type LinkVerdict = 'valid' | 'expired' | 'invalid';

/**
 * Checks a link's signature in constant time against each key (the current one, then the previous
 * one while keys rotate), then its expiry. An expiry further ahead than any link is given is
 * refused: only a leaked or misused key could have signed it.
 */
export function verifyDashboard(
  secretKeys: readonly string[],
  tenantId: string,
  campaignId: string,
  exp: string | undefined,
  sig: string | undefined,
  now = new Date(),
): LinkVerdict {
  if (!exp || !/^\d{1,12}$/.test(exp) || !sig || !/^[0-9a-f]{64}$/.test(sig)) return 'invalid';
  const given = Buffer.from(sig, 'hex');
  const signed = secretKeys.some((key) =>
    timingSafeEqual(Buffer.from(signDashboard(key, tenantId, campaignId, Number(exp)), 'hex'), given),
  );
  if (!signed) return 'invalid';
  const expiresAt = Number(exp) * 1000;
  if (expiresAt > now.getTime() + MAX_DASHBOARD_TTL_MINUTES * 60_000 + CLOCK_SKEW_MS) return 'invalid';
  return expiresAt <= now.getTime() ? 'expired' : 'valid';
}
