/**
 * The one map from job name to payload type. Producers and processors are checked against it;
 * the worker refuses to start when a name here has no handler, or two.
 */
export interface JobMap {
  /** A campaign became ACTIVE: enrol the customers who are already eligible. */
  'campaign.activated': { tenantId: string; campaignId: string };
  /** Deliver an endpoint's due webhook deliveries, in order (one worker per endpoint at a time). */
  'webhooks.deliver': { tenantId: string; endpointId: string };
}

export type JobName = keyof JobMap;

export const QUEUE_NAMES = ['campaigns', 'webhooks'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Which queue carries each job. */
export const JOB_QUEUE: { readonly [K in JobName]: QueueName } = {
  'campaign.activated': 'campaigns',
  'webhooks.deliver': 'webhooks',
};

export const JOB_NAMES = Object.keys(JOB_QUEUE) as JobName[];
