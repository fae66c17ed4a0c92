import { Injectable } from '@nestjs/common';
import { Db, type Sql } from '#libs/database/index.js';
import { CampaignRepository, type Campaign } from '#libs/campaigns/index.js';
import { CustomerRepository } from '#libs/customers/index.js';
import type { RiskAssessment } from '#libs/fraud/index.js';
import { ClickRepository } from '#libs/links/index.js';
import { OutboxWriter } from '#libs/outbox/index.js';
import { deriveReferrals, type AdvocateHit, type Assessor, type ConversionEvent, type DerivedReferral } from './attribution.js';
import { AttributionRepository, type StoredConversionEvent } from './attribution.repository.js';
import { ReferralRepository, type ReferralChange } from './referral.repository.js';
import { isDecided, type ReferralStatus } from './referral-lifecycle.js';
import { isFullyRefunded, refundedTotal } from './refunds.js';
import { RiskService } from './risk.service.js';
import type { Referral } from './referral.js';
import { referralEvent } from './referral-events.js';
import { EffectsRepository } from './effects.repository.js';

export interface Evaluation {
  /** Referrals whose rewards must follow a change. */
  changed: Referral[];
  /** Events applied now for the first time. */
  applied: number;
  /** Events that wait for the click flush (their clicks may not all be stored yet). */
  waiting: number;
}

const SUPERSEDED = "SUPERSEDED: the customer's events now point to another advocate";

/**
 * Attribution for one customer at a time: their signups and purchases are folded in the order they
 * happened (`deriveReferrals`) and the stored referrals brought in line, under the customer's lock.
 * Whatever order events arrive in, and however late, the referrals end the same; an event with a
 * visitor id waits until the click flush has stored every click up to its time.
 */
@Injectable()
export class AttributionService {
  constructor(
    private readonly db: Db,
    private readonly events: AttributionRepository,
    private readonly referrals: ReferralRepository,
    private readonly effects: EffectsRepository,
    private readonly campaigns: CampaignRepository,
    private readonly customers: CustomerRepository,
    private readonly clicks: ClickRepository,
    private readonly risk: RiskService,
    private readonly outbox: OutboxWriter,
  ) {}

  evaluate(tenantId: string, customerId: string): Promise<Evaluation> {
    return this.db.transaction((tx) => this.evaluateIn(tx, tenantId, customerId));
  }

  async evaluateIn(tx: Sql, tenantId: string, customerId: string): Promise<Evaluation> {
    if (!(await this.customers.lock(tx, tenantId, customerId))) return { changed: [], applied: 0, waiting: 0 };
    const all = await this.events.conversionEvents(tx, tenantId, customerId);
    const ready = readyPrefix(all, await this.clicks.watermark(tx));
    // An earlier event arrived and waits for the click flush: what is stored was derived from later
    // events too, and stays as it is until the whole history up to them can be read again.
    if (all.slice(ready.length).some((e) => e.applied)) return { changed: [], applied: 0, waiting: all.length - ready.length };
    const stored = new Map((await this.referrals.forCustomer(tx, tenantId, customerId)).map((r) => [r.campaignId, r]));
    const hits = await this.hits(tx, tenantId, ready);
    const campaignIds = new Set([...stored.keys(), ...[...hits.values()].map((h) => h.campaignId)]);
    const campaigns = new Map((await this.campaigns.findByIds(tenantId, [...campaignIds], tx)).map((c) => [c.id, c]));
    const assessed = new Map<string, Record<string, RiskAssessment>>();
    const derived = await deriveReferrals({
      events: ready,
      hitOf: (e) => hits.get(e.eventId),
      isActive: (id) => campaigns.get(id)?.status === 'ACTIVE',
      assess: this.assessor(tx, tenantId, customerId, campaigns, stored, assessed),
    });
    const changed: Referral[] = [];
    for (const campaignId of new Set([...stored.keys(), ...derived.keys()])) {
      const campaign = campaigns.get(campaignId);
      const next = await this.reconcile(
        tx,
        tenantId,
        customerId,
        stored.get(campaignId),
        derived.get(campaignId),
        campaign,
        assessed.get(campaignId),
      );
      if (next) changed.push(next);
    }
    await this.rememberReferrer(tx, tenantId, customerId, derived);
    const fresh = ready.filter((e) => !e.applied).map((e) => e.eventId);
    await this.effects.markApplied(tx, tenantId, fresh, outcomeOf(derived));
    return { changed, applied: fresh.length, waiting: all.length - ready.length };
  }

  /** Each event's advocate: its referral code, then its coupon code, then the visitor's clicks. */
  private async hits(tx: Sql, tenantId: string, events: readonly ConversionEvent[]): Promise<Map<string, AdvocateHit>> {
    const codes = events.flatMap((e) => [e.referralCode, e.couponCode]).filter((c): c is string => c !== null);
    const byCode = await this.events.advocatesByCode(tx, tenantId, codes);
    const hits = new Map<string, AdvocateHit>();
    for (const e of events) {
      const referral = e.referralCode ? byCode.get(e.referralCode.toLowerCase()) : undefined;
      const coupon = e.couponCode ? byCode.get(e.couponCode.toLowerCase()) : undefined;
      const hit = referral
        ? { ...referral, attributedBy: 'REFERRAL_CODE' as const, firstClickAt: null }
        : coupon
          ? { ...coupon, attributedBy: 'COUPON_CODE' as const, firstClickAt: null }
          : e.visitorId
            ? await this.events.visitorHit(tx, tenantId, e.visitorId, e.occurredAt)
            : undefined;
      if (hit) hits.set(e.eventId, hit);
    }
    return hits;
  }

  /** Risk judged once per (stage, event, advocate): derived again, a referral meets the same judgement. */
  private assessor(
    tx: Sql,
    tenantId: string,
    customerId: string,
    campaigns: Map<string, Campaign>,
    stored: Map<string, Referral>,
    assessed: Map<string, Record<string, RiskAssessment>>,
  ): Assessor {
    const known = Object.assign({}, ...[...stored.values()].map((r) => r.assessments)) as Record<string, RiskAssessment>;
    return async (e, hit, stage) => {
      const key = `${stage}:${e.eventId}:${hit.advocateId}`;
      const risk = known[key] ?? (await this.risk.assess(tx, tenantId, customerId, e, hit, campaigns.get(hit.campaignId)!));
      known[key] = risk;
      assessed.set(hit.campaignId, { ...assessed.get(hit.campaignId), [key]: risk });
      return risk;
    };
  }

  /** Brings one stored referral in line with what the events say; returns it when its rewards must follow. */
  private async reconcile(
    tx: Sql,
    tenantId: string,
    customerId: string,
    stored: Referral | undefined,
    derived: DerivedReferral | undefined,
    campaign: Campaign | undefined,
    assessed: Record<string, RiskAssessment> = {},
  ): Promise<Referral | undefined> {
    // A marketer's decision, or a campaign no longer running, keeps the referral as it is.
    if (stored && (isDecided(stored) || campaign?.status !== 'ACTIVE')) return undefined;
    if (!derived) {
      if (!stored || stored.status === 'REJECTED') return undefined;
      return this.referrals.update(tx, stored, { status: 'REJECTED', rejectedReason: SUPERSEDED }, 'reattribution');
    }
    const target = await this.target(tx, tenantId, stored, derived, assessed);
    if (!stored) {
      const created = await this.referrals.insert(tx, tenantId, {
        campaignId: derived.campaignId,
        advocateId: derived.hit.advocateId,
        referredCustomerId: customerId,
        status: target.status!,
        attributedBy: derived.hit.attributedBy,
        visitorId: derived.visitorId,
        sourceEventId: derived.sourceEventId,
        rejectedReason: derived.rejectedReason,
        risk: derived.risk,
        assessments: target.assessments!,
        conversion: target.convertingEventId
          ? {
              convertingEventId: target.convertingEventId,
              orderId: target.orderId!,
              amount: target.amount!,
              currency: target.currency!,
              convertedAt: target.convertedAt!,
              cardFingerprint: target.cardFingerprint ?? null,
              refundedAmount: target.refundedAmount ?? 0,
            }
          : null,
      });
      if (created.convertedAt) await this.outbox.add(tx, created.tenantId, 'referral.converted', referralEvent(created));
      return created.convertedAt ? created : undefined;
    }
    const change = differences(stored, target);
    if (Object.keys(change).length === 0) return undefined;
    const forward =
      stored.advocateId === derived.hit.advocateId && stored.sourceEventId === derived.sourceEventId && stored.status === 'LEAD';
    const next = await this.referrals.update(tx, stored, change, forward ? 'attribution' : 'reattribution');
    if (next.convertedAt && change.convertingEventId) await this.outbox.add(tx, next.tenantId, 'referral.converted', referralEvent(next));
    return next.version !== stored.version ? next : undefined;
  }

  /** The fields the stored referral should have; a conversion reads its order's refunds under the order's lock. */
  private async target(
    tx: Sql,
    tenantId: string,
    stored: Referral | undefined,
    d: DerivedReferral,
    assessed: Record<string, RiskAssessment>,
  ): Promise<ReferralChange> {
    let status: ReferralStatus = d.status;
    let refundedAmount = 0;
    const c = d.conversion;
    if (c && d.status === 'CONVERTED') {
      await this.referrals.lockOrder(tx, tenantId, c.orderId);
      refundedAmount = refundedTotal(await this.referrals.refundsOf(tx, tenantId, c.orderId), c.amount);
      if (isFullyRefunded(refundedAmount, c.amount)) status = 'REVERSED';
    }
    const risk = d.risk ?? { score: 0, decision: 'ALLOW' as const, reasons: [] };
    const sameAdvocate = stored?.advocateId === d.hit.advocateId;
    // A decision on the lead does not decide the purchase: one the purchase's own risk sends to review waits for another.
    const reviewAgain = !sameAdvocate || (c !== null && risk.decision === 'REVIEW' && stored?.convertingEventId !== c.eventId);
    return {
      advocateId: d.hit.advocateId,
      attributedBy: d.hit.attributedBy,
      visitorId: d.visitorId,
      sourceEventId: d.sourceEventId,
      status,
      rejectedReason: d.rejectedReason,
      convertingEventId: c?.eventId ?? null,
      orderId: c?.orderId ?? null,
      amount: c?.amount ?? null,
      currency: c?.currency ?? null,
      convertedAt: c && status !== 'REJECTED' ? c.occurredAt : null,
      cardFingerprint: c?.cardFingerprint ?? null,
      refundedAmount,
      riskScore: risk.score,
      riskDecision: risk.decision,
      riskReasons: risk.reasons,
      assessments: { ...stored?.assessments, ...assessed },
      ...(stored?.reviewedAt && reviewAgain ? { reviewedAt: null, reviewedBy: null } : {}),
    };
  }

  /** The referred customer remembers who referred them (one generation further down). */
  private async rememberReferrer(tx: Sql, tenantId: string, customerId: string, derived: Map<string, DerivedReferral>): Promise<void> {
    const first = [...derived.values()].filter((d) => d.status !== 'REJECTED').sort((a, b) => a.seq - b.seq)[0];
    if (first) await this.customers.setReferrer(tx, tenantId, customerId, first.hit.advocateId, first.hit.generation + 1);
  }
}

/** Events up to the first one whose clicks may not all be stored (a visitor id at or past the watermark). */
export function readyPrefix(events: readonly StoredConversionEvent[], watermark: Date | null): StoredConversionEvent[] {
  const waiting = events.findIndex((e) => e.visitorId !== null && (watermark === null || e.occurredAt >= watermark));
  return waiting < 0 ? [...events] : events.slice(0, waiting);
}

function outcomeOf(derived: Map<string, DerivedReferral>): string {
  const parts = [...derived.values()].map((d) => `${d.campaignId}: ${d.status}`);
  return parts.length ? `attribution ${parts.join(', ')}` : 'attribution: no advocate';
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (typeof a === 'object' && a !== null) return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
  return a === b;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => [k, sortKeys(x)]),
  );
}

function differences(stored: Referral, target: ReferralChange): ReferralChange {
  const change: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(target)) if (!same(stored[k as keyof Referral], v)) change[k] = v;
  return change as ReferralChange;
}
