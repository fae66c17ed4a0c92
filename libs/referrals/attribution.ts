import type { RiskAssessment } from '#libs/fraud/index.js';
import type { AttributedBy } from './referral.js';

/** A signup or purchase of one customer, as attribution reads it. */
export interface ConversionEvent {
  eventId: string;
  type: 'signup' | 'purchase';
  occurredAt: Date;
  email: string | null;
  emailNormalized: string | null;
  visitorId: string | null;
  referralCode: string | null;
  couponCode: string | null;
  orderId: string | null;
  amount: number | null;
  currency: string | null;
  cardFingerprint: string | null;
}

/** The advocate an event names (by code) or points to (by the visitor's clicks). */
export interface AdvocateHit {
  advocateId: string;
  campaignId: string;
  /** The advocate's own customer (self-referral checks). */
  customerId: string;
  generation: number;
  emailNormalized: string | null;
  attributedBy: AttributedBy;
  /** For VISITOR_ID: the visitor's first click in the window; the referral began there. */
  firstClickAt: Date | null;
}

export type RiskStage = 'attribution' | 'purchase';

/** Judges a referral's risk; the caller remembers earlier judgements (the same question, the same answer). */
export type Assessor = (event: ConversionEvent, hit: AdvocateHit, stage: RiskStage) => Promise<RiskAssessment>;

export interface Conversion {
  eventId: string;
  orderId: string;
  amount: number;
  currency: string;
  occurredAt: Date;
  cardFingerprint: string | null;
}

/** What a customer's events say one campaign's referral is. */
export interface DerivedReferral {
  campaignId: string;
  hit: AdvocateHit;
  sourceEventId: string;
  visitorId: string | null;
  status: 'LEAD' | 'CONVERTED' | 'REJECTED';
  rejectedReason: string | null;
  /** The latest assessment (at purchase once converted). */
  risk: RiskAssessment | null;
  conversion: Conversion | null;
  /** Creation order among the customer's referrals (a purchase naming nobody converts the latest LEAD). */
  seq: number;
}

export interface DeriveInput {
  /** The customer's signups and purchases, in the order they happened (occurredAt, then event id). */
  events: readonly ConversionEvent[];
  hitOf: (event: ConversionEvent) => AdvocateHit | undefined;
  /** Referrals are made only in campaigns that are running. */
  isActive: (campaignId: string) => boolean;
  assess: Assessor;
}

/**
 * Attribution as a fold over one customer's events in the order they happened: the first event
 * naming an advocate of a running campaign makes the referral (refused for an existing customer
 * or a blocked risk); the first purchase with an order and amount converts it; a purchase naming
 * nobody converts the customer's latest open LEAD. Given the same events and clicks it always
 * gives the same referrals, whatever order the events arrived in.
 */
export async function deriveReferrals(input: DeriveInput): Promise<Map<string, DerivedReferral>> {
  const derived = new Map<string, DerivedReferral>();
  for (const [i, event] of input.events.entries()) {
    let hit = input.hitOf(event);
    if (hit && !input.isActive(hit.campaignId)) continue;
    if (!hit && event.type === 'purchase') hit = latestLead(derived)?.hit;
    if (!hit) continue;
    let referral = derived.get(hit.campaignId);
    if (!referral) {
      referral = await begin(input, event, hit, input.events.slice(0, i), derived.size);
      derived.set(hit.campaignId, referral);
    }
    if (event.type === 'purchase' && referral.status === 'LEAD') await convert(input, event, referral);
  }
  return derived;
}

async function begin(
  input: DeriveInput,
  event: ConversionEvent,
  hit: AdvocateHit,
  earlier: readonly ConversionEvent[],
  seq: number,
): Promise<DerivedReferral> {
  const existing = existingCustomerReason(earlier, event, hit);
  const risk = existing ? null : await input.assess(event, hit, 'attribution');
  const refusal = existing ?? (risk?.decision === 'BLOCK' ? blockedReason(risk) : null);
  return {
    campaignId: hit.campaignId,
    hit,
    sourceEventId: event.eventId,
    visitorId: event.visitorId,
    status: refusal ? 'REJECTED' : 'LEAD',
    rejectedReason: refusal,
    risk,
    conversion: null,
    seq,
  };
}

async function convert(input: DeriveInput, event: ConversionEvent, referral: DerivedReferral): Promise<void> {
  if (event.amount === null || !event.currency || !event.orderId) return;
  // The purchase knows more (card, velocity now): judged again, against the referral's advocate.
  const risk = await input.assess(event, referral.hit, 'purchase');
  referral.risk = risk;
  referral.conversion = {
    eventId: event.eventId,
    orderId: event.orderId,
    amount: event.amount,
    currency: event.currency,
    occurredAt: event.occurredAt,
    cardFingerprint: event.cardFingerprint,
  };
  if (risk.decision === 'BLOCK') {
    referral.status = 'REJECTED';
    referral.rejectedReason = blockedReason(risk);
  } else {
    referral.status = 'CONVERTED';
  }
}

function latestLead(derived: Map<string, DerivedReferral>): DerivedReferral | undefined {
  let latest: DerivedReferral | undefined;
  for (const r of derived.values()) if (r.status === 'LEAD' && (!latest || r.seq > latest.seq)) latest = r;
  return latest;
}

function blockedReason(risk: RiskAssessment): string {
  return `BLOCKED: ${risk.reasons.map((r) => r.message).join(' ')}`;
}

/**
 * A customer who bought before the referral began is not referred. It began at the visitor's
 * first click, or at the customer's first event naming the code.
 */
export function existingCustomerReason(earlier: readonly ConversionEvent[], event: ConversionEvent, hit: AdvocateHit): string | null {
  const code = hit.attributedBy === 'REFERRAL_CODE' ? event.referralCode : hit.attributedBy === 'COUPON_CODE' ? event.couponCode : null;
  const names = (e: ConversionEvent) =>
    code !== null && [e.referralCode, e.couponCode].some((c) => c !== null && c.toLowerCase() === code.toLowerCase());
  const began = hit.firstClickAt ?? [...earlier, event].find(names)?.occurredAt ?? event.occurredAt;
  const bought = earlier.find((e) => e.type === 'purchase' && e.eventId !== event.eventId && e.occurredAt < began);
  return bought ? `EXISTING_CUSTOMER: bought on ${bought.occurredAt.toISOString().slice(0, 10)}, before the referral` : null;
}

/** The order events are applied in: when they happened, then the sender's id. */
export function byOccurrence(a: ConversionEvent, b: ConversionEvent): number {
  return a.occurredAt.getTime() - b.occurredAt.getTime() || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
}
