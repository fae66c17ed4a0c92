import { z } from 'zod';

/**
 * The public contract of outbound webhooks: each event type and the `data` it carries. Like the
 * job map, it is the only way to write an outbox event (`OutboxWriter.add` is checked against it),
 * and `npm run schema` writes it as JSON Schema to docs/webhook-events.schema.json, which a test
 * keeps current.
 */
const uuid = z.string().describe('A UUID');
const minorUnits = z.number().int().describe('Minor units (cents), at most 12 digits');
const currency = z.string().length(3).describe('ISO 4217 currency code');

const advocateEnrolled = z
  .object({
    advocateId: uuid,
    campaignId: uuid,
    customerId: z.string().describe("The brand's own id of the customer who became an advocate"),
    code: z.string().describe('The advocate’s share code'),
    generation: z.number().int().describe('1 for an advocate nobody referred, +1 per referral step'),
    enrolledBy: z.enum(['AUTO', 'MANUAL']),
    portalUrl: z.string().describe("The advocate's share page"),
  })
  .describe('A customer became an advocate of a campaign (the eligibility rule, or enrollAdvocate).');

const referralConverted = z
  .object({
    referralId: uuid,
    campaignId: uuid,
    advocateId: uuid,
    referredCustomerId: uuid,
    orderId: z.string().nullable(),
    amount: minorUnits.nullable(),
    currency: currency.nullable(),
    status: z.enum(['CONVERTED', 'REVERSED']).describe('REVERSED when the order was refunded in full before the conversion was applied'),
  })
  .describe("A referred friend's purchase converted the referral (sent again if an earlier purchase takes its place).");

const reward = z.object({
  rewardId: uuid,
  referralId: uuid,
  advocateId: uuid,
  campaignId: uuid,
  kind: z.enum(['ADVOCATE', 'FRIEND']),
  amount: minorUnits,
  reversedAmount: minorUnits,
  currency,
  status: z.enum(['PENDING', 'AVAILABLE', 'PAID', 'REVERSED']),
  availableAt: z.string().describe('ISO-8601: when the hold ends'),
});

export const OUTBOX_EVENTS = {
  'advocate.enrolled': advocateEnrolled,
  'referral.converted': referralConverted,
  'reward.credited': reward.describe('A reward was credited PENDING (held until availableAt).'),
  'reward.available': reward.describe('The hold ended: the reward can be paid out.'),
  'reward.reversed': reward
    .extend({ reversedNow: minorUnits.describe('How much this reversal took back') })
    .describe('A refund, a rejection or a re-attribution took back part or all of a reward.'),
} as const;

export type OutboxEventMap = { [K in keyof typeof OUTBOX_EVENTS]: z.output<(typeof OUTBOX_EVENTS)[K]> };
export type OutboxEventType = keyof OutboxEventMap;
export const OUTBOX_EVENT_TYPES = Object.keys(OUTBOX_EVENTS) as OutboxEventType[];

/** The webhook body's JSON Schema, per event type (`{ id, type, createdAt, data }`). */
export function webhookEventsJsonSchema(): Record<string, unknown> {
  const envelope = (type: OutboxEventType) =>
    z.object({
      id: uuid.describe('The event id: the same on every retry and replay'),
      type: z.literal(type),
      createdAt: z.string().describe('ISO-8601'),
      data: OUTBOX_EVENTS[type],
    });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Truthloop webhook events',
    description: 'The body of each outbound webhook, by event type. Generated from libs/outbox/outbox-events.ts by `npm run schema`.',
    oneOf: OUTBOX_EVENT_TYPES.map((type) => {
      const { $schema: _, ...schema } = z.toJSONSchema(envelope(type), { target: 'draft-2020-12' });
      return { title: type, description: OUTBOX_EVENTS[type].description, ...schema };
    }),
  };
}
