import { Module } from '@nestjs/common';
import { CampaignsModule } from '#libs/campaigns/index.js';
import { RewardsModule } from '#libs/rewards/index.js';
import { ReferralsService, ReviewService } from './referrals.service.js';
import { RiskService } from './risk.service.js';
import { EventEffectsService } from './event-effects.service.js';

@Module({
  imports: [CampaignsModule, RewardsModule],
  providers: [ReferralsService, ReviewService, RiskService, EventEffectsService],
  exports: [ReferralsService, ReviewService, EventEffectsService],
})
export class ReferralsModule {}
