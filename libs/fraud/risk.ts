import { createRequire } from 'node:module';

// A JSON list of about 120k domains, kept by the disposable-email-domains project.
const disposable = new Set<string>(createRequire(import.meta.url)('disposable-email-domains') as string[]);

/** Hosts known for posting coupon codes: a code used from there was not shared by a friend. */
export const COUPON_SITE_HOSTS = [
  'retailmenot.com',
  'honey.com',
  'joinhoney.com',
  'coupons.com',
  'groupon.com',
  'slickdeals.net',
  'dealspotr.com',
  'couponbirds.com',
  'knoji.com',
  'wethrift.com',
  'couponfollow.com',
  'promocodes.com',
  'vouchercodes.co.uk',
  'myvouchercodes.co.uk',
  'hotukdeals.com',
  'dealabs.com',
  'mydealz.de',
  'rabattcode.de',
  'cuponation.com',
  'capitaloneshopping.com',
];

export function isDisposableEmail(email: string | null | undefined): boolean {
  const domain = email?.split('@')[1]?.toLowerCase();
  return domain !== undefined && disposable.has(domain);
}

export function isCouponSite(host: string | null | undefined): boolean {
  if (!host) return false;
  const h = host.toLowerCase().replace(/^www\./, '');
  return COUPON_SITE_HOSTS.some((site) => h === site || h.endsWith(`.${site}`));
}

export const RISK_DECISIONS = ['ALLOW', 'REVIEW', 'BLOCK'] as const;
export type RiskDecision = (typeof RISK_DECISIONS)[number];

export interface RiskReason {
  code: string;
  message: string;
  points: number;
}

/** What attribution found out about a referral, for scoring. */
export interface RiskSignals {
  sameCustomer: boolean;
  sameNormalizedEmail: boolean;
  /** The friend's visitor id was seen on the advocate's own share page. */
  visitorSeenOnAdvocatePage: boolean;
  friendEmail: string | null;
  conversionsLastHour: number;
  conversionsLastDay: number;
  /** The campaign's limit per advocate per day (null: the default limits apply). */
  maxPerDay: number | null;
  sameIpHash: boolean;
  sameUserAgent: boolean;
  sameCardAsAdvocate: boolean;
  sameCardAsOtherReferral: boolean;
  couponFromCouponSite: boolean;
}

export interface RiskThresholds {
  review: number;
  block: number;
}

export interface RiskAssessment {
  score: number;
  decision: RiskDecision;
  reasons: RiskReason[];
}

const DEFAULT_MAX_PER_HOUR = 5;
const DEFAULT_MAX_PER_DAY = 20;

/**
 * An explainable score: each signal adds points with a reason code and a plain sentence. Same IP
 * alone (households, offices) adds too little to block; it needs another signal with it.
 */
export function assessRisk(s: RiskSignals, thresholds: RiskThresholds = { review: 40, block: 80 }): RiskAssessment {
  const reasons: RiskReason[] = [];
  const add = (code: string, points: number, message: string) => reasons.push({ code, points, message });

  if (s.sameCustomer) add('SELF_REFERRAL', 100, 'The advocate referred themselves.');
  else if (s.sameNormalizedEmail)
    add('SAME_PERSON_EMAIL', 90, "The friend's email is the advocate's own under another spelling (dots or +tag).");
  if (s.visitorSeenOnAdvocatePage) add('ADVOCATE_OWN_CLICK', 50, "The friend's browser was seen on the advocate's own share page.");
  if (isDisposableEmail(s.friendEmail))
    add('DISPOSABLE_EMAIL', 45, `The friend used a disposable email domain (${s.friendEmail!.split('@')[1]}).`);
  const perDay = s.maxPerDay ?? DEFAULT_MAX_PER_DAY;
  const perHour = Math.min(DEFAULT_MAX_PER_HOUR, perDay);
  if (s.conversionsLastDay > perDay) {
    add('VELOCITY_DAY', 45, `The advocate had ${s.conversionsLastDay} conversions in a day; the campaign allows ${perDay}.`);
  } else if (s.conversionsLastHour > perHour) {
    add('VELOCITY_HOUR', 45, `The advocate had ${s.conversionsLastHour} conversions in an hour; more than ${perHour} is unusual.`);
  }
  if (s.sameIpHash && s.sameUserAgent) add('SAME_DEVICE', 35, 'The friend came from the same IP address and browser as the advocate.');
  else if (s.sameIpHash) add('SAME_IP', 10, 'The friend came from the same IP address as the advocate (often a household or office).');
  if (s.sameCardAsAdvocate) add('SAME_CARD_AS_ADVOCATE', 60, 'The friend paid with the same card as the advocate.');
  else if (s.sameCardAsOtherReferral)
    add('SAME_CARD_AS_OTHER_REFERRAL', 45, "The friend paid with the same card as another of the advocate's referrals.");
  if (s.couponFromCouponSite) add('COUPON_SITE', 40, 'The coupon code was used by a visitor coming from a coupon site.');

  const score = Math.min(
    100,
    reasons.reduce((sum, r) => sum + r.points, 0),
  );
  const decision: RiskDecision = score >= thresholds.block ? 'BLOCK' : score >= thresholds.review ? 'REVIEW' : 'ALLOW';
  return { score, decision, reasons };
}
