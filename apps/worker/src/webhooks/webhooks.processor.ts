import { Processor } from '@nestjs/bullmq';
import { HandlesJob, JobProcessor, type JobMap } from '#libs/queue/index.js';
import { WebhookDeliveryService } from '#libs/webhooks/index.js';

@Processor('webhooks')
export class WebhooksProcessor extends JobProcessor {
  constructor(private readonly deliveries: WebhookDeliveryService) {
    super();
  }

  @HandlesJob('webhooks.deliver')
  async deliver(payload: JobMap['webhooks.deliver']): Promise<void> {
    await this.deliveries.drain(payload);
  }
}
