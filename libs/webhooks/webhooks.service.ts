import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError, clampFirst, decodeCursor, isUuid, parseInput, seal } from '#libs/common/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { ALL_EVENTS, ENDPOINT_SECRET_PURPOSE, WEBHOOK_EVENT_TYPES, newEndpointSecret, type WebhookAttempt } from './webhook.js';
import type { WebhookDelivery, WebhookEndpoint } from './webhook.js';
import { UnsafeUrlError, parseWebhookUrl, resolveWebhookHost } from './webhook-address.js';
import { WebhookRepository } from './webhook.repository.js';
import { WebhookQueue } from './webhook-queue.js';

/** Endpoints per tenant: enough for any brand, small enough that fan-out stays cheap. */
const MAX_ENDPOINTS = 20;
/** The longest a rotated secret keeps signing: a week to update every receiver. */
const MAX_GRACE_HOURS = 7 * 24;

const endpointSchema = z.object({
  url: z.string().max(2048, 'must be at most 2048 characters'),
  events: z
    .array(z.enum([...WEBHOOK_EVENT_TYPES, ALL_EVENTS], { message: `must be one of ${[...WEBHOOK_EVENT_TYPES, ALL_EVENTS].join(', ')}` }))
    .min(1, 'must name at least one event type (or "*")')
    .max(20),
});

export interface DeliveryWithLog extends WebhookDelivery {
  attemptLog: WebhookAttempt[];
}

@Injectable()
export class WebhooksService {
  constructor(
    private readonly repo: WebhookRepository,
    private readonly queue: WebhookQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Creates an endpoint; its signing secret is returned here and never again. */
  async create(tenantId: string, input: { url: string; events: string[] }): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const { url, events } = parseInput(endpointSchema, input);
    try {
      await resolveWebhookHost(parseWebhookUrl(url), this.config.webhooks.allowPrivateNetworks);
    } catch (error) {
      if (error instanceof UnsafeUrlError) throw new ValidationError([{ field: 'url', message: error.message }]);
      throw error;
    }
    if ((await this.repo.countEndpoints(tenantId)) >= MAX_ENDPOINTS) {
      throw new ConflictError(`A tenant can have at most ${MAX_ENDPOINTS} webhook endpoints`);
    }
    const secret = newEndpointSecret();
    const sealed = seal(this.config.secretKey, ENDPOINT_SECRET_PURPOSE, secret);
    const endpoint = await this.repo.insertEndpoint(tenantId, url, [...new Set(events)], sealed);
    return { endpoint, secret };
  }

  list(tenantId: string): Promise<WebhookEndpoint[]> {
    return this.repo.listEndpoints(tenantId);
  }

  async get(tenantId: string, id: string): Promise<WebhookEndpoint> {
    const endpoint = isUuid(id) ? await this.repo.findEndpoint(tenantId, id) : undefined;
    if (!endpoint) throw new NotFoundError('Webhook endpoint', id);
    return endpoint;
  }

  /** A disabled endpoint gets no new events; what was already queued for it waits until it is enabled. */
  async setEnabled(tenantId: string, id: string, enabled: boolean): Promise<WebhookEndpoint> {
    const endpoint = isUuid(id) ? await this.repo.setEnabled(tenantId, id, enabled) : undefined;
    if (!endpoint) throw new NotFoundError('Webhook endpoint', id);
    if (enabled) await this.queue.drainSoon([{ tenantId, endpointId: id }]);
    return endpoint;
  }

  /**
   * A new signing secret, returned here and never again. The previous one keeps signing beside it
   * (a second v1 in Truthloop-Signature) for `graceHours`, so receivers can switch without losing
   * a delivery.
   */
  async rotateSecret(tenantId: string, id: string, graceHours = 24): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    if (!Number.isInteger(graceHours) || graceHours < 0 || graceHours > MAX_GRACE_HOURS) {
      throw new ValidationError([{ field: 'graceHours', message: `must be an integer from 0 to ${MAX_GRACE_HOURS}` }]);
    }
    const secret = newEndpointSecret();
    const sealed = seal(this.config.secretKey, ENDPOINT_SECRET_PURPOSE, secret);
    const until = new Date(Date.now() + graceHours * 3_600_000);
    const endpoint = isUuid(id) ? await this.repo.rotateSecret(tenantId, id, sealed, until) : undefined;
    if (!endpoint) throw new NotFoundError('Webhook endpoint', id);
    return { endpoint, secret };
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    if (!isUuid(id) || !(await this.repo.softDelete(tenantId, id))) throw new NotFoundError('Webhook endpoint', id);
    return true;
  }

  /** The delivery log of an endpoint, newest first, each delivery with its attempts. */
  async deliveries(
    tenantId: string,
    endpointId: string,
    first: number | null | undefined,
    after?: string | null,
  ): Promise<{ items: DeliveryWithLog[]; hasNextPage: boolean }> {
    const limit = clampFirst(first);
    let beforeSeq: string | undefined;
    if (after) {
      [beforeSeq] = decodeCursor(after, ['seq']);
    }
    await this.get(tenantId, endpointId);
    const rows = await this.repo.pageDeliveries(tenantId, endpointId, limit + 1, beforeSeq);
    const page = rows.slice(0, limit);
    const attempts = await this.repo.attemptsOf(
      tenantId,
      page.map((d) => d.id),
    );
    return { items: page.map((d) => ({ ...d, attemptLog: attempts.get(d.id) ?? [] })), hasNextPage: rows.length > limit };
  }

  /** Sends the delivery's event to its endpoint again (same event id), after the endpoint's queued events. */
  async replay(tenantId: string, deliveryId: string): Promise<DeliveryWithLog> {
    const delivery = isUuid(deliveryId) ? await this.repo.insertReplay(tenantId, deliveryId) : undefined;
    if (!delivery) throw new NotFoundError('Webhook delivery', deliveryId);
    await this.queue.drainSoon([{ tenantId, endpointId: delivery.endpointId }]);
    return { ...delivery, attemptLog: [] };
  }
}

export function deliveryCursor(d: WebhookDelivery): [string] {
  return [d.seq];
}
