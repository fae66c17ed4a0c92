import { Module } from '@nestjs/common';
import { AdvocateProgressService } from './advocate-progress.service.js';
import { ClickFlusher } from './click-flusher.js';
import { IpHasher } from './ip-hasher.js';
import { RewardsModule } from '#libs/rewards/index.js';
import { ClickRepository } from './click.repository.js';
import { ShareRepository } from './share.repository.js';
import { SharesService } from './shares.service.js';

/** Stored clicks and shares: what both the API and the worker need. */
@Module({
  imports: [RewardsModule],
  providers: [ClickRepository, ClickFlusher, ShareRepository, SharesService, AdvocateProgressService, IpHasher],
  exports: [ClickRepository, ClickFlusher, SharesService, AdvocateProgressService, IpHasher],
})
export class ClicksModule {}
