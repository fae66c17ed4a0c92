import { z } from 'zod';
import { MAX_AMOUNT } from '#libs/common/index.js';
import { ATTRIBUTION_MODELS, BUILT_IN_CHANNELS, REWARD_KINDS } from './campaign.js';

const currencies = new Set(Intl.supportedValuesOf('currency'));
export const currencySchema = z
  .string()
  .refine((c) => /^[A-Z]{3}$/.test(c) && currencies.has(c), { message: 'must be an ISO 4217 currency code such as USD' });

export const moneyAmountSchema = z
  .number({ message: 'must be an integer amount in minor units' })
  .int('must be an integer amount in minor units')
  .min(0, 'must not be negative')
  .max(MAX_AMOUNT, `must be at most ${MAX_AMOUNT} (12 digits of minor units)`);

export const httpUrlSchema = z.string().refine(
  (v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
    } catch {
      return false;
    }
  },
  { message: 'must be an http(s) URL' },
);

const days = z.number().int('must be a whole number of days').min(1, 'must be from 1 to 365 days').max(365, 'must be from 1 to 365 days');

const rewardSchema = z
  .object({
    kind: z.enum(REWARD_KINDS),
    amount: moneyAmountSchema.nullish(),
    percentBps: z.number().int('must be an integer').min(0, 'must be from 0 to 10000').max(10_000, 'must be from 0 to 10000').nullish(),
    currency: currencySchema,
  })
  .superRefine((r, ctx) => {
    if (r.kind === 'FIXED' && (r.amount === null || r.amount === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: 'is required for a FIXED reward' });
    }
    if (r.kind === 'PERCENT' && (r.percentBps === null || r.percentBps === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['percentBps'], message: 'is required for a PERCENT reward' });
    }
  })
  .transform((r) => ({
    kind: r.kind,
    amount: r.kind === 'FIXED' ? (r.amount ?? 0) : null,
    percentBps: r.kind === 'PERCENT' ? (r.percentBps ?? 0) : null,
    currency: r.currency,
  }));

const moneySchema = z.object({ amount: moneyAmountSchema, currency: currencySchema });

const channelName = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be a lower-case name of letters, digits, _ or - (at most 32)');

const customChannelSchema = z.object({
  name: channelName.refine((n) => !(BUILT_IN_CHANNELS as readonly string[]).includes(n), {
    message: 'is a built-in channel',
  }),
  shareUrlTemplate: z
    .string()
    .max(2000)
    .refine((t) => t.includes('{url}') || t.includes('{text}'), { message: 'must use {url} or {text}' })
    .refine(
      (t) => {
        try {
          const u = new URL(t.replaceAll('{url}', 'x').replaceAll('{text}', 'x'));
          return ['http:', 'https:', 'mailto:', 'sms:'].includes(u.protocol);
        } catch {
          return false;
        }
      },
      { message: 'must be an http(s), mailto: or sms: URL template' },
    ),
});

/** The full set of campaign settings; create and update both end in a value of this shape. */
export const campaignSettingsSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    slug: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be lower-case letters, digits and single dashes')
      .max(64, 'must be at most 64 characters'),
    destinationUrl: httpUrlSchema,
    message: z.object({
      headline: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
      body: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters'),
    }),
    channels: z.array(channelName).min(1, 'must name at least one channel').max(50),
    customChannels: z.array(customChannelSchema).max(20),
    eligibility: z.object({
      minNps: z.number().int('must be an integer').min(0, 'must be from 0 to 10').max(10, 'must be from 0 to 10'),
      withinDaysOfFirstUse: days,
      requireExpectationMet: z.boolean(),
    }),
    advocateReward: rewardSchema,
    friendIncentive: rewardSchema.nullable(),
    attributionWindowDays: days,
    attributionModel: z.enum(ATTRIBUTION_MODELS),
    holdDays: z.number().int('must be a whole number of days').min(0, 'must be from 0 to 365 days').max(365, 'must be from 0 to 365 days'),
    budget: moneySchema.nullable(),
    advocateCap: moneySchema.nullable(),
    maxConversionsPerAdvocatePerDay: z.number().int().min(1, 'must be at least 1').max(1_000_000).nullable(),
    riskReviewThreshold: z.number().int().min(1, 'must be from 1 to 100').max(100, 'must be from 1 to 100'),
    riskBlockThreshold: z.number().int().min(1, 'must be from 1 to 100').max(101, 'must be from 1 to 101'),
  })
  .superRefine((c, ctx) => {
    const known = new Set<string>([...BUILT_IN_CHANNELS, ...c.customChannels.map((ch) => ch.name)]);
    c.channels.forEach((ch, i) => {
      if (!known.has(ch)) {
        ctx.addIssue({ code: 'custom', path: ['channels', i], message: `unknown channel "${ch}": not built in and not a custom channel` });
      }
    });
    const names = c.customChannels.map((ch) => ch.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: ['customChannels', i, 'name'], message: `"${n}" is given twice` });
    });
    // One currency per campaign, its advocate reward's: a limit in one currency cannot count rewards in another.
    const currency = c.advocateReward.currency;
    for (const [field, money] of !currencySchema.safeParse(currency).success
      ? []
      : ([
          ['friendIncentive', c.friendIncentive],
          ['budget', c.budget],
          ['advocateCap', c.advocateCap],
        ] as const)) {
      if (money && money.currency !== currency) {
        ctx.addIssue({ code: 'custom', path: [field, 'currency'], message: `must be ${currency}, the currency of advocateReward` });
      }
    }
    if (c.riskBlockThreshold <= c.riskReviewThreshold) {
      ctx.addIssue({ code: 'custom', path: ['riskBlockThreshold'], message: 'must be above riskReviewThreshold' });
    }
  })
  .transform((c) => ({
    ...c,
    // A custom channel is a channel of the campaign: its links appear without being listed twice.
    channels: [...new Set([...c.channels, ...c.customChannels.map((ch) => ch.name)])],
  }));

export type CampaignSettings = z.output<typeof campaignSettingsSchema>;
