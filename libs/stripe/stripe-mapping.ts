/** Stripe events as Truthloop customer events (CONTRACT.md, "Stripe"). */

export interface StripeEvent {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
}

type Obj = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' ? (v as Obj) : {});

export type Mapped = { kind: 'event'; event: Record<string, unknown> } | { kind: 'ignored'; why: string };

/**
 * `checkout.session.completed` → purchase; `charge.refunded` → refund of the charge's payment
 * intent. The Stripe event id is the idempotency id. `customerFor` finds the customer of an
 * order already known (a refund names no customer of ours).
 */
export function mapStripeEvent(e: StripeEvent, customerOfOrder: string | undefined): Mapped {
  const o = e.data.object;
  const occurredAt = new Date(e.created * 1000).toISOString();
  if (e.type === 'checkout.session.completed') {
    const metadata = obj(o.metadata);
    const customerId = str(o.client_reference_id) ?? str(metadata.customerId);
    if (!customerId) return { kind: 'ignored', why: 'no client_reference_id or metadata.customerId' };
    const details = obj(o.customer_details);
    const amount = num(o.amount_total);
    const currency = str(o.currency)?.toUpperCase();
    return {
      kind: 'event',
      event: {
        id: e.id,
        type: 'purchase',
        customerId,
        occurredAt,
        ...((str(details.email) ?? str(o.customer_email)) ? { email: str(details.email) ?? str(o.customer_email) } : {}),
        ...(str(details.name) ? { name: str(details.name) } : {}),
        ...(str(metadata.visitorId) ? { visitorId: str(metadata.visitorId) } : {}),
        ...(str(metadata.referralCode) ? { referralCode: str(metadata.referralCode) } : {}),
        ...(str(metadata.couponCode) ? { couponCode: str(metadata.couponCode) } : {}),
        orderId: str(o.payment_intent) ?? str(o.id),
        ...(amount !== undefined && currency ? { amount, currency } : {}),
        properties: {
          stripeCheckoutSession: str(o.id) ?? null,
          ...(str(metadata.cardFingerprint) ? { cardFingerprint: str(metadata.cardFingerprint) } : {}),
        },
      },
    };
  }
  if (e.type === 'charge.refunded') {
    const orderId = str(o.payment_intent);
    if (!orderId) return { kind: 'ignored', why: 'the charge has no payment_intent' };
    const metadata = obj(o.metadata);
    const customerId = customerOfOrder ?? str(metadata.customerId) ?? str(o.customer) ?? `stripe:${orderId}`;
    const refunded = num(o.amount_refunded);
    const currency = str(o.currency)?.toUpperCase();
    const card = str(obj(obj(o.payment_method_details).card).fingerprint);
    return {
      kind: 'event',
      event: {
        id: e.id,
        type: 'refund',
        customerId,
        occurredAt,
        orderId,
        ...(refunded !== undefined && currency ? { amount: refunded, currency } : {}),
        // Stripe's amount_refunded is the charge's running total, not this refund alone.
        properties: { cumulativeRefund: true, ...(card ? { cardFingerprint: card } : {}) },
      },
    };
  }
  return { kind: 'ignored', why: `${e.type} is not used` };
}

/** The `t=` timestamp of a Stripe-Signature header that has exactly one. */
export function signatureTimestamp(header: string): number | undefined {
  const stamps = header
    .split(',')
    .map((p) => p.split('='))
    .filter(([k]) => k?.trim() === 't');
  // Exactly one: Stripe's own check signs with the first t= while another could pass the window.
  if (stamps.length !== 1) return undefined;
  const t = stamps[0]![1]?.trim();
  return t && /^\d{1,12}$/.test(t) ? Number(t) : undefined;
}
