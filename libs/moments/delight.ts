import type { Eligibility } from '#libs/campaigns/index.js';
import type { Delight } from '#libs/customers/index.js';
import type { CustomerFacts } from './moment.js';

const DAY = 24 * 3600_000;

const day = (d: Date): string => d.toISOString().slice(0, 10);
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function latest<T>(items: readonly T[], has: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (has(items[i]!)) return items[i];
  return undefined;
}

function firstUse(f: CustomerFacts): Date | null {
  let at: Date | null = null;
  for (const e of f.events) if (e.type === 'first_use' && (!at || e.occurredAt < at)) at = e.occurredAt;
  return at;
}

function sinceFirstUse(answerAt: Date, first: Date | null): string {
  if (!first) return 'no first use recorded';
  const days = Math.floor((answerAt.getTime() - first.getTime()) / DAY);
  if (days < 0) return 'before first use';
  if (days === 0) return 'on the day of first use';
  return `${plural(days, 'day')} after first use`;
}

/**
 * The delight score, 0-100, with its reasons in words:
 *   latest NPS × 6 (0-60) + (latest CSAT − 1) × 5 (0-20) + 15 if the product matched what they were told
 *   (−15 if not) + 5 for a first use + 5 per milestone (at most 10) − 30 per refund; clamped to 0-100.
 */
export function scoreDelight(f: CustomerFacts): Delight {
  const reasons: string[] = [];
  let score = 0;
  const first = firstUse(f);
  const nps = latest(f.feedback, (a) => a.nps !== null);
  if (nps) {
    score += nps.nps! * 6;
    reasons.push(`NPS ${nps.nps}, ${sinceFirstUse(nps.occurredAt, first)}`);
  }
  const csat = latest(f.feedback, (a) => a.csat !== null);
  if (csat) {
    score += (csat.csat! - 1) * 5;
    reasons.push(`CSAT ${csat.csat} of 5`);
  }
  const expectation = latest(f.feedback, (a) => a.expectationMet !== null);
  if (expectation?.expectationMet === true) {
    score += 15;
    reasons.push('said the product matched what they were told');
  } else if (expectation?.expectationMet === false) {
    score -= 15;
    reasons.push('said the product did not match what they were told');
  }
  if (first) {
    score += 5;
    reasons.push(`first used on ${day(first)}`);
  }
  const milestones = f.events.filter((e) => e.type === 'milestone').length;
  if (milestones > 0) {
    score += Math.min(10, milestones * 5);
    reasons.push(`reached ${plural(milestones, 'milestone')}`);
  }
  for (const refund of f.events.filter((e) => e.type === 'refund')) {
    score -= 30;
    reasons.push(`refund on ${day(refund.occurredAt)}`);
  }
  if (reasons.length === 0) reasons.push('no feedback or first use yet');
  return { score: Math.max(0, Math.min(100, score)), reasons };
}

export interface EligibilityVerdict {
  eligible: boolean;
  reason: string;
}

/**
 * Whether a campaign's rule makes the customer an advocate. The customer's latest NPS answer
 * decides: a detractor (0-6) is never eligible, whatever the campaign's minimum, until a newer
 * answer says otherwise. A refund after that answer also rules the customer out.
 */
export function checkEligibility(f: CustomerFacts, rule: Eligibility): EligibilityVerdict {
  const answer = latest(f.feedback, (a) => a.nps !== null);
  if (!answer) return { eligible: false, reason: 'no NPS answer yet' };
  const nps = answer.nps!;
  if (nps <= 6) return { eligible: false, reason: `detractor (NPS ${nps})` };
  if (nps < rule.minNps) return { eligible: false, reason: `NPS ${nps} is below ${rule.minNps}` };
  const first = firstUse(f);
  if (!first) return { eligible: false, reason: 'no first use recorded' };
  if (answer.occurredAt.getTime() - first.getTime() > rule.withinDaysOfFirstUse * DAY) {
    return { eligible: false, reason: `answered more than ${plural(rule.withinDaysOfFirstUse, 'day')} after first use` };
  }
  if (rule.requireExpectationMet && latest(f.feedback, (a) => a.expectationMet !== null)?.expectationMet !== true) {
    return { eligible: false, reason: 'has not said the product matched what they were told' };
  }
  if (f.events.some((e) => e.type === 'refund' && e.occurredAt >= answer.occurredAt)) {
    return { eligible: false, reason: 'refunded after answering' };
  }
  return { eligible: true, reason: `NPS ${nps}, ${sinceFirstUse(answer.occurredAt, first)}` };
}
