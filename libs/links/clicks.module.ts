import { Module } from '@nestjs/common';
import { AdvocateProgressService } from './advocate-progress.service.js';
import { ClickFlusher } from './click-flusher.js';
import { ClickRepository } from './click.repository.js';
import { ShareRepository } from './share.repository.js';
import { SharesService } from './shares.service.js';

/** Stored clicks and shares: what both the API and the worker need. */
@Module({
  providers: [ClickRepository, ClickFlusher, ShareRepository, SharesService, AdvocateProgressService],
  exports: [ClickRepository, ClickFlusher, SharesService, AdvocateProgressService],
})
export class ClicksModule {}
