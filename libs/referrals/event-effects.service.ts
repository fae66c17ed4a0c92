import { Injectable, Logger } from '@nestjs/common';
import { Db } from '#libs/database/index.js';
import { ClickRepository, SharesService, type LateClick } from '#libs/links/index.js';
import { QueueProducer } from '#libs/queue/index.js';
import { isUuid } from '#libs/common/index.js';
import { AttributionService } from './attribution.service.js';
import { EffectsRepository, type EffectfulEvent } from './effects.repository.js';
import { RefundsService } from './refunds.service.js';
import { ReferralsService } from './referrals.service.js';
import type { Referral } from './referral.js';

export interface Applied {
  applied: number;
  /** Signups and purchases waiting for the click flush. */
  waiting: number;
}

/**
 * Applies what signup, purchase, refund and share events mean, each exactly once: attribution per
 * customer (all their events, in the order they happened), refunds per order, shares per customer.
 * The effect and its `event_effects` row commit together, so replays, retries and the sweeper
 * change nothing twice; referrals whose rewards must follow get their job after the commit.
 */
@Injectable()
export class EventEffectsService {
  private readonly logger = new Logger(EventEffectsService.name);

  constructor(
    private readonly db: Db,
    private readonly effects: EffectsRepository,
    private readonly attribution: AttributionService,
    private readonly refunds: RefundsService,
    private readonly referrals: ReferralsService,
    private readonly shares: SharesService,
    private readonly clicks: ClickRepository,
    private readonly queue: QueueProducer,
  ) {}

  async apply(tenantId: string, senderIds: readonly string[]): Promise<Applied> {
    const events = await this.effects.unapplied(tenantId, senderIds);
    const customers = new Set(events.filter((e) => e.type === 'signup' || e.type === 'purchase').map((e) => e.customerId));
    const result = await this.attribute(tenantId, [...customers]);
    for (const e of events) {
      if (e.type === 'refund' && (await this.refund(tenantId, e))) result.applied++;
      if (e.type === 'share' && (await this.share(tenantId, e))) result.applied++;
    }
    return result;
  }

  /** Derives the customers' referrals again from all their events (a late click, or their events arrived). */
  async attribute(tenantId: string, customerIds: readonly string[]): Promise<Applied> {
    const result = { applied: 0, waiting: 0 };
    for (const customerId of customerIds) {
      const evaluation = await this.attribution.evaluate(tenantId, customerId);
      result.applied += evaluation.applied;
      result.waiting += evaluation.waiting;
      await this.referrals.syncRewards(evaluation.changed);
    }
    return result;
  }

  private async refund(tenantId: string, e: EffectfulEvent): Promise<boolean> {
    let changed: Referral | undefined;
    const claimed = await this.db.transaction(async (tx) => {
      if (!(await this.effects.claim(tx, tenantId, e.uuid, 'refund'))) return false;
      if (!e.orderId) return true;
      changed = await this.refunds.applyIn(tx, tenantId, {
        eventId: e.eventId,
        orderId: e.orderId,
        amount: e.amount,
        cumulative: e.properties?.cumulativeRefund === true,
        occurredAt: e.occurredAt,
      });
      return true;
    });
    if (changed) await this.referrals.syncRewards([changed]);
    return claimed;
  }

  /** A `share` event: a share by each of the customer's advocates, or only the one of `properties.campaignId`. */
  private share(tenantId: string, e: EffectfulEvent): Promise<boolean> {
    const campaignId = typeof e.properties?.campaignId === 'string' && isUuid(e.properties.campaignId) ? e.properties.campaignId : null;
    return this.db.transaction(async (tx) => {
      if (!(await this.effects.claim(tx, tenantId, e.uuid, 'share'))) return false;
      const n = await this.shares.recordForCustomer(tx, tenantId, e.customerId, campaignId, e.channel ?? 'other', e.occurredAt, 'event');
      await this.effects.setOutcome(tx, e.uuid, `shares ${n}`);
      return true;
    });
  }

  /** The click flush raised its watermark: the signups and purchases it reached can be applied now. */
  async watermarkRaised(from: Date | null, to: Date): Promise<number> {
    const batches = await this.effects.reached(from, to);
    for (const b of batches) await this.queue.enqueue('events.apply', b);
    return batches.reduce((n, b) => n + b.eventIds.length, 0);
  }

  /** Clicks stored after the watermark had passed them: the customers they concern are attributed again. */
  async lateClicks(clicks: readonly LateClick[]): Promise<number> {
    const byTenant = new Map<string, LateClick[]>();
    for (const c of clicks) byTenant.set(c.tenantId, [...(byTenant.get(c.tenantId) ?? []), c]);
    let customers = 0;
    for (const [tenantId, late] of byTenant) {
      const since = new Date(Math.min(...late.map((c) => c.at.getTime())));
      const ids = await this.effects.customersOfVisitors(tenantId, [...new Set(late.map((c) => c.visitorId))], since);
      for (let i = 0; i < ids.length; i += 500)
        await this.queue.enqueue('attribution.evaluate', { tenantId, customerIds: ids.slice(i, i + 500) });
      customers += ids.length;
    }
    if (customers > 0) this.logger.warn(`${clicks.length} clicks arrived behind the watermark; attributing ${customers} customers again`);
    return customers;
  }

  async requeueLost(): Promise<number> {
    const batches = await this.effects.lost(10_000, await this.clicks.watermark());
    for (const b of batches) await this.queue.enqueue('events.apply', b);
    if (batches.length) this.logger.log(`re-queued ${batches.reduce((n, b) => n + b.eventIds.length, 0)} unapplied events`);
    return batches.length;
  }
}
