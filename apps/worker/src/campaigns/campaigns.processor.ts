import { Logger } from '@nestjs/common';
import { Processor } from '@nestjs/bullmq';
import { HandlesJob, JobProcessor, type JobMap } from '#libs/queue/index.js';

@Processor('campaigns')
export class CampaignsProcessor extends JobProcessor {
  private readonly logger = new Logger(CampaignsProcessor.name);

  @HandlesJob('campaign.activated')
  async activated({ tenantId, campaignId }: JobMap['campaign.activated']): Promise<void> {
    this.logger.log(`campaign ${campaignId} of tenant ${tenantId} is active`);
  }
}
