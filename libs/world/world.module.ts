import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, type AppConfig } from '#libs/config/index.js';
import { DatabaseModule } from '#libs/database/index.js';
import { QueueModule, RedisModule } from '#libs/queue/index.js';
import { OutboxModule } from '#libs/outbox/index.js';
import { LedgerModule } from '#libs/ledger/index.js';
import { TenantsModule } from '#libs/tenants/index.js';
import { CampaignsModule } from '#libs/campaigns/index.js';
import { CustomersModule } from '#libs/customers/index.js';
import { MomentsModule } from '#libs/moments/index.js';
import { AdvocatesModule } from '#libs/advocates/index.js';
import { ClicksModule } from '#libs/links/index.js';
import { ReferralsModule } from '#libs/referrals/index.js';
import { RewardsModule } from '#libs/rewards/index.js';
import { AnalyticsModule } from '#libs/analytics/index.js';
import { HistoryImport } from './history-import.js';
import { WorldBuilder } from './world.builder.js';

/** The real domain services, without HTTP or job processors, for building worlds of data. */
@Module({})
export class WorldModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorldModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        RedisModule,
        QueueModule,
        OutboxModule,
        LedgerModule,
        TenantsModule,
        CampaignsModule,
        CustomersModule,
        MomentsModule,
        AdvocatesModule,
        ClicksModule,
        ReferralsModule,
        RewardsModule,
        AnalyticsModule,
      ],
      providers: [WorldBuilder, HistoryImport],
      exports: [WorldBuilder],
    };
  }
}

export interface World {
  builder: WorldBuilder;
  /** Any service of the world, for what the builder does not cover (a test driving one service directly). */
  app: INestApplicationContext;
  close(): Promise<void>;
}

/** Opens a world over the configured database and Redis. Close it when done. */
export async function openWorld(config: AppConfig): Promise<World> {
  const app = await NestFactory.createApplicationContext(WorldModule.forRoot(config), { logger: ['error', 'warn'], abortOnError: false });
  await app.init();
  return { builder: app.get(WorldBuilder), app, close: () => app.close() };
}
