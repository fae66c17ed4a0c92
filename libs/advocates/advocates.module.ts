import { Module } from '@nestjs/common';
import { CampaignsModule } from '#libs/campaigns/index.js';
import { CustomersModule } from '#libs/customers/index.js';
import { MomentsModule } from '#libs/moments/index.js';
import { AdvocateRepository } from './advocate.repository.js';
import { AdvocatesService } from './advocates.service.js';
import { EnrolmentService } from './enrolment.service.js';

@Module({
  imports: [CampaignsModule, CustomersModule, MomentsModule],
  providers: [AdvocateRepository, AdvocatesService, EnrolmentService],
  exports: [AdvocateRepository, AdvocatesService, EnrolmentService],
})
export class AdvocatesModule {}
