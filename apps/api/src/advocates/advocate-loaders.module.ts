import { Module } from '@nestjs/common';
import { AdvocatesModule } from '#libs/advocates/index.js';
import { CampaignsModule } from '#libs/campaigns/index.js';
import { CustomersModule } from '#libs/customers/index.js';
import { RewardsModule } from '#libs/rewards/index.js';
import { ReferralsModule } from '#libs/referrals/index.js';
import { AdvocateLoaders } from './advocate.loaders.js';

@Module({
  imports: [AdvocatesModule, CampaignsModule, CustomersModule, RewardsModule, ReferralsModule],
  providers: [AdvocateLoaders],
  exports: [AdvocateLoaders],
})
export class AdvocateLoadersModule {}
