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
  const id = message.messageId;
  const occurredAt = message.timestamp ?? undefined;
  const properties = obj(message.properties);
  const contextTraits = obj(obj(message.context).traits);
  if (!userId) {
    out.ignored++;
    return;
  }
  if (message.type === 'identify') {
    const traits = obj(message.traits);
    const name = str(traits.name) ?? ([str(traits.firstName), str(traits.lastName)].filter(Boolean).join(' ') || undefined);
    out.profiles.push({ path, raw: { customerId: userId, email: traits.email, name } });
    return;
  }
  if (message.type !== 'track') {
    out.ignored++;
    return;
  }
  const name = str(message.event) ?? '';
  if (name === 'NPS Submitted') {
    out.feedback.push({
      path,
      raw: {
        id,
        customerId: userId,
        occurredAt,
        nps: properties.score,
        csat: properties.csat,
        expectationMet: properties.expectationMet ?? properties.expectation_met,
        comment: properties.comment,
      },
    });
    return;
  }
  const type = TRACK_TYPES[name];
  if (!type) {
    out.ignored++;
    return;
  }
  const major = properties.revenue ?? properties.total;
  const currency = str(properties.currency) ?? (major === undefined ? undefined : 'USD');
  out.events.push({
    path,
    raw: {
      id,
      type,
      customerId: userId,
      occurredAt,
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
  });
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
