/**
 * The one map from job name to payload type. Producers and processors are checked against it;
 * the worker refuses to start when a name here has no handler, or two.
 */
export interface JobMap {
  /** A campaign became ACTIVE: enrol the customers who are already eligible. */
  'campaign.activated': { tenantId: string; campaignId: string };
  /** Bring a referral's rewards in line with its last change: credit, supersede, follow refunds (idempotent). */
  'reward.credit': { tenantId: string; referralId: string };
  /** Repeatable: move due PENDING rewards to AVAILABLE. */
  'rewards.release': Record<string, never>;
  /** Repeatable: re-queue referrals whose rewards do not follow their last change (job lost with Redis). */
  'rewards.sweep': Record<string, never>;
  /** Apply the effects of signup, purchase, refund and share events (sender ids). */
  'events.apply': { tenantId: string; eventIds: string[] };
  /** Repeatable: re-queue events whose effect was never applied (job lost). */
  'events.sweep': Record<string, never>;
  /** Derive these customers' referrals again from all their events (a click landed behind the watermark). */
  'attribution.evaluate': { tenantId: string; customerIds: string[] };
  /** Customers had new moments (events or feedback): rescore delight, enrol where eligible. One job per request. */
  'customer.moment': { tenantId: string; customerIds: string[] };
  /** Move buffered clicks from the Redis stream into PostgreSQL (repeats every second; also on demand). */
  'clicks.flush': Record<string, never>;
  /** Create the coming months' click partitions (repeats daily). */
  'clicks.partitions': Record<string, never>;
  /** Deliver an endpoint's due webhook deliveries, in order (one worker per endpoint at a time). */
  'webhooks.deliver': { tenantId: string; endpointId: string };
}

export type JobName = keyof JobMap;

export const QUEUE_NAMES = ['campaigns', 'moments', 'rewards', 'clicks', 'webhooks'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Which queue carries each job. */
export const JOB_QUEUE: { readonly [K in JobName]: QueueName } = {
  'campaign.activated': 'campaigns',
  'reward.credit': 'rewards',
  'rewards.release': 'rewards',
  'rewards.sweep': 'rewards',
  'events.apply': 'rewards',
  'events.sweep': 'rewards',
  'attribution.evaluate': 'rewards',
  'customer.moment': 'moments',
  'clicks.flush': 'clicks',
  'clicks.partitions': 'clicks',
  'webhooks.deliver': 'webhooks',
};

export const JOB_NAMES = Object.keys(JOB_QUEUE) as JobName[];

/** Jobs the worker schedules itself, with their period in milliseconds. */
export const REPEATABLE_JOBS: { readonly [K in JobName]?: number } = {
  'rewards.release': 5_000,
  'rewards.sweep': 15_000,
  'events.sweep': 15_000,
  'clicks.flush': 1_000,
  'clicks.partitions': 6 * 3600_000,
};
