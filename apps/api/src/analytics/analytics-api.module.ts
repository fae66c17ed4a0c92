import { Module } from '@nestjs/common';
import { AnalyticsModule } from '#libs/analytics/index.js';
import { AdvocatesModule } from '#libs/advocates/index.js';
import { AnalyticsLoaders } from './analytics.loaders.js';
import { DashboardController } from './dashboard.controller.js';

/** Campaign analytics over GraphQL, and the marketer's dashboard page. */
@Module({
  imports: [AnalyticsModule, AdvocatesModule],
  controllers: [DashboardController],
  providers: [AnalyticsLoaders],
  exports: [AnalyticsLoaders, AnalyticsModule],
})
export class AnalyticsApiModule {}
