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
import { consumedQueues } from './job-registry.js';
import { TestFaults } from './test-faults.js';

/** The processor of each queue. */
const PROCESSORS = {
  campaigns: CampaignsProcessor,
  moments: MomentsProcessor,
  rewards: RewardsProcessor,
  clicks: ClicksProcessor,
  webhooks: WebhooksProcessor,
} as const;

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    const queues = consumedQueues(config);
    const processors = queues.map((q) => PROCESSORS[q]);
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
      // WORKER_QUEUES runs a worker on some queues only (a dedicated click flusher, say).
      providers: [
        JobRegistry,
        ConcurrencySetter,
        Scheduler,
        ...processors,
        ...(queues.includes('webhooks') ? [WebhookSweeper] : []),
        // The chaos suite's crash between a commit and its job's acknowledgement (loadConfig keeps it 0 outside NODE_ENV=test).
        ...(config.faults.killAfterCommitProbability > 0 ? [TestFaults] : []),
      ],
    };
  }
}
