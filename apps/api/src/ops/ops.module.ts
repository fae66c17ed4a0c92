import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ClicksModule } from '#libs/links/index.js';
import { MetricsService } from './metrics.service.js';
import { OpsController } from './ops.controller.js';
import { MetricsServer } from './metrics-server.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false, gracefulShutdownTimeoutMs: 0 }), ClicksModule],
  controllers: [OpsController],
  providers: [MetricsService, MetricsServer],
  exports: [MetricsService],
})
export class OpsModule {}
