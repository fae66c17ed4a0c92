import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ValidationError, zodFieldErrors, type FieldError } from '#libs/common/index.js';
import { Db } from '#libs/database/index.js';
import { CustomerRepository, type ProfileUpdate } from '#libs/customers/index.js';
import { QueueProducer } from '#libs/queue/index.js';
import { MAX_BATCH, type CustomerEvent, type IngestResult, type MomentSource, type Moments, type ProfileChange } from './moment.js';
import { eventSchema, feedbackSchema, isJsonObject, profileSchema } from './moment.schema.js';
import { mapSegment, type RawItem } from './segment.js';
import { MomentsRepository } from './moments.repository.js';

/** Event types with an effect beyond delight (applied by the referrals domain). */
const EFFECTFUL_TYPES = new Set(['signup', 'purchase', 'refund', 'share']);

/** Validates every item; throws one error naming every bad field of every item. */
function parseAll<S extends z.ZodType>(schema: S, items: readonly RawItem[], problems: FieldError[]): z.output<S>[] {
  const parsed: z.output<S>[] = [];
  for (const item of items) {
    const result = schema.safeParse(item.raw);
    if (result.success) parsed.push(result.data);
    else problems.push(...zodFieldErrors(result.error, item.path));
  }
  return parsed;
}

function notAnObject(field = '(body)'): ValidationError {
  return new ValidationError([{ field, message: 'must be a JSON object' }]);
}

@Injectable()
export class MomentsService {
  constructor(
    private readonly db: Db,
    private readonly customers: CustomerRepository,
    private readonly moments: MomentsRepository,
    private readonly queue: QueueProducer,
  ) {}

  /** `POST /v1/events` and `recordEvent`: one event or `{"batch": [...]}`, all valid or none applied. */
  recordEvents(tenantId: string, body: unknown, source: MomentSource): Promise<IngestResult> {
    if (!isJsonObject(body)) throw notAnObject();
    let items: RawItem[];
    if ('batch' in body) {
      const extra = Object.keys(body).filter((k) => k !== 'batch');
      if (extra.length > 0) throw new ValidationError(extra.map((k) => ({ field: k, message: 'is not a field of a batch' })));
      const batch = body.batch;
      if (!Array.isArray(batch)) throw new ValidationError([{ field: 'batch', message: 'must be an array of events' }]);
      if (batch.length === 0) throw new ValidationError([{ field: 'batch', message: 'must hold at least one event' }]);
      if (batch.length > MAX_BATCH) {
        throw new ValidationError([{ field: 'batch', message: `must hold at most ${MAX_BATCH} events (got ${batch.length})` }]);
      }
      const bad = batch.findIndex((e) => !isJsonObject(e));
      if (bad >= 0) throw notAnObject(`batch.${bad}`);
      items = batch.map((raw, i) => ({ path: `batch.${i}`, raw: raw as Record<string, unknown> }));
    } else {
      items = [{ path: '', raw: body }];
    }
    const problems: FieldError[] = [];
    const events = parseAll(eventSchema, items, problems);
    if (problems.length > 0) throw new ValidationError(problems);
    return this.ingest(tenantId, { events, feedback: [], profiles: [] }, source);
  }

  /** `POST /v1/feedback` and `recordFeedback`. */
  recordFeedback(tenantId: string, body: unknown, source: MomentSource): Promise<IngestResult> {
    if (!isJsonObject(body)) throw notAnObject();
    const problems: FieldError[] = [];
    const feedback = parseAll(feedbackSchema, [{ path: '', raw: body }], problems);
    if (problems.length > 0) throw new ValidationError(problems);
    return this.ingest(tenantId, { events: [], feedback, profiles: [] }, source);
  }

  /** Segment HTTP Tracking API bodies; messages with no Truthloop meaning are ignored, not refused. */
  async recordSegment(tenantId: string, body: unknown, kind: 'batch' | 'track' | 'identify'): Promise<IngestResult & { ignored: number }> {
    const mapped = mapSegment(body, kind);
    const problems = [...mapped.problems];
    const events = parseAll(eventSchema, mapped.events, problems);
    const feedback = parseAll(feedbackSchema, mapped.feedback, problems);
    const profiles = parseAll(profileSchema, mapped.profiles, problems);
    if (problems.length > 0) throw new ValidationError(problems);
    const result = await this.ingest(tenantId, { events, feedback, profiles }, 'segment');
    return { ...result, ignored: mapped.ignored };
  }

  /** The brand's id of the customer whose purchase was this order. */
  customerOfOrder(tenantId: string, orderId: string): Promise<string | undefined> {
    return this.moments.customerOfOrder(tenantId, orderId);
  }

  /**
   * Applies validated moments in one transaction: customers created and locked, events and
   * feedback inserted (a known id is a duplicate), profiles updated from what was new. After the
   * commit, the worker is asked to score each customer of the request.
   */
  async ingest(tenantId: string, m: Moments, source: MomentSource): Promise<IngestResult> {
    const externalIds = [
      ...m.events.map((e) => e.customerId),
      ...m.feedback.map((f) => f.customerId),
      ...m.profiles.map((p) => p.customerId),
    ];
    const { accepted, duplicates, touched } = await this.db.transaction(async (tx) => {
      const ids = await this.customers.ensureAndLock(tx, tenantId, externalIds);
      const uuid = (externalId: string) => ids.get(externalId)!;
      const newEvents = await this.moments.insertEvents(
        tx,
        tenantId,
        m.events.map((e) => ({ ...e, customerUuid: uuid(e.customerId) })),
        source,
      );
      const newAnswers = await this.moments.insertFeedback(
        tx,
        tenantId,
        m.feedback.map((f) => ({ ...f, customerUuid: uuid(f.customerId) })),
        source,
      );
      const appliedEvents = firstOfEach(m.events, newEvents);
      const appliedAnswers = firstOfEach(m.feedback, newAnswers);
      await this.customers.applyProfiles(tx, tenantId, profileUpdates(appliedEvents, m.profiles));
      // Duplicates too: rescoring is idempotent, and a resend then heals a job lost after an earlier commit.
      const touched = new Set([...m.events, ...m.feedback].map((x) => uuid(x.customerId)));
      const applied = appliedEvents.length + appliedAnswers.length;
      return { accepted: applied + m.profiles.length, duplicates: m.events.length + m.feedback.length - applied, touched };
    });
    // One job per request (not per customer): a batch of 100 events queues two jobs, not a hundred.
    const customers = [...touched];
    for (let i = 0; i < customers.length; i += 500) {
      await this.queue.enqueue('customer.moment', { tenantId, customerIds: customers.slice(i, i + 500) });
    }
    // Attribution, refunds and shares: duplicates too, as the effect is applied once whatever is resent.
    const effectful = m.events.filter((e) => EFFECTFUL_TYPES.has(e.type)).map((e) => e.id);
    for (let i = 0; i < effectful.length; i += 500) {
      await this.queue.enqueue('events.apply', { tenantId, eventIds: effectful.slice(i, i + 500) });
    }
    return { accepted, duplicates };
  }
}

/** The items whose id was newly stored, each id once (a batch may repeat an id). */
function firstOfEach<T extends { id: string }>(items: readonly T[], stored: Set<string>): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    if (!stored.has(item.id) || seen.has(item.id)) return false;
    seen.add(item.id);
    return true;
  });
}

/** One profile update per customer: the last email and name given, the earliest first use. */
function profileUpdates(events: readonly CustomerEvent[], profiles: readonly ProfileChange[]): ProfileUpdate[] {
  const byCustomer = new Map<string, ProfileUpdate>();
  const get = (externalId: string) => {
    let u = byCustomer.get(externalId);
    if (!u) byCustomer.set(externalId, (u = { externalId }));
    return u;
  };
  for (const e of events) {
    const u = get(e.customerId);
    if (e.email) u.email = e.email;
    if (e.name) u.name = e.name;
    if (e.type === 'first_use' && (!u.firstUseAt || e.occurredAt < u.firstUseAt)) u.firstUseAt = e.occurredAt;
  }
  for (const p of profiles) {
    const u = get(p.customerId);
    if (p.email) u.email = p.email;
    if (p.name) u.name = p.name;
  }
  return [...byCustomer.values()];
}
