import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { JobProcessor } from '#libs/queue/index.js';

/**
 * Test-only fault injection (the chaos suite), registered by the worker module only when
 * NODE_ENV=test and CHAOS_KILL_AFTER_COMMIT_PROB is set: the process kills itself after a
 * `reward.credit` job committed rewards and before BullMQ acknowledges the job.
 */
@Injectable()
export class TestFaults implements OnApplicationBootstrap {
  private readonly logger = new Logger(TestFaults.name);

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const p = this.config.faults.killAfterCommitProbability;
    this.logger.warn(`test faults on: SIGKILL after ${p * 100}% of reward commits`);
    for (const wrapper of this.discovery.getProviders()) {
      if (!(wrapper.instance instanceof JobProcessor)) continue;
      wrapper.instance.afterJob = (job, result) => {
        if (job.name === 'reward.credit' && typeof result === 'number' && result > 0 && Math.random() < p)
          process.kill(process.pid, 'SIGKILL');
      };
    }
  }
}
