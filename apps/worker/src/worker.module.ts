import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { ConfigModule, loggerParams, type AppConfig } from '#libs/config/index.js';
import { DatabaseModule } from '#libs/database/index.js';
import { QueueModule, RedisModule } from '#libs/queue/index.js';
import { OutboxModule } from '#libs/outbox/index.js';
import { CampaignsModule } from '#libs/campaigns/index.js';
import { AdvocatesModule } from '#libs/advocates/index.js';
import { JobRegistry } from './job-registry.js';
import { ConcurrencySetter } from './concurrency.js';
import { CampaignsProcessor } from './campaigns/campaigns.processor.js';
import { LedgerModule } from '#libs/ledger/index.js';
import { RewardsModule } from '#libs/rewards/index.js';
import { ReferralsModule } from '#libs/referrals/index.js';
import { RewardsProcessor } from './rewards/rewards.processor.js';
import { Scheduler } from './scheduler.js';
import { MomentsProcessor } from './moments/moments.processor.js';
import { ClicksModule } from '#libs/links/index.js';
import { ClicksProcessor } from './links/clicks.processor.js';
import { WebhooksModule } from '#libs/webhooks/index.js';
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
        LedgerModule,
        RewardsModule,
        ReferralsModule,
        AdvocatesModule,
        ClicksModule,
        WebhooksModule,
      ],
      providers: [
        JobRegistry,
        ConcurrencySetter,
        Scheduler,
        CampaignsProcessor,
        MomentsProcessor,
        RewardsProcessor,
        ClicksProcessor,
        WebhooksProcessor,
        WebhookSweeper,
      ],
    };
  }
}
