/**
 * The one map from job name to payload type. Producers and processors are checked against it;
 * the worker refuses to start when a name here has no handler, or two.
 */
export interface JobMap {
  /** A campaign became ACTIVE: enrol the customers who are already eligible. */
  'campaign.activated': { tenantId: string; campaignId: string };
  /** Move buffered clicks from the Redis stream into PostgreSQL (repeats every second; also on demand). */
  'clicks.flush': Record<string, never>;
  /** Create the coming months' click partitions (repeats daily). */
  'clicks.partitions': Record<string, never>;
}

export type JobName = keyof JobMap;

export const QUEUE_NAMES = ['campaigns', 'clicks'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Which queue carries each job. */
export const JOB_QUEUE: { readonly [K in JobName]: QueueName } = {
  'campaign.activated': 'campaigns',
  'clicks.flush': 'clicks',
  'clicks.partitions': 'clicks',
};

export const JOB_NAMES = Object.keys(JOB_QUEUE) as JobName[];
