import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { QUEUE_NAMES } from './jobs.js';
import { QueueProducer } from './producer.js';
import { ChangeBus } from './change-bus.js';
import { createRedis } from './redis.js';

/** The one Redis connection the queues share (BullMQ does not close a connection it was given). */
const BULL_CONNECTION = Symbol('BULL_CONNECTION');

@Injectable()
class BullConnectionCloser implements OnApplicationShutdown {
  constructor(@Inject(BULL_CONNECTION) private readonly connection: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}

@Global()
@Module({
  providers: [
    { provide: BULL_CONNECTION, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createRedis(config, 'bullmq') },
    BullConnectionCloser,
  ],
  exports: [BULL_CONNECTION],
})
class BullConnectionModule {}

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      imports: [BullConnectionModule],
      inject: [APP_CONFIG, BULL_CONNECTION],
      useFactory: (config: AppConfig, connection: Redis) => ({
        connection,
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
