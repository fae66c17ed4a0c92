import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Histogram } from 'prom-client';
import { ClickBuffer, ClickRepository, flushLagSeconds } from '#libs/links/index.js';
import { MetricsService } from '../ops/metrics.service.js';

/** Redirect latency, and how many clicks wait between the redirect and PostgreSQL. */
@Injectable()
export class LinksMetrics implements OnModuleInit {
  readonly redirectDuration: Histogram;

  constructor(
    private readonly metrics: MetricsService,
    private readonly buffer: ClickBuffer,
    private readonly clicks: ClickRepository,
  ) {
    this.redirectDuration = metrics.histogram(
      'truthloop_redirect_duration_seconds',
      'Time to answer GET /r/:code, as the server saw it',
      [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    );
  }

  onModuleInit(): void {
    const buffer = this.buffer;
    this.metrics.gauge(
      'truthloop_click_buffer_depth',
      'Clicks recorded but not yet stored in PostgreSQL (in process and in the Redis stream)',
      async (g) => {
        g.set(await buffer.depth());
      },
    );
    const clicks = this.clicks;
    this.metrics.gauge(
      'truthloop_click_flush_lag_seconds',
      'How far the click watermark (every click before it is in PostgreSQL) is behind now; signups and purchases with a visitor id wait for it',
      async (g) => {
        g.set(flushLagSeconds(await clicks.watermark()) ?? Number.NaN);
      },
    );
  }
}
