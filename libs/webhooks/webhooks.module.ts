import { Module } from '@nestjs/common';
import { WebhookRepository } from './webhook.repository.js';
import { WebhookQueue } from './webhook-queue.js';
import { WebhooksService } from './webhooks.service.js';
import { WebhookDeliveryService } from './webhook-delivery.service.js';
import { WebhookDispatcher } from './webhook-dispatcher.service.js';

@Module({
  providers: [WebhookRepository, WebhookQueue, WebhooksService, WebhookDeliveryService, WebhookDispatcher],
  exports: [WebhooksService, WebhookDeliveryService, WebhookDispatcher],
})
export class WebhooksModule {}
