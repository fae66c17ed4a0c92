import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { ConfigModule, loggerParams, type AppConfig } from '#libs/config/index.js';
import { DatabaseModule } from '#libs/database/index.js';
import { QueueModule, RedisModule } from '#libs/queue/index.js';
import { OutboxModule } from '#libs/outbox/index.js';
import { CampaignsModule } from '#libs/campaigns/index.js';
import { WebhooksModule } from '#libs/webhooks/index.js';
import { JobRegistry } from './job-registry.js';
import { ConcurrencySetter } from './concurrency.js';
import { CampaignsProcessor } from './campaigns/campaigns.processor.js';
import { WebhooksProcessor } from './webhooks/webhooks.processor.js';
import { WebhookSweeper } from './webhooks/webhook-sweeper.js';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config, 'worker')),
        DiscoveryModule,
        DatabaseModule,
        RedisModule,
        QueueModule,
        OutboxModule,
        CampaignsModule,
        WebhooksModule,
      ],
      providers: [JobRegistry, ConcurrencySetter, CampaignsProcessor, WebhooksProcessor, WebhookSweeper],
    };
  }
}
