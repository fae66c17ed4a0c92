import { Controller, Get, Header, Inject, Req, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { REDIS } from '#libs/queue/index.js';
import { ClickRepository, flushLagSeconds } from '#libs/links/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { NotFoundError, UnauthenticatedError } from '#libs/common/index.js';
import { metricsAuthorized } from './metrics-server.js';
import { Public } from '../common/auth.js';
import { MetricsService } from './metrics.service.js';

@Public()
@Controller()
export class OpsController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly typeorm: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly metrics: MetricsService,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly clicks: ClickRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /**
   * Readiness: PostgreSQL and Redis both answer (503 otherwise). `clicks` tells how far the click
   * flush is behind: informative only, since a lagging worker is no reason to take an API out.
   */
  @Get('readyz')
  @HealthCheck()
  async readyz(@Res() reply: FastifyReply) {
    try {
      const result = await this.health.check([
        () => this.typeorm.pingCheck('database', { timeout: 1500 }),
        () => this.redisCheck(),
        () => this.clicksCheck(),
      ]);
      return reply.send(result);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) return reply.status(503).send(error.getResponse());
      throw error;
    }
  }

  @Get('metrics')
  @Header('cache-control', 'no-store')
  async prometheus(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    // On a port of its own (MetricsServer), the public port does not serve them at all.
    if (this.config.metrics.port !== null) throw new NotFoundError('Route GET /metrics');
    if (!metricsAuthorized(req.headers.authorization, this.config.metrics.token)) {
      throw new UnauthenticatedError('GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
    }
    const body = await this.metrics.registry.metrics();
    return reply.header('content-type', this.metrics.registry.contentType).send(body);
  }

  private async clicksCheck() {
    const check = this.indicators.check('clicks');
    try {
      const watermark = await this.clicks.watermark();
      return check.up({ flushLagSeconds: flushLagSeconds(watermark), watermark: watermark?.toISOString() ?? null });
    } catch (error) {
      return check.up({ flushLagSeconds: null, error: (error as Error).message });
    }
  }

  private async redisCheck() {
    const check = this.indicators.check('redis');
    // While disconnected ioredis queues commands; don't wait for it to come back.
    if (this.redis.status !== 'ready') return check.down({ message: `redis is ${this.redis.status}` });
    try {
      const pong = await Promise.race([
        this.redis.ping(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000).unref()),
      ]);
      return pong === 'PONG' ? check.up() : check.down({ message: String(pong) });
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }
}
