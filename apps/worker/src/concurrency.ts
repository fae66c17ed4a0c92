import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';

/** Applies WORKER_CONCURRENCY to every processor (the decorator's options are static). */
@Injectable()
export class ConcurrencySetter implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders()) {
      if (wrapper.instance instanceof WorkerHost) wrapper.instance.worker.concurrency = this.config.worker.concurrency;
    }
  }
}
