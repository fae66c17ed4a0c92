import { Module } from '@nestjs/common';
import { AdvocatesModule } from '#libs/advocates/index.js';
import { CampaignsModule } from '#libs/campaigns/index.js';
import { ReferralsModule } from '#libs/referrals/index.js';
import { RewardRepository } from './reward.repository.js';
import { RewardsService } from './rewards.service.js';

@Module({
  imports: [CampaignsModule, AdvocatesModule, ReferralsModule],
  providers: [RewardRepository, RewardsService],
  exports: [RewardsService, RewardRepository],
})
export class RewardsModule {}
