import { Module } from '@nestjs/common';
import { MomentsModule } from '#libs/moments/index.js';
import { TenantsModule } from '#libs/tenants/index.js';
import { StripeWebhooksService } from './stripe-webhooks.service.js';

@Module({ imports: [MomentsModule, TenantsModule], providers: [StripeWebhooksService], exports: [StripeWebhooksService] })
export class StripeModule {}
