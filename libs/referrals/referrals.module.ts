import { Module } from '@nestjs/common';
import { CampaignsModule } from '#libs/campaigns/index.js';
import { RewardsModule } from '#libs/rewards/index.js';
import { ReferralsService, ReviewService } from './referrals.service.js';

@Module({
  imports: [CampaignsModule, RewardsModule],
  providers: [ReferralsService, ReviewService],
  exports: [ReferralsService, ReviewService],
})
export class ReferralsModule {}
