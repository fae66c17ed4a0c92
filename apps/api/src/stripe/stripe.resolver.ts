import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { StripeWebhooksService } from '#libs/stripe/index.js';
import { TenantId } from '../common/auth.js';
import { Audited } from '../audit/audited.js';

@Resolver()
export class StripeResolver {
  constructor(private readonly stripe: StripeWebhooksService) {}

  @Mutation(() => Boolean, {
    description: 'Sets the signing secret (whsec_…) of the Stripe endpoint POST /webhooks/stripe/<tenantId>; stored sealed.',
  })
  @Audited('STRIPE_SECRET_SET', () => ({ type: 'tenant' }))
  async setStripeWebhookSecret(@TenantId() tenantId: string, @Args('secret') secret: string): Promise<boolean> {
    await this.stripe.setSecret(tenantId, secret);
    return true;
  }
}
