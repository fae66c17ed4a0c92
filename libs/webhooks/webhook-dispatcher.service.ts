import { Injectable, Logger } from '@nestjs/common';
import { Db } from '#libs/database/index.js';
import { OutboxFeed } from '#libs/outbox/index.js';
import { WebhookRepository, type EndpointRef } from './webhook.repository.js';
import { WebhookQueue } from './webhook-queue.js';

const BATCH = 500;
// Arbitrary constant: the advisory lock that serialises dispatch across every worker.
const DISPATCH_LOCK = 0x7477_6864; // "twhd"

/**
 * Turns outbox events into deliveries and wakes the endpoints that have work. Runs in workers:
 * woken on every outbox commit (PostgreSQL NOTIFY) and swept on a timer, so an event is delivered
 * even if Redis lost every job or no worker was running when it was written.
 */
@Injectable()
export class WebhookDispatcher {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private running?: Promise<void>;
  private again = false;

  constructor(
    private readonly db: Db,
    private readonly outbox: OutboxFeed,
    private readonly webhooks: WebhookRepository,
    private readonly queue: WebhookQueue,
  ) {}

  /** Dispatches everything undispatched; calls that arrive while one runs fold into one more run. */
  dispatch(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.dispatchAll();
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Dispatch, then wake every endpoint with due work that nobody is delivering (lost or delayed jobs). */
  async sweep(): Promise<void> {
    await this.dispatch();
    const due = await this.webhooks.dueEndpoints(1000);
    if (due.length > 0) await this.queue.drainSoon(due);
  }

  private async dispatchAll(): Promise<void> {
    for (;;) {
      const batch = await this.dispatchBatch(BATCH);
      if (batch === null) return; // another process holds the dispatch lock; it drains the outbox
      if (batch.endpoints.length > 0) await this.queue.drainSoon(batch.endpoints);
      if (batch.events > 0) this.logger.debug(`dispatched ${batch.events} events to ${batch.endpoints.length} endpoints`);
      if (batch.events < BATCH) return;
    }
  }

  /**
   * Turns up to `limit` undispatched outbox events (in seq order) into one delivery per matching
   * endpoint, and marks them dispatched, in one transaction. Dispatch is serialised by an advisory
   * lock so deliveries are numbered in outbox order. Returns null when another process is dispatching.
   */
  private dispatchBatch(limit: number): Promise<{ events: number; endpoints: EndpointRef[] } | null> {
    return this.db.transaction(async (tx) => {
      const [lock] = await tx.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock($1) AS ok`, [DISPATCH_LOCK]);
      if (!lock!.ok) return null;
      const ids = await this.outbox.lockUndispatched(tx, limit);
      if (ids.length === 0) return { events: 0, endpoints: [] };
      const endpoints = await this.webhooks.createDeliveries(tx, ids);
      await this.outbox.markDispatched(tx, ids);
      return { events: ids.length, endpoints };
    });
  }
}
