import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { OUTBOX_EVENT_TYPES } from '#libs/outbox/index.js';

export const WEBHOOK_EVENT_TYPES = OUTBOX_EVENT_TYPES;
/** `*` subscribes to every event type, including ones added later. */
export const ALL_EVENTS = '*';

export const DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The purpose endpoint secrets are sealed under (libs/common/crypto.ts). */
export const ENDPOINT_SECRET_PURPOSE = 'webhook-endpoint-secret';

export interface WebhookEndpoint {
  id: string;
  tenantId: string;
  url: string;
  events: string[];
  enabled: boolean;
  /** Until when the secret before the last rotation still signs beside the new one (null: none). */
  previousSecretUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookAttempt {
  attemptedAt: Date;
  statusCode: number | null;
  responseTimeMs: number;
  responseBody: string | null;
  error: string | null;
}

export interface WebhookDelivery {
  id: string;
  seq: string;
  tenantId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastStatusCode: number | null;
  lastResponseMs: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
  replayOf: string | null;
}

export function newEndpointSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The body of every delivery of an event: the same bytes on every retry and replay. */
export function webhookBody(event: { id: string; type: string; createdAt: Date; data: unknown }): string {
  return JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt.toISOString(), data: event.data });
}

/**
 * `Truthloop-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, one `v1` per secret: after
 * a rotation the new secret's and, during the grace period, the previous one's, so a receiver
 * verifying with either accepts the delivery.
 */
export function signatureHeader(secrets: string | readonly string[], body: string, at: Date = new Date()): string {
  const t = Math.floor(at.getTime() / 1000);
  const v1 = [secrets].flat().map((secret) => `v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`);
  return [`t=${t}`, ...v1].join(',');
}

/** What a receiver does (the README shows the same few lines): one timestamp, any matching v1. */
export function verifySignature(secret: string, body: string, header: string, toleranceSeconds = 300, now = Date.now()): boolean {
  const parts = header.split(',').map((kv) => kv.split('=', 2) as [string, string | undefined]);
  const stamps = parts.filter(([k]) => k === 't');
  const t = Number(stamps[0]?.[1]);
  if (stamps.length !== 1 || !Number.isInteger(t) || Math.abs(now / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return parts.some(([k, v]) => {
    const given = Buffer.from(k === 'v1' ? (v ?? '') : '', 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
