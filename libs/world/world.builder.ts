import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Db } from '#libs/database/index.js';
import { CampaignsService, type Campaign, type CampaignInput, type CampaignStatus } from '#libs/campaigns/index.js';
import { CustomersService } from '#libs/customers/index.js';
import { AdvocatesService, EnrolmentService, type Advocate } from '#libs/advocates/index.js';
import { CLICK_STREAM_NAME, ClickRepository, SharesService, type Click } from '#libs/links/index.js';
import { MomentsService, type IngestResult } from '#libs/moments/index.js';
import { OutboxWriter, type OutboxEventMap, type OutboxEventType } from '#libs/outbox/index.js';
import { EffectsRepository, EventEffectsService, ReferralsService, type Referral } from '#libs/referrals/index.js';
import { RewardsService } from '#libs/rewards/index.js';
import { TenantsService } from '#libs/tenants/index.js';
import { HistoryImport, type WorldHistory } from './history-import.js';

/** A campaign a test or a demo can start from: active, 10% for the advocate, nothing for the friend. */
export const WORLD_CAMPAIGN: CampaignInput = {
  name: 'World campaign',
  destinationUrl: 'https://shop.example.com',
  message: { headline: 'Give 10, get 10', body: 'I love this shop' },
  advocateReward: { kind: 'PERCENT', percentBps: 1000, currency: 'USD' },
};

export interface AdvocateOptions {
  /** The brand's id of the advocate's customer (a new one by default). */
  externalId?: string;
  code?: string;
  name?: string;
  email?: string;
}

export interface Purchase {
  amount: number;
  currency?: string;
  orderId?: string;
  /** The friend's external id (a new one by default). */
  friend?: string;
  occurredAt?: Date;
}

/**
 * The one way to build a world of data: tenants, campaigns, customers, advocates, clicks, events
 * and conversions, each through the service that owns it (validation, outbox events, ledger
 * postings and all). The demo, the integration suites and the benchmarks use it, so none of them
 * can drift from what the product does. `settle` applies what the worker would, in process.
 */
@Injectable()
export class WorldBuilder {
  constructor(
    private readonly db: Db,
    private readonly tenants: TenantsService,
    private readonly campaigns: CampaignsService,
    private readonly customers: CustomersService,
    private readonly advocates: AdvocatesService,
    private readonly enrolment: EnrolmentService,
    private readonly moments: MomentsService,
    private readonly clicks: ClickRepository,
    private readonly shares: SharesService,
    private readonly effects: EventEffectsService,
    private readonly effectRows: EffectsRepository,
    private readonly referrals: ReferralsService,
    private readonly rewards: RewardsService,
    private readonly outbox: OutboxWriter,
    private readonly history: HistoryImport,
  ) {}

  tenant(name = 'World tenant'): Promise<{ tenantId: string; apiKey: string }> {
    return this.tenants.createTenant(name);
  }

  /** A campaign (ACTIVE unless told otherwise), from WORLD_CAMPAIGN with `input` over it. */
  async campaign(tenantId: string, input: CampaignInput = {}, status: CampaignStatus = 'ACTIVE'): Promise<Campaign> {
    const slug = `world-${randomUUID().slice(0, 8)}`;
    const draft = await this.campaigns.create(tenantId, { ...WORLD_CAMPAIGN, slug, ...input });
    if (status === 'DRAFT') return draft;
    let campaign = await this.campaigns.setStatus(tenantId, draft.id, 'ACTIVE');
    if (status !== 'ACTIVE') campaign = await this.campaigns.setStatus(tenantId, draft.id, status);
    return campaign;
  }

  /** A customer known by the brand's id (as an `identify` would make it); returns the internal id. */
  async customer(
    tenantId: string,
    externalId = `customer-${randomUUID()}`,
    profile: { email?: string; name?: string } = {},
  ): Promise<string> {
    await this.moments.ingest(
      tenantId,
      { events: [], feedback: [], profiles: [{ customerId: externalId, email: profile.email ?? null, name: profile.name ?? null }] },
      'api',
    );
    return (await this.customers.getByExternalId(tenantId, externalId)).id;
  }

  /** An advocate enrolled by hand (a new customer unless one is named). */
  async advocate(tenantId: string, campaignId: string, options: AdvocateOptions = {}): Promise<Advocate> {
    const customer = options.externalId ?? `advocate-${randomUUID()}`;
    await this.customer(tenantId, customer, { email: options.email ?? `${customer}@example.com`, name: options.name });
    return this.advocates.enrollManually(tenantId, campaignId, customer, options.code);
  }

  /** An outbound event, as a domain writes it with its change (webhook delivery tests). */
  announce<K extends OutboxEventType>(tenantId: string, type: K, data: OutboxEventMap[K]): Promise<string> {
    return this.db.transaction((tx) => this.outbox.add(tx, tenantId, type, data));
  }

  /** Loads a history of the past for a campaign (see WorldHistory). */
  importHistory(tenantId: string, campaignId: string, h: WorldHistory): Promise<void> {
    return this.history.load(tenantId, campaignId, h);
  }

  /** Events as the brand's server sends them (`POST /v1/events` bodies), validated the same way. */
  events(tenantId: string, events: readonly Record<string, unknown>[]): Promise<IngestResult> {
    return this.moments.recordEvents(tenantId, events.length === 1 ? events[0] : { batch: events }, 'api');
  }

  feedback(tenantId: string, answer: Record<string, unknown>): Promise<IngestResult> {
    return this.moments.recordFeedback(tenantId, answer, 'api');
  }

  /** A share from the advocate's share page at a time of the past. */
  share(tenantId: string, advocateId: string, channel: string, at: Date): Promise<void> {
    return this.shares.record(undefined, tenantId, advocateId, channel, at, 'page');
  }

  /** Clicks of the past, stored with the click repository's bulk insert (the redirect cannot click yesterday). */
  async pastClicks(clicks: readonly Click[]): Promise<number> {
    return this.clicks.insertMany([...clicks]);
  }

  /**
   * Declares every click up to `at` stored (the builder wrote history up to then): signups and
   * purchases with a visitor id up to that time can be attributed.
   */
  async clicksStoredUntil(at: Date): Promise<void> {
    await this.clicks.raiseWatermark(CLICK_STREAM_NAME, at);
  }

  /** Scores the customer's delight and enrols them where eligible, as the worker does after a moment. */
  async score(tenantId: string, customerId: string): Promise<Advocate[]> {
    return (await this.enrolment.onMoment(tenantId, customerId))?.enrolled ?? [];
  }

  /**
   * Applies what the worker would: every effect of the tenant's events not applied yet, then
   * (unless `rewards` is false) the rewards of every referral that must follow a change.
   */
  async settle(tenantId: string, { rewards = true } = {}): Promise<void> {
    for (let round = 0; round < 10; round++) {
      const pending = await this.effectRows.unappliedIds(tenantId);
      if (pending.length > 0) await this.effects.apply(tenantId, pending);
      const unsynced = rewards ? await this.referrals.unsyncedOf(tenantId) : [];
      for (const r of unsynced) await this.rewards.sync(tenantId, r.referralId);
      if (pending.length === 0 && unsynced.length === 0) return;
    }
  }

  /**
   * A purchase by a friend naming the advocate's code, applied (and credited, unless `credit` is
   * false): the converted referral.
   */
  async conversion(tenantId: string, advocate: Pick<Advocate, 'code'>, p: Purchase, { credit = true } = {}): Promise<Referral> {
    const friend = p.friend ?? `friend-${randomUUID()}`;
    await this.events(tenantId, [
      {
        id: `purchase-${randomUUID()}`,
        type: 'purchase',
        customerId: friend,
        email: `${friend}@example.com`,
        referralCode: advocate.code,
        orderId: p.orderId ?? `order-${randomUUID()}`,
        amount: p.amount,
        currency: p.currency ?? 'USD',
        ...(p.occurredAt ? { occurredAt: p.occurredAt.toISOString() } : {}),
      },
    ]);
    const customerId = (await this.customers.getByExternalId(tenantId, friend)).id;
    await this.settle(tenantId, { rewards: credit });
    const referral = (await this.referrals.ofCustomer(tenantId, customerId))[0];
    if (!referral) throw new Error(`the purchase of ${friend} made no referral`);
    return referral;
  }

  /** A refund of the referral's order (all of it, or `amount`), sent as the brand would and applied. */
  async refund(referral: Referral, amount?: number, { credit = true } = {}): Promise<void> {
    const [friend] = await this.customers.getMany(referral.tenantId, [referral.referredCustomerId]);
    await this.events(referral.tenantId, [
      {
        id: `refund-${randomUUID()}`,
        type: 'refund',
        customerId: friend!.externalId,
        orderId: referral.orderId,
        ...(amount === undefined ? {} : { amount, currency: referral.currency }),
      },
    ]);
    await this.settle(referral.tenantId, { rewards: credit });
  }
}
