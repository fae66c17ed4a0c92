import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { WebhooksService, deliveryCursor, type DeliveryWithLog, type WebhookEndpoint as Endpoint } from '#libs/webhooks/index.js';
import { TenantId } from '../common/auth.js';
import { pageComplexity, toConnection } from '../graphql/connection.js';
import { WebhookDelivery, WebhookDeliveryConnection, WebhookEndpoint } from './webhook.model.js';

function toEndpoint(e: Endpoint, secret: string | null = null): WebhookEndpoint {
  return { id: e.id, url: e.url, events: e.events, enabled: e.enabled, secret, createdAt: e.createdAt, updatedAt: e.updatedAt };
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

  @Query(() => [WebhookEndpoint])
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
  async createWebhookEndpoint(
    @TenantId() tenantId: string,
    @Args('url') url: string,
    @Args('events', { type: () => [String] }) events: string[],
  ) {
    const { endpoint, secret } = await this.webhooks.create(tenantId, { url, events });
    return toEndpoint(endpoint, secret);
  }

  @Mutation(() => WebhookEndpoint)
  async disableWebhookEndpoint(@TenantId() tenantId: string, @Args('id', { type: () => ID }) id: string) {
    return toEndpoint(await this.webhooks.setEnabled(tenantId, id, false));
  }

  @Mutation(() => WebhookEndpoint)
  async enableWebhookEndpoint(@TenantId() tenantId: string, @Args('id', { type: () => ID }) id: string) {
    return toEndpoint(await this.webhooks.setEnabled(tenantId, id, true));
  }

  @Mutation(() => Boolean)
  deleteWebhookEndpoint(@TenantId() tenantId: string, @Args('id', { type: () => ID }) id: string) {
    return this.webhooks.delete(tenantId, id);
  }

  @Mutation(() => WebhookDelivery, { description: "Sends the delivery's event to its endpoint again, with the same event id." })
  async replayWebhookDelivery(@TenantId() tenantId: string, @Args('id', { type: () => ID }) id: string) {
    return toDelivery(await this.webhooks.replay(tenantId, id));
  }
}
