import { Module } from '@nestjs/common';
import { MomentsModule } from '#libs/moments/index.js';
import { StripeWebhooksService } from './stripe-webhooks.service.js';

@Module({ imports: [MomentsModule], providers: [StripeWebhooksService], exports: [StripeWebhooksService] })
export class StripeModule {}
