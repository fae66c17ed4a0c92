/**
 * The one map from job name to payload type. Producers and processors are checked against it;
 * the worker refuses to start when a name here has no handler, or two.
 */
export interface JobMap {
  /** A campaign became ACTIVE: enrol the customers who are already eligible. */
  'campaign.activated': { tenantId: string; campaignId: string };
  /** A customer had a new moment (event or feedback): rescore delight, enrol where eligible. */
  'customer.moment': { tenantId: string; customerId: string };
}

export type JobName = keyof JobMap;

export const QUEUE_NAMES = ['campaigns', 'moments'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Which queue carries each job. */
export const JOB_QUEUE: { readonly [K in JobName]: QueueName } = {
  'campaign.activated': 'campaigns',
  'customer.moment': 'moments',
};

export const JOB_NAMES = Object.keys(JOB_QUEUE) as JobName[];
