import { Logger } from '@nestjs/common';
import { Processor } from '@nestjs/bullmq';
import { EnrolmentService } from '#libs/advocates/index.js';
import { HandlesJob, JobProcessor, type JobMap } from '#libs/queue/index.js';

@Processor('campaigns')
export class CampaignsProcessor extends JobProcessor {
  private readonly logger = new Logger(CampaignsProcessor.name);

  constructor(private readonly enrolment: EnrolmentService) {
    super();
  }

  /** Enrols the customers who were already eligible when the campaign became active. */
  @HandlesJob('campaign.activated')
  async activated({ tenantId, campaignId }: JobMap['campaign.activated']): Promise<{ enrolled: number }> {
    const enrolled = await this.enrolment.onCampaignActivated(tenantId, campaignId);
    this.logger.log(`campaign ${campaignId} of tenant ${tenantId} is active; ${enrolled} advocates enrolled`);
    return { enrolled };
  }
}
