import { Module } from '@nestjs/common';
import { CampaignsModule } from '#libs/campaigns/index.js';
import { ClickBuffer } from './click-buffer.js';
import { ClicksModule } from './clicks.module.js';
import { LinkRepository } from './link.repository.js';
import { LinkResolver } from './link-resolver.js';
import { RedirectService } from './redirect.service.js';

/** The API side of links: code resolution, the redirect and its click buffer. */
@Module({
  imports: [CampaignsModule, ClicksModule],
  providers: [LinkRepository, LinkResolver, ClickBuffer, RedirectService],
  exports: [RedirectService, ClickBuffer, LinkResolver, ClicksModule],
})
export class LinksModule {}
