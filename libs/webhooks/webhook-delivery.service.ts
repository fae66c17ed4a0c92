import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { open } from '#libs/common/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { ENDPOINT_SECRET_PURPOSE, signatureHeader, webhookBody } from './webhook.js';
import { WebhookRepository } from './webhook.repository.js';
import { WebhookQueue } from './webhook-queue.js';
import { sendWebhook } from './webhook-sender.js';
import { nextAttemptAt } from './retry.js';
import type { EndpointRef } from './webhook.repository.js';

/** Most deliveries one job sends before handing over, so one busy endpoint cannot hog a job slot. */
const MAX_PER_JOB = 200;

@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger(WebhookDeliveryService.name);

  constructor(
    private readonly repo: WebhookRepository,
    private readonly queue: WebhookQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Sends the endpoint's due deliveries one after another, oldest first, under the endpoint's
   * lease. A failure stops the drain: later events wait until this one succeeds or is given up.
   */
  async drain({ tenantId, endpointId }: EndpointRef): Promise<void> {
    const { timeoutMs, allowPrivateNetworks } = this.config.webhooks;
    const token = randomUUID();
    // Long enough for one request and its bookkeeping; renewed before each request.
    const leaseMs = timeoutMs + 5000;
    let lease = await this.repo.takeLease(tenantId, endpointId, token, leaseMs);
    if (!lease) return; // disabled, deleted, or another worker is delivering it
    let sent = 0;
    // What to enqueue once the lease is released (before, the next job could find it still held).
    let then: (() => Promise<void>) | undefined;
    try {
      // Throws if neither SECRET_KEY nor SECRET_KEY_PREVIOUS sealed it: the job fails, the lease is freed.
      const secrets = [lease.secretSealed, lease.previousSecretSealed]
        .filter((s): s is string => s !== null)
        .map((sealed) => open(this.config.secretKeys, ENDPOINT_SECRET_PURPOSE, sealed));
      for (;;) {
        const delivery = await this.repo.nextPending(tenantId, endpointId);
        if (!delivery) return;
        if (delivery.nextAttemptAt.getTime() > Date.now()) {
          then = () => this.queue.drainAt({ tenantId, endpointId }, delivery.nextAttemptAt);
          return;
        }
        if (sent >= MAX_PER_JOB) {
          then = () => this.queue.drainSoon([{ tenantId, endpointId }]);
          return;
        }
        lease = await this.repo.takeLease(tenantId, endpointId, token, leaseMs);
        if (!lease) return; // disabled meanwhile, or the lease was lost
        const body = webhookBody({
          id: delivery.eventId,
          type: delivery.eventType,
          createdAt: delivery.eventCreatedAt,
          data: delivery.eventData,
        });
        const headers = {
          'content-type': 'application/json',
          'user-agent': 'Truthloop-Webhooks/1',
          'truthloop-signature': signatureHeader(secrets, body),
        };
        const result = await sendWebhook(lease.url, headers, body, { timeoutMs, allowPrivateNetworks });
        sent++;
        const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
        const retryAt = ok ? null : nextAttemptAt(delivery.attempts + 1, delivery.eventCreatedAt, new Date(), this.config.webhooks);
        const status = ok ? 'DELIVERED' : retryAt ? 'PENDING' : 'FAILED';
        await this.repo.recordAttempt(tenantId, delivery.id, result, { status, nextAttemptAt: retryAt });
        if (status === 'FAILED') this.logger.warn(`Gave up delivering event ${delivery.eventId} to endpoint ${endpointId}`);
        if (retryAt) {
          then = () => this.queue.drainAt({ tenantId, endpointId }, retryAt);
          return;
        }
      }
    } finally {
      await this.repo.releaseLease(tenantId, endpointId, token);
      await then?.();
    }
  }
}
