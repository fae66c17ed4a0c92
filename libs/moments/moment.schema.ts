import { z } from 'zod';
import { currencySchema, moneyAmountSchema } from '#libs/campaigns/index.js';
import { EVENT_TYPES, type CustomerEvent, type FeedbackAnswer, type ProfileChange } from './moment.js';

const MAX_PROPERTIES_JSON = 16 * 1024;
const MAX_FUTURE_MS = 5 * 60_000;

const idSchema = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);
const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? null);

export const occurredAtSchema = z.iso
  .datetime({ offset: true, message: 'must be an ISO-8601 date-time such as 2026-11-02T10:00:00Z' })
  .transform((v) => new Date(v))
  // A sender's clock may run a little ahead; further ahead, the time is wrong (and would hold attribution back).
  .refine((d) => d.getTime() <= Date.now() + MAX_FUTURE_MS, { message: 'must not be more than 5 minutes in the future' });

const emailSchema = z.email({ message: 'must be an email address' }).max(320, 'must be at most 320 characters');

const propertiesSchema = z
  .record(z.string(), z.unknown(), { message: 'must be a JSON object' })
  .refine((p) => JSON.stringify(p).length <= MAX_PROPERTIES_JSON, { message: `must be at most ${MAX_PROPERTIES_JSON} bytes of JSON` });

export const eventSchema = z
  .strictObject({
    id: idSchema,
    type: z.enum(EVENT_TYPES, { message: `must be one of ${EVENT_TYPES.join(', ')}` }),
    customerId: idSchema,
    occurredAt: optional(occurredAtSchema),
    email: optional(emailSchema),
    name: optional(text(200)),
    visitorId: optional(text(200)),
    referralCode: optional(text(64)),
    couponCode: optional(text(64)),
    orderId: optional(text(200)),
    amount: optional(moneyAmountSchema),
    currency: optional(currencySchema),
    channel: optional(text(64)),
    properties: optional(propertiesSchema),
  })
  .superRefine((e, ctx) => {
    if (e.amount !== null && e.currency === null) {
      ctx.addIssue({ code: 'custom', path: ['currency'], message: 'is required with an amount' });
    }
  })
  .transform((e): CustomerEvent => ({
    ...e,
    // Without a time, the moment happened when it arrived.
    occurredAt: e.occurredAt ?? new Date(),
    properties: e.properties ?? {},
  }));

export const feedbackSchema = z
  .strictObject({
    id: idSchema,
    customerId: idSchema,
    occurredAt: optional(occurredAtSchema),
    nps: optional(z.number().int('must be an integer').min(0, 'must be from 0 to 10').max(10, 'must be from 0 to 10')),
    csat: optional(z.number().int('must be an integer').min(1, 'must be from 1 to 5').max(5, 'must be from 1 to 5')),
    expectationMet: optional(z.boolean({ message: 'must be true or false' })),
    comment: optional(text(5000)),
    preferredChannels: optional(
      z
        .array(z.string().trim().toLowerCase().min(1, 'must not be empty').max(32, 'must be at most 32 characters'))
        .max(20, 'must list at most 20 channels'),
    ),
  })
  .superRefine((f, ctx) => {
    if (f.nps === null && f.csat === null && f.expectationMet === null && f.comment === null && f.preferredChannels === null) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'must answer at least one of nps, csat, expectationMet, comment, preferredChannels',
      });
    }
  })
  .transform((f): FeedbackAnswer => ({ ...f, occurredAt: f.occurredAt ?? new Date() }));

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A Segment `identify`: the customer and their traits. */
export const profileSchema = z
  .object({ customerId: idSchema, email: optional(emailSchema), name: optional(text(200)) })
  .transform((p): ProfileChange => p);
