import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { WebhooksService, deliveryCursor, type DeliveryWithLog, type WebhookEndpoint as Endpoint } from '#libs/webhooks/index.js';
import { TenantId } from '../common/auth.js';
import { Audited } from '../audit/audited.js';
import { boundedListComplexity, pageComplexity, toConnection } from '../graphql/connection.js';
import { WebhookDelivery, WebhookDeliveryConnection, WebhookEndpoint } from './webhook.model.js';

function toEndpoint(e: Endpoint, secret: string | null = null): WebhookEndpoint {
  return {
    id: e.id,
    url: e.url,
    events: e.events,
    enabled: e.enabled,
    secret,
    previousSecretExpiresAt: e.previousSecretUntil,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

function toDelivery(d: DeliveryWithLog): WebhookDelivery {
  return {
    id: d.id,
    endpointId: d.endpointId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    lastResponseStatus: d.lastStatusCode,
    lastResponseTimeMs: d.lastResponseMs,
    lastError: d.lastError,
    nextAttemptAt: d.status === 'PENDING' ? d.nextAttemptAt : null,
    deliveredAt: d.deliveredAt,
    createdAt: d.createdAt,
    replayOf: d.replayOf,
    attemptLog: d.attemptLog,
  };
}

@Resolver(() => WebhookEndpoint)
export class WebhooksResolver {
  constructor(private readonly webhooks: WebhooksService) {}

  @Query(() => [WebhookEndpoint], { complexity: boundedListComplexity(20), description: 'At most 20 per tenant.' })
  async webhookEndpoints(@TenantId() tenantId: string) {
    return (await this.webhooks.list(tenantId)).map((e) => toEndpoint(e));
  }

  @Query(() => WebhookDeliveryConnection, { complexity: pageComplexity })
  async webhookDeliveries(
    @TenantId() tenantId: string,
    @Args('endpointId', { type: () => ID }) endpointId: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { nullable: true }) after?: string,
  ) {
    const page = await this.webhooks.deliveries(tenantId, endpointId, first, after);
    const connection = toConnection(page, deliveryCursor);
    return { ...connection, edges: connection.edges.map((e) => ({ ...e, node: toDelivery(e.node) })) };
  }

  @Mutation(() => WebhookEndpoint, { description: 'The answer carries the signing secret; it is never shown again.' })
  @Audited('WEBHOOK_ENDPOINT_CREATED', ({ args, result }) => ({
    type: 'webhook_endpoint',
    id: (result as WebhookEndpoint).id,
    details: { url: args.url, events: args.events },
  }))
  async createWebhookEndpoint(
    @TenantId() tenantId: string,
    @Args('url') url: string,
    @Args('events', { type: () => [String] }) events: string[],
  ) {
    const { endpoint, secret } = await this.webhooks.create(tenantId, { url, events });
    return toEndpoint(endpoint, secret);
  }

  @Mutation(() => WebhookEndpoint, {
    description:
      'A new signing secret, in the answer only. The previous one signs beside it (a second v1) for graceHours (default 24, at most 168).',
  })
  @Audited('WEBHOOK_SECRET_ROTATED', ({ args }) => ({
    type: 'webhook_endpoint',
    id: String(args.id),
    details: { graceHours: args.graceHours ?? 24 },
  }))
  async rotateWebhookSecret(
    @TenantId() tenantId: string,
    @Args('id', { type: () => ID }) id: string,
    @Args('graceHours', { type: () => Int, nullable: true }) graceHours?: number | null,
  ) {
    const { endpoint, secret } = await this.webhooks.rotateSecret(tenantId, id, graceHours ?? undefined);
    return toEndpoint(endpoint, secret);
  }

  @Mutation(() => WebhookEndpoint)
  @Audited('WEBHOOK_ENDPOINT_DISABLED', ({ args }) => ({ type: 'webhook_endpoint', id: String(args.id) }))
  async disableWebhookEndpoint(@TenantId() tenantId: string, @Args('id', { type: () => ID }) id: string) {
    return toEndpoint(await this.webhooks.setEnabled(tenantId, id, false));
  }

  @Mutation(() => WebhookEndpoint)
  @Audited('WEBHOOK_ENDPOINT_ENABLED', ({ args }) => ({ type: 'webhook_endpoint', id: String(args.id) }))
  async enableWebhookEndpoint(@TenantId() tenantId: string, @Args('id', { type: () => ID }) id: string) {
    return toEndpoint(await this.webhooks.setEnabled(tenantId, id, true));
  }

  @Mutation(() => Boolean)
  @Audited('WEBHOOK_ENDPOINT_DELETED', ({ args }) => ({ type: 'webhook_endpoint', id: String(args.id) }))
  deleteWebhookEndpoint(@TenantId() tenantId: string, @Args('id', { type: () => ID }) id: string) {
    return this.webhooks.delete(tenantId, id);
  }

  @Mutation(() => WebhookDelivery, { description: "Sends the delivery's event to its endpoint again, with the same event id." })
  @Audited('WEBHOOK_DELIVERY_REPLAYED', ({ args, result }) => ({
    type: 'webhook_delivery',
    id: String(args.id),
    details: { replay: (result as WebhookDelivery).id },
  }))
  async replayWebhookDelivery(@TenantId() tenantId: string, @Args('id', { type: () => ID }) id: string) {
    return toDelivery(await this.webhooks.replay(tenantId, id));
  }
}
