import { Global, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { QUEUE_NAMES } from './jobs.js';
import { QueueProducer } from './producer.js';
import { ChangeBus } from './change-bus.js';
import { createRedis } from './redis.js';

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        connection: createRedis(config, 'bullmq'),
        prefix: `${config.redis.prefix}:bull`,
        defaultJobOptions: {
          attempts: 12,
          backoff: { type: 'exponential', delay: 500 },
          removeOnComplete: { count: 1000 },
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      }),
    }),
    BullModule.registerQueue(...QUEUE_NAMES.map((name) => ({ name }))),
  ],
  providers: [QueueProducer, ChangeBus],
  exports: [QueueProducer, ChangeBus, BullModule],
})
export class QueueModule {}
