import { Logger } from '@nestjs/common';
import { Processor } from '@nestjs/bullmq';
import { ClickFlusher, ClickRepository } from '#libs/links/index.js';
import { HandlesJob, JobProcessor } from '#libs/queue/index.js';
import { EventEffectsService } from '#libs/referrals/index.js';

// Scheduled by the worker's Scheduler (REPEATABLE_JOBS): flush every second, since the share page's
// click count and attribution read the clicks table; partitions every 6 hours.
const MONTHS_AHEAD = 2;

@Processor('clicks')
export class ClicksProcessor extends JobProcessor {
  private readonly logger = new Logger(ClicksProcessor.name);

  constructor(
    private readonly flusher: ClickFlusher,
    private readonly clicks: ClickRepository,
    private readonly effects: EventEffectsService,
  ) {
    super();
  }

  /**
   * Stores buffered clicks and raises the watermark; the signups and purchases it reached are
   * applied, and customers a late click concerns are attributed again.
   */
  @HandlesJob('clicks.flush')
  async flush(): Promise<{ stored: number; woken: number; late: number }> {
    const { stored, watermark, late } = await this.flusher.flush();
    const raised = watermark.after && (!watermark.before || watermark.after > watermark.before);
    const woken = raised ? await this.effects.watermarkRaised(watermark.before, watermark.after!) : 0;
    if (late.length > 0) await this.effects.lateClicks(late);
    return { stored, woken, late: late.length };
  }

  @HandlesJob('clicks.partitions')
  async partitions(): Promise<{ created: string[] }> {
    const created = await this.clicks.ensurePartitions(new Date(), MONTHS_AHEAD);
    if (created.length > 0) this.logger.log(`created click partitions ${created.join(', ')}`);
    return { created };
  }
}
