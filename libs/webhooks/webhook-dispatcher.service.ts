import { Injectable, Logger } from '@nestjs/common';
import { WebhookDispatchRepository } from './webhook-dispatch.repository.js';
import { WebhookQueue } from './webhook-queue.js';

const BATCH = 500;

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
    private readonly repo: WebhookDispatchRepository,
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
    const due = await this.repo.dueEndpoints(1000);
    if (due.length > 0) await this.queue.drainSoon(due);
  }

  private async dispatchAll(): Promise<void> {
    for (;;) {
      const batch = await this.repo.dispatchBatch(BATCH);
      if (batch === null) return; // another process holds the dispatch lock; it drains the outbox
      if (batch.endpoints.length > 0) await this.queue.drainSoon(batch.endpoints);
      if (batch.events > 0) this.logger.debug(`dispatched ${batch.events} events to ${batch.endpoints.length} endpoints`);
      if (batch.events < BATCH) return;
    }
  }
}
