import { Module } from '@nestjs/common';
import { CampaignsModule } from '#libs/campaigns/index.js';
import { ClicksModule } from '#libs/links/index.js';
import { ReferralsModule } from '#libs/referrals/index.js';
import { RewardsModule } from '#libs/rewards/index.js';
import { AdvocateProgressService } from './advocate-progress.service.js';
import { PortalRepository } from './portal.repository.js';
import { SharePageService } from './share-page.service.js';

/** The advocate's share page: their links, what they have brought and earned, their share buttons. */
@Module({
  imports: [CampaignsModule, ClicksModule, ReferralsModule, RewardsModule],
  providers: [PortalRepository, SharePageService, AdvocateProgressService],
  exports: [SharePageService],
})
export class PortalModule {}
