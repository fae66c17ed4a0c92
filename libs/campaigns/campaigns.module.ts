import { Module } from '@nestjs/common';
import { CampaignRepository } from './campaign.repository.js';
import { CampaignsService } from './campaigns.service.js';

@Module({
  providers: [CampaignRepository, CampaignsService],
  exports: [CampaignsService, CampaignRepository],
})
export class CampaignsModule {}
