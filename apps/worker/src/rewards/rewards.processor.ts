import { Processor } from '@nestjs/bullmq';
import { HandlesJob, JobProcessor, QueueProducer, type JobMap } from '#libs/queue/index.js';
import { RewardsService } from '#libs/rewards/index.js';
import { EventEffectsService, ReferralsService, type Applied } from '#libs/referrals/index.js';

@Processor('rewards')
export class RewardsProcessor extends JobProcessor {
  constructor(
    private readonly rewards: RewardsService,
    private readonly referrals: ReferralsService,
    private readonly producer: QueueProducer,
    private readonly effects: EventEffectsService,
  ) {
    super();
  }

  @HandlesJob('events.apply')
  async applyEvents({ tenantId, eventIds }: JobMap['events.apply']): Promise<Applied> {
    return this.effects.apply(tenantId, eventIds);
  }

  @HandlesJob('attribution.evaluate')
  async evaluate({ tenantId, customerIds }: JobMap['attribution.evaluate']): Promise<Applied> {
    return this.effects.attribute(tenantId, customerIds);
  }

  /** PostgreSQL is the truth: events whose effect was never applied get their job again. */
  @HandlesJob('events.sweep')
  async sweepEvents(): Promise<number> {
    return this.effects.requeueLost();
  }

  @HandlesJob('reward.credit')
  async credit({ tenantId, referralId }: JobMap['reward.credit']): Promise<number> {
    return (await this.rewards.sync(tenantId, referralId)).length;
  }

  @HandlesJob('rewards.release')
  async release(): Promise<number> {
    return this.rewards.releaseDue();
  }

  /** PostgreSQL is the truth: referrals whose rewards do not follow their last change get their job again. */
  @HandlesJob('rewards.sweep')
  async sweep(): Promise<number> {
    const missing = await this.referrals.unsynced(10_000);
    await this.producer.enqueueMany(
      'reward.credit',
      missing.map((m) => ({
        payload: { tenantId: m.tenantId, referralId: m.referralId },
        opts: { jobId: `sync-sweep-${m.referralId}-${m.version}-${Math.floor(Date.now() / 60_000)}` },
      })),
    );
    return missing.length;
  }
}
