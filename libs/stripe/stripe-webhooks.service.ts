import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { DomainError, ValidationError, open, seal } from '#libs/common/index.js';
import { MomentsService } from '#libs/moments/index.js';
import { TenantsService } from '#libs/tenants/index.js';
import { mapStripeEvent, signatureTimestamp, type StripeEvent } from './stripe-mapping.js';

const TOLERANCE_S = 300;
const PURPOSE = 'stripe-webhook-secret';

/** Why a Stripe delivery was refused: always a 400, nothing applied. */
export class StripeSignatureError extends DomainError {
  constructor(message: string) {
    super('BAD_USER_INPUT', message);
  }
}

@Injectable()
export class StripeWebhooksService {
  // Only the webhook helpers are used: no API key, no network.
  private readonly stripe = new Stripe('sk_unused', { telemetry: false });

  constructor(
    private readonly tenants: TenantsService,
    private readonly moments: MomentsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async setSecret(tenantId: string, secret: string): Promise<void> {
    if (!/^whsec_[A-Za-z0-9+/=_-]{8,}$/.test(secret)) {
      throw new ValidationError([{ field: 'secret', message: 'must be a Stripe webhook signing secret (whsec_…)' }]);
    }
    await this.tenants.setStripeSecretSealed(tenantId, seal(this.config.secretKey, PURPOSE, secret));
  }

  /** Verifies the signature and timestamp, then records the mapped event (deduplicated by Stripe's id). */
  async receive(tenantId: string, rawBody: Buffer | undefined, signature: string | undefined) {
    if (!rawBody || !signature) throw new StripeSignatureError('A raw body and a Stripe-Signature header are required');
    const secret = await this.secret(tenantId);
    if (!secret) throw new StripeSignatureError('Stripe webhooks are not set up for this tenant');
    const t = signatureTimestamp(signature);
    const now = Math.floor(Date.now() / 1000);
    if (t === undefined) throw new StripeSignatureError('The Stripe-Signature header must carry exactly one timestamp (t=)');
    if (Math.abs(now - t) > TOLERANCE_S) throw new StripeSignatureError('The Stripe-Signature timestamp is more than 5 minutes from now');
    let event: StripeEvent;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, signature, secret, TOLERANCE_S) as unknown as StripeEvent;
    } catch {
      throw new StripeSignatureError('The Stripe-Signature does not match the body');
    }
    const order = event.type === 'charge.refunded' ? String((event.data.object as { payment_intent?: unknown }).payment_intent ?? '') : '';
    const customerOfOrder = order ? await this.moments.customerOfOrder(tenantId, order) : undefined;
    const mapped = mapStripeEvent(event, customerOfOrder);
    if (mapped.kind === 'ignored') return { received: true, ignored: mapped.why };
    const result = await this.moments.recordEvents(tenantId, mapped.event, 'stripe');
    return { received: true, ...result };
  }

  private async secret(tenantId: string): Promise<string | undefined> {
    const sealed = await this.tenants.stripeSecretSealed(tenantId);
    return sealed ? open(this.config.secretKeys, PURPOSE, sealed) : undefined;
  }
}
