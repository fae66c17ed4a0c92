import type { FieldError } from '#libs/common/index.js';
import { MAX_BATCH } from './moment.js';
import { isJsonObject } from './moment.schema.js';

/** A raw moment still to be validated, with the path that names it in errors. */
export interface RawItem {
  path: string;
  raw: Record<string, unknown>;
}

export interface SegmentMapped {
  events: RawItem[];
  feedback: RawItem[];
  profiles: RawItem[];
  /** Messages with no Truthloop meaning (page, screen, other track names, no userId). */
  ignored: number;
  problems: FieldError[];
}

const TRACK_TYPES: Record<string, string> = {
  'Signed Up': 'signup',
  'Order Completed': 'purchase',
  'Order Refunded': 'refund',
  'Product Activated': 'first_use',
  'First Use': 'first_use',
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (isJsonObject(v) ? v : {});

/** Major units (Segment's `revenue`, `total`) to integer minor units of the currency. */
export function toMinorUnits(major: unknown, currency: string): unknown {
  if (typeof major !== 'number') return major;
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // an unknown currency fails validation later, by name
  }
  return Math.round(major * 10 ** digits);
}

function mapMessage(message: unknown, path: string, out: SegmentMapped): void {
  if (!isJsonObject(message)) {
    out.problems.push({ field: path || '(body)', message: 'must be a JSON object' });
    return;
  }
  const userId = str(message.userId);
  if (userId && message.type === 'identify') out.profiles.push(identify(message, userId, path));
  else if (userId && message.type === 'track' && message.event === 'NPS Submitted') out.feedback.push(npsSubmitted(message, userId, path));
  else if (userId && message.type === 'track' && TRACK_TYPES[str(message.event) ?? '']) out.events.push(tracked(message, userId, path));
  else out.ignored++;
}

/** `identify`: the customer's email and name. */
function identify(message: Record<string, unknown>, userId: string, path: string): RawItem {
  const traits = obj(message.traits);
  const name = str(traits.name) ?? ([str(traits.firstName), str(traits.lastName)].filter(Boolean).join(' ') || undefined);
  return { path, raw: { customerId: userId, email: traits.email, name } };
}

/** `NPS Submitted`: a feedback answer. */
function npsSubmitted(message: Record<string, unknown>, userId: string, path: string): RawItem {
  const properties = obj(message.properties);
  return {
    path,
    raw: {
      id: message.messageId,
      customerId: userId,
      occurredAt: message.timestamp ?? undefined,
      nps: properties.score,
      csat: properties.csat,
      expectationMet: properties.expectationMet ?? properties.expectation_met,
      comment: properties.comment,
    },
  };
}

/** A tracked event Truthloop knows (TRACK_TYPES), with money in minor units. */
function tracked(message: Record<string, unknown>, userId: string, path: string): RawItem {
  const properties = obj(message.properties);
  const contextTraits = obj(obj(message.context).traits);
  const major = properties.revenue ?? properties.total;
  const currency = str(properties.currency) ?? (major === undefined ? undefined : 'USD');
  return {
    path,
    raw: {
      id: message.messageId,
      type: TRACK_TYPES[str(message.event)!],
      customerId: userId,
      occurredAt: message.timestamp ?? undefined,
      email: properties.email ?? contextTraits.email,
      name: properties.name ?? contextTraits.name,
      visitorId: properties.visitorId ?? properties.visitor_id ?? properties.tl_vid,
      referralCode: properties.referralCode ?? properties.referral_code,
      couponCode: properties.coupon,
      orderId: properties.order_id ?? properties.orderId,
      amount: currency === undefined ? undefined : toMinorUnits(major, currency),
      currency,
      channel: properties.channel,
      properties,
    },
  };
}

/**
 * Maps Segment HTTP Tracking API messages (the `batch`, `track` and `identify` bodies) to raw
 * Truthloop moments, which are then validated like any other.
 */
export function mapSegment(body: unknown, kind: 'batch' | 'track' | 'identify'): SegmentMapped {
  const out: SegmentMapped = { events: [], feedback: [], profiles: [], ignored: 0, problems: [] };
  if (kind === 'batch') {
    const batch = isJsonObject(body) ? body.batch : undefined;
    if (!Array.isArray(batch)) {
      out.problems.push({
        field: isJsonObject(body) ? 'batch' : '(body)',
        message: isJsonObject(body) ? 'must be an array of messages' : 'must be a JSON object',
      });
      return out;
    }
    if (batch.length > MAX_BATCH) {
      out.problems.push({ field: 'batch', message: `must hold at most ${MAX_BATCH} messages` });
      return out;
    }
    batch.forEach((m, i) => mapMessage(m, `batch.${i}`, out));
    return out;
  }
  mapMessage(isJsonObject(body) ? { ...body, type: kind } : body, '', out);
  return out;
}
