import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { JOB_QUEUE, QueueProducer, REPEATABLE_JOBS, type JobName } from '#libs/queue/index.js';

/**
 * Keeps the repeatable jobs scheduled. Schedules live in Redis, so they are upserted again every
 * half minute: a Redis that was flushed or replaced gets them back without a restart.
 */
@Injectable()
export class Scheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Scheduler.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly producer: QueueProducer) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.upsertAll();
    this.timer = setInterval(() => void this.upsertAll(), 30_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async upsertAll(): Promise<void> {
    for (const [name, every] of Object.entries(REPEATABLE_JOBS) as [JobName, number][]) {
      try {
        await this.producer.queue(JOB_QUEUE[name]).upsertJobScheduler(name, { every }, { name, data: {} });
      } catch (error) {
        this.logger.warn(`could not schedule ${name}: ${(error as Error).message}`);
      }
    }
  }
}
