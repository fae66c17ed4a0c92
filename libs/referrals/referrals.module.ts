import { Module } from '@nestjs/common';
import { CampaignsModule } from '#libs/campaigns/index.js';
import { CustomersModule } from '#libs/customers/index.js';
import { ClicksModule } from '#libs/links/index.js';
import { AttributionRepository } from './attribution.repository.js';
import { AttributionService } from './attribution.service.js';
import { EffectsRepository } from './effects.repository.js';
import { EventEffectsService } from './event-effects.service.js';
import { ReferralRepository } from './referral.repository.js';
import { ReferralsService } from './referrals.service.js';
import { RefundsService } from './refunds.service.js';
import { ReviewService } from './review.service.js';
import { RiskService } from './risk.service.js';

@Module({
  imports: [CampaignsModule, CustomersModule, ClicksModule],
  providers: [
    ReferralRepository,
    ReferralsService,
    ReviewService,
    RiskService,
    RefundsService,
    AttributionRepository,
    AttributionService,
    EffectsRepository,
    EventEffectsService,
  ],
  exports: [ReferralRepository, ReferralsService, ReviewService, AttributionService, EventEffectsService, EffectsRepository],
})
export class ReferralsModule {}
