import { Logger } from '@nestjs/common';
import { Processor } from '@nestjs/bullmq';
import { ClickFlusher, ClickRepository } from '#libs/links/index.js';
import { HandlesJob, JobProcessor } from '#libs/queue/index.js';

// Scheduled by the worker's Scheduler (REPEATABLE_JOBS): flush every second, since the share page's
// click count and attribution read the clicks table; partitions every 6 hours.
const MONTHS_AHEAD = 2;

@Processor('clicks')
export class ClicksProcessor extends JobProcessor {
  private readonly logger = new Logger(ClicksProcessor.name);

  constructor(
    private readonly flusher: ClickFlusher,
    private readonly clicks: ClickRepository,
  ) {
    super();
  }

  @HandlesJob('clicks.flush')
  async flush(): Promise<{ stored: number }> {
    return { stored: await this.flusher.flush() };
  }

  @HandlesJob('clicks.partitions')
  async partitions(): Promise<{ created: string[] }> {
    const created = await this.clicks.ensurePartitions(new Date(), MONTHS_AHEAD);
    if (created.length > 0) this.logger.log(`created click partitions ${created.join(', ')}`);
    return { created };
  }
}
