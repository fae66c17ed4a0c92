export const EVENT_TYPES = ['signup', 'purchase', 'first_use', 'milestone', 'refund', 'share'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const MAX_BATCH = 500;

/** Where a moment came from (kept on the row, for support). */
export type MomentSource = 'api' | 'graphql' | 'segment' | 'stripe';

/** A validated customer event. */
export interface CustomerEvent {
  id: string;
  type: EventType;
  customerId: string;
  occurredAt: Date;
  email: string | null;
  name: string | null;
  visitorId: string | null;
  referralCode: string | null;
  couponCode: string | null;
  orderId: string | null;
  amount: number | null;
  currency: string | null;
  channel: string | null;
  properties: Record<string, unknown>;
}

/** A validated feedback answer. */
export interface FeedbackAnswer {
  id: string;
  customerId: string;
  occurredAt: Date;
  nps: number | null;
  csat: number | null;
  expectationMet: boolean | null;
  comment: string | null;
  preferredChannels: string[] | null;
}

/** A profile change with no moment of its own (Segment `identify`). */
export interface ProfileChange {
  customerId: string;
  email: string | null;
  name: string | null;
}

export interface Moments {
  events: CustomerEvent[];
  feedback: FeedbackAnswer[];
  profiles: ProfileChange[];
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
}

/** What is known about one customer, for scoring and eligibility. */
export interface CustomerFacts {
  events: { type: EventType; occurredAt: Date }[];
  /** Oldest first. */
  feedback: { nps: number | null; csat: number | null; expectationMet: boolean | null; occurredAt: Date }[];
}
