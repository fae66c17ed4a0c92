import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Processor } from '@nestjs/bullmq';
import { ClickFlusher, ClickRepository } from '#libs/links/index.js';
import { HandlesJob, JobProcessor, QueueProducer } from '#libs/queue/index.js';

/** Flush often: the share page's click count and attribution read the clicks table. */
const FLUSH_EVERY_MS = 1_000;
const PARTITIONS_EVERY_MS = 6 * 3600_000;
const MONTHS_AHEAD = 2;

@Processor('clicks')
export class ClicksProcessor extends JobProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(ClicksProcessor.name);

  constructor(
    private readonly flusher: ClickFlusher,
    private readonly clicks: ClickRepository,
    private readonly producer: QueueProducer,
  ) {
    super();
  }

  /** Job schedulers are upserted by id, so every worker may do this at start-up. */
  async onApplicationBootstrap(): Promise<void> {
    const queue = this.producer.queue('clicks');
    await queue.upsertJobScheduler('clicks.flush', { every: FLUSH_EVERY_MS }, { name: 'clicks.flush', data: {}, opts: { attempts: 1 } });
    await queue.upsertJobScheduler(
      'clicks.partitions',
      { every: PARTITIONS_EVERY_MS, immediately: true },
      { name: 'clicks.partitions', data: {} },
    );
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
