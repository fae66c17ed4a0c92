import { Injectable } from '@nestjs/common';
import { Db, type Sql } from '#libs/database/index.js';
import type { CustomerEvent, CustomerFacts, EventType, FeedbackAnswer, MomentSource } from './moment.js';

@Injectable()
export class MomentsRepository {
  constructor(private readonly db: Db) {}

  /**
   * Inserts events in one statement; an id already stored for the tenant (or twice in the batch)
   * is skipped. Returns the sender ids that were new. Concurrent copies wait on the unique index
   * and then skip, so each id is applied once whichever process wins.
   */
  async insertEvents(
    tx: Sql,
    tenantId: string,
    events: readonly (CustomerEvent & { customerUuid: string })[],
    source: MomentSource,
  ): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const col = <T>(f: (e: CustomerEvent & { customerUuid: string }) => T) => events.map(f);
    const rows = await tx.query<{ event_id: string }>(
      `INSERT INTO events (tenant_id, event_id, type, customer_id, occurred_at, email, name, visitor_id, referral_code,
         coupon_code, order_id, amount, currency, channel, properties, source)
       SELECT $1, e.*, $16 FROM unnest($2::text[], $3::text[], $4::uuid[], $5::timestamptz[], $6::text[], $7::text[],
         $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], $13::text[], $14::text[], $15::jsonb[])
         AS e(event_id, type, customer_id, occurred_at, email, name, visitor_id, referral_code, coupon_code, order_id,
              amount, currency, channel, properties)
       ORDER BY e.event_id
       ON CONFLICT (tenant_id, event_id) DO NOTHING
       RETURNING event_id`,
      [
        tenantId,
        col((e) => e.id),
        col((e) => e.type),
        col((e) => e.customerUuid),
        col((e) => e.occurredAt),
        col((e) => e.email),
        col((e) => e.name),
        col((e) => e.visitorId),
        col((e) => e.referralCode),
        col((e) => e.couponCode),
        col((e) => e.orderId),
        col((e) => e.amount),
        col((e) => e.currency),
        col((e) => e.channel),
        col((e) => JSON.stringify(e.properties)),
        source,
      ],
    );
    return new Set(rows.map((r) => r.event_id));
  }

  /** Like insertEvents, for feedback answers. */
  async insertFeedback(
    tx: Sql,
    tenantId: string,
    answers: readonly (FeedbackAnswer & { customerUuid: string })[],
    source: MomentSource,
  ): Promise<Set<string>> {
    if (answers.length === 0) return new Set();
    const col = <T>(f: (a: FeedbackAnswer & { customerUuid: string }) => T) => answers.map(f);
    const rows = await tx.query<{ feedback_id: string }>(
      `INSERT INTO feedback (tenant_id, feedback_id, customer_id, occurred_at, nps, csat, expectation_met, comment,
         preferred_channels, source)
       SELECT $1, a.id, a.customer_id, a.occurred_at, a.nps, a.csat, a.expectation_met, a.comment,
         CASE WHEN a.preferred_channels IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(a.preferred_channels)) END,
         $10
       FROM unnest($2::text[], $3::uuid[], $4::timestamptz[], $5::smallint[], $6::smallint[], $7::boolean[], $8::text[], $9::jsonb[])
         AS a(id, customer_id, occurred_at, nps, csat, expectation_met, comment, preferred_channels)
       ORDER BY a.id
       ON CONFLICT (tenant_id, feedback_id) DO NOTHING
       RETURNING feedback_id`,
      [
        tenantId,
        col((a) => a.id),
        col((a) => a.customerUuid),
        col((a) => a.occurredAt),
        col((a) => a.nps),
        col((a) => a.csat),
        col((a) => a.expectationMet),
        col((a) => a.comment),
        // text[][] cannot be ragged, so each answer's list travels as JSON
        col((a) => (a.preferredChannels === null ? null : JSON.stringify(a.preferredChannels))),
        source,
      ],
    );
    return new Set(rows.map((r) => r.feedback_id));
  }

  /** Feedback of the past, in one statement (an import, or a generated history for tests and benchmarks). */
  async importFeedback(
    tenantId: string,
    rows: readonly {
      customerId: string;
      occurredAt: Date;
      nps?: number | null;
      expectationMet?: boolean | null;
      preferredChannels?: string[] | null;
    }[],
  ): Promise<void> {
    await this.db.execute(
      `INSERT INTO feedback (tenant_id, feedback_id, customer_id, occurred_at, nps, expectation_met, preferred_channels, source)
       SELECT $1, 'import-' || gen_random_uuid(), cust, at, nps, met,
         CASE WHEN pref IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(pref)) END, 'api'
       FROM unnest($2::uuid[], $3::timestamptz[], $4::smallint[], $5::boolean[], $6::jsonb[]) AS u(cust, at, nps, met, pref)`,
      [
        tenantId,
        rows.map((r) => r.customerId),
        rows.map((r) => r.occurredAt),
        rows.map((r) => r.nps ?? null),
        rows.map((r) => r.expectationMet ?? null),
        rows.map((r) => (r.preferredChannels ? JSON.stringify(r.preferredChannels) : null)),
      ],
    );
  }

  /** Everything scoring and eligibility need, for many customers in two queries. */
  async facts(tx: Sql, tenantId: string, customerIds: readonly string[]): Promise<Map<string, CustomerFacts>> {
    const result = new Map<string, CustomerFacts>(customerIds.map((id) => [id, { events: [], feedback: [] }]));
    if (customerIds.length === 0) return result;
    const events = await tx.query<{ customer_id: string; type: EventType; occurred_at: Date }>(
      `SELECT customer_id, type, occurred_at FROM events
       WHERE tenant_id = $1 AND customer_id = ANY($2::uuid[]) AND type IN ('first_use', 'milestone', 'refund')
       ORDER BY occurred_at, received_at`,
      [tenantId, customerIds],
    );
    for (const e of events) result.get(e.customer_id)?.events.push({ type: e.type, occurredAt: e.occurred_at });
    const answers = await tx.query<{
      customer_id: string;
      nps: number | null;
      csat: number | null;
      expectation_met: boolean | null;
      occurred_at: Date;
    }>(
      `SELECT customer_id, nps, csat, expectation_met, occurred_at FROM feedback
       WHERE tenant_id = $1 AND customer_id = ANY($2::uuid[])
       ORDER BY occurred_at, received_at, id`,
      [tenantId, customerIds],
    );
    for (const a of answers) {
      result.get(a.customer_id)?.feedback.push({ nps: a.nps, csat: a.csat, expectationMet: a.expectation_met, occurredAt: a.occurred_at });
    }
    return result;
  }

  /**
   * Customers whose latest NPS answer reaches `minNps` and who are not advocates of the campaign
   * yet: the candidates when a campaign becomes active. Keyset-paged on the customer id.
   */
  async promoterCandidates(
    tenantId: string,
    campaignId: string,
    minNps: number,
    afterId: string | null,
    limit: number,
    tx: Sql,
  ): Promise<string[]> {
    const rows = await tx.query<{ id: string }>(
      `SELECT c.id FROM customers c
       CROSS JOIN LATERAL (
         SELECT f.nps FROM feedback f
         WHERE f.tenant_id = c.tenant_id AND f.customer_id = c.id AND f.nps IS NOT NULL
         ORDER BY f.occurred_at DESC, f.received_at DESC, f.id DESC LIMIT 1
       ) last
       WHERE c.tenant_id = $1 AND last.nps >= GREATEST($3, 7) AND ($4::uuid IS NULL OR c.id > $4)
         AND NOT EXISTS (SELECT 1 FROM advocates a WHERE a.tenant_id = $1 AND a.campaign_id = $2 AND a.customer_id = c.id)
       ORDER BY c.id LIMIT $5`,
      [tenantId, campaignId, minNps, afterId, limit],
    );
    return rows.map((r) => r.id);
  }

  /** The brand's id of the customer whose purchase was this order (a refund may name no customer of ours). */
  async customerOfOrder(tenantId: string, orderId: string): Promise<string | undefined> {
    const row = await this.db.one<{ external_id: string }>(
      `SELECT c.external_id FROM events e JOIN customers c ON c.id = e.customer_id
       WHERE e.tenant_id = $1 AND e.order_id = $2 AND e.type = 'purchase' ORDER BY e.occurred_at LIMIT 1`,
      [tenantId, orderId],
    );
    return row?.external_id;
  }
}
