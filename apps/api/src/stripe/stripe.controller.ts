import { Controller, Headers, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { StripeWebhooksService } from '#libs/stripe/index.js';
import { Public } from '../common/auth.js';

/** Stripe-signed events, verified against the raw body with the tenant's signing secret. */
@Public()
@Controller('webhooks/stripe')
export class StripeController {
  constructor(private readonly stripe: StripeWebhooksService) {}

  @Post(':tenantId')
  @HttpCode(200)
  receive(
    @Param('tenantId') tenantId: string,
    @Headers('stripe-signature') signature: string | undefined,
    @Req() req: FastifyRequest & { rawBody?: Buffer },
  ) {
    return this.stripe.receive(tenantId, req.rawBody, signature);
  }
}
