import { Module } from '@nestjs/common';
import { ClickFlusher } from './click-flusher.js';
import { IpHasher } from './ip-hasher.js';
import { ClickRepository } from './click.repository.js';
import { ShareRepository } from './share.repository.js';
import { SharesService } from './shares.service.js';

/** Stored clicks and shares: what both the API and the worker need. */
@Module({
  providers: [ClickRepository, ClickFlusher, ShareRepository, SharesService, IpHasher],
  exports: [ClickRepository, ClickFlusher, SharesService, IpHasher],
})
export class ClicksModule {}
