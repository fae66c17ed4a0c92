import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { WebhookDispatcher } from '#libs/webhooks/index.js';

/**
 * Runs the webhook dispatcher in this worker: at start, on every outbox commit (LISTEN on the
 * channel the outbox trigger notifies), and on a timer. The timer lives in the process, not in
 * Redis, so a Redis that lost its jobs, or was down when events were written, delays delivery by
 * one sweep at most.
 */
@Injectable()
export class WebhookSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookSweeper.name);
  private timer?: NodeJS.Timeout;
  private listener?: pg.Client;
  private stopped = false;
  private sweeping?: Promise<void>;

  constructor(
    private readonly dispatcher: WebhookDispatcher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
    this.timer = setInterval(() => this.sweep(), this.config.webhooks.sweepMs);
    this.sweep();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.listener?.end().catch(() => undefined);
    await this.sweeping;
  }

  private sweep(): void {
    if (this.sweeping || this.stopped) return;
    this.sweeping = this.dispatcher
      .sweep()
      .catch((error: unknown) => this.logger.warn(`webhook sweep failed: ${String(error)}`))
      .finally(() => (this.sweeping = undefined));
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.config.database.url, application_name: 'truthloop:outbox-listener' });
    client.on('notification', () => {
      this.dispatcher.dispatch().catch((error: unknown) => this.logger.warn(`webhook dispatch failed: ${String(error)}`));
    });
    client.on('error', (error) => {
      this.logger.warn(`outbox listener lost its connection: ${error.message}`);
      client.end().catch(() => undefined);
      if (!this.stopped) setTimeout(() => void this.listen().catch(() => undefined), 1000).unref();
    });
    try {
      await client.connect();
      await client.query('LISTEN outbox');
      this.listener = client;
    } catch (error) {
      // The sweep still runs; try again shortly.
      this.logger.warn(`outbox listener could not connect: ${String(error)}`);
      await client.end().catch(() => undefined);
      if (!this.stopped) setTimeout(() => void this.listen().catch(() => undefined), 1000).unref();
    }
  }
}
