import { Injectable } from '@nestjs/common';
import { QueueProducer } from '#libs/queue/index.js';
import type { EndpointRef } from './webhook.repository.js';

// Removed when done, so the same job id can be used again for a later wake-up.
const OPTS = { removeOnComplete: true, removeOnFail: true, attempts: 3 };

/**
 * Enqueues `webhooks.deliver` jobs. The job id is per endpoint and per second, which folds the
 * many wake-ups of a burst into one job; correctness never rests on it (the endpoint lease does
 * that, and the sweep re-enqueues whatever Redis lost).
 */
@Injectable()
export class WebhookQueue {
  constructor(private readonly producer: QueueProducer) {}

  async drainSoon(endpoints: EndpointRef[]): Promise<void> {
    const second = Math.floor(Date.now() / 1000);
    await this.producer.enqueueMany(
      'webhooks.deliver',
      endpoints.map((e) => ({ payload: e, opts: { ...OPTS, jobId: `whd-${e.endpointId}-${second}` } })),
    );
  }

  async drainAt(endpoint: EndpointRef, at: Date): Promise<void> {
    const delay = Math.max(0, at.getTime() - Date.now());
    await this.producer.enqueue('webhooks.deliver', endpoint, { ...OPTS, delay, jobId: `whd-${endpoint.endpointId}-at${at.getTime()}` });
  }
}
