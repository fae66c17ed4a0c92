import { Module } from '@nestjs/common';
import { CampaignsModule } from '#libs/campaigns/index.js';
import { RewardsService } from './rewards.service.js';

@Module({ imports: [CampaignsModule], providers: [RewardsService], exports: [RewardsService] })
export class RewardsModule {}
