import { Injectable, Logger } from '@nestjs/common';
import { Db } from '#libs/database/index.js';
import { QueueProducer } from '#libs/queue/index.js';
import { ReferralsService } from './referrals.service.js';

interface EffectfulEvent {
  uuid: string;
  event_id: string;
  type: 'signup' | 'purchase' | 'refund' | 'share';
  customer_id: string;
  occurred_at: Date;
  email: string | null;
  email_normalized: string | null;
  visitor_id: string | null;
  referral_code: string | null;
  coupon_code: string | null;
  order_id: string | null;
  amount: string | null;
  currency: string | null;
  channel: string | null;
  properties: Record<string, unknown>;
}

/**
 * Applies what signup, purchase, refund and share events mean, each exactly once: the effect and
 * an `event_effects` row commit together, so replays, retries and the sweeper change nothing twice.
 */
@Injectable()
export class EventEffectsService {
  private readonly logger = new Logger(EventEffectsService.name);

  constructor(
    private readonly db: Db,
    private readonly referrals: ReferralsService,
    private readonly queue: QueueProducer,
  ) {}

  async apply(tenantId: string, senderIds: readonly string[]): Promise<number> {
    const events = await this.db.query<EffectfulEvent>(
      `SELECT e.id AS uuid, e.event_id, e.type, e.customer_id, e.occurred_at, coalesce(e.email, c.email) AS email, c.email_normalized,
              e.visitor_id, e.referral_code, e.coupon_code, e.order_id, e.amount, e.currency, e.channel, e.properties
       FROM events e JOIN customers c ON c.id = e.customer_id
       WHERE e.tenant_id = $1 AND e.event_id = ANY($2::text[]) AND e.type IN ('signup', 'purchase', 'refund', 'share')
         AND NOT EXISTS (SELECT 1 FROM event_effects x WHERE x.event_uuid = e.id)
       ORDER BY e.occurred_at, e.event_id`,
      [tenantId, senderIds],
    );
    let applied = 0;
    for (const e of events) if (await this.applyOne(tenantId, e)) applied++;
    return applied;
  }

  private async applyOne(tenantId: string, e: EffectfulEvent): Promise<boolean> {
    const result = await this.db.transaction(async (tx) => {
      const [claimed] = await tx.query(
        `INSERT INTO event_effects (event_uuid, tenant_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_uuid`,
        [e.uuid, tenantId],
      );
      if (!claimed) return undefined;
      let outcome = 'none';
      let credit: string | undefined;
      if (e.type === 'signup' || e.type === 'purchase') {
        const card = e.properties?.cardFingerprint;
        const attributed = await this.referrals.attributeIn(tx, {
          tenantId,
          eventId: e.event_id,
          type: e.type,
          customerId: e.customer_id,
          email: e.email,
          emailNormalized: e.email_normalized,
          occurredAt: e.occurred_at,
          visitorId: e.visitor_id,
          referralCode: e.referral_code,
          couponCode: e.coupon_code,
          orderId: e.order_id,
          amount: e.amount === null ? null : Number(e.amount),
          currency: e.currency,
          cardFingerprint: typeof card === 'string' && card ? card : null,
        });
        if (attributed) outcome = `referral ${attributed.referral.id} ${attributed.referral.status}`;
        if (attributed?.converted) credit = attributed.referral.id;
      } else if (e.type === 'refund' && e.order_id) {
        await this.referrals.refundIn(tx, {
          tenantId,
          eventId: e.event_id,
          orderId: e.order_id,
          amount: e.amount === null ? null : Number(e.amount),
          cumulative: e.properties?.cumulativeRefund === true,
          occurredAt: e.occurred_at,
        });
        outcome = 'refund';
      } else if (e.type === 'share') {
        outcome = `shares ${await this.referrals.recordShareEvent(tx, tenantId, e.customer_id, e.channel, e.occurred_at, e.properties)}`;
      }
      await tx.query(`UPDATE event_effects SET outcome = $2 WHERE event_uuid = $1`, [e.uuid, outcome]);
      return { credit };
    });
    if (result?.credit) await this.referrals.enqueueCredit(tenantId, result.credit);
    return result !== undefined;
  }

  /** Events whose effect was never applied (their job was lost), for the sweeper. */
  async unapplied(olderThanMs: number, limit = 2000): Promise<{ tenantId: string; eventIds: string[] }[]> {
    const rows = await this.db.query<{ tenant_id: string; ids: string[] }>(
      `SELECT tenant_id, array_agg(event_id) AS ids FROM (
         SELECT e.tenant_id, e.event_id FROM events e
         WHERE e.type IN ('signup', 'purchase', 'refund', 'share') AND e.received_at < now() - make_interval(secs => $1::float8 / 1000)
           AND NOT EXISTS (SELECT 1 FROM event_effects x WHERE x.event_uuid = e.id)
         ORDER BY e.received_at LIMIT $2) t
       GROUP BY tenant_id`,
      [olderThanMs, limit],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, eventIds: r.ids }));
  }

  async requeueUnapplied(): Promise<number> {
    const batches = await this.unapplied(10_000);
    for (const b of batches) await this.queue.enqueue('events.apply', b);
    if (batches.length) this.logger.log(`re-queued ${batches.reduce((n, b) => n + b.eventIds.length, 0)} unapplied events`);
    return batches.length;
  }
}
