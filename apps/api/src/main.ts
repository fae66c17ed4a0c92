import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { loadConfigOrExit } from '#libs/config/index.js';
import { countStatements, runMigrations } from '#libs/database/index.js';
import { AppModule } from './app.module.js';
import { MetricsService } from './ops/metrics.service.js';
import { refuseNulCharacters } from './common/nul-guard.js';
import { exitAfterShutdown } from '#libs/config/index.js';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  if (config.database.migrationsRun) await runMigrations(config);

  const adapter = new FastifyAdapter({ trustProxy: true, bodyLimit: 5 * 1024 * 1024, requestIdHeader: false });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { bufferLogs: true, rawBody: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  exitAfterShutdown(app, config.shutdownTimeoutMs);

  const metrics = app.get(MetricsService);
  const fastify = app.getHttpAdapter().getInstance();
  refuseNulCharacters(fastify);
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    // Redirects have their own histogram (truthloop_redirect_duration_seconds); a second one per click
    // costs the hot path measurably (BENCHMARKS.md). A callback hook: no promise per request.
    if (!route?.startsWith('/r/')) {
      metrics.httpDuration.observe(
        { method: request.method, route: route ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    }
    done();
  });

  if (config.env === 'test') {
    // Tests read how many SQL statements a request sent (x-sql-statements); counted from the
    // handler on, after the body is parsed, so the count follows the request's async context.
    const counters = new WeakMap<object, { count: number }>();
    fastify.addHook('preHandler', (request, _reply, done) => {
      const counter = { count: 0 };
      counters.set(request, counter);
      countStatements(counter, done);
    });
    fastify.addHook('onSend', async (request, reply) => {
      const counter = counters.get(request);
      if (counter) reply.header('x-sql-statements', String(counter.count));
    });
  }

  await app.listen(config.http.port, config.http.host);
  const address = fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  app.get(Logger).log(`API listening on http://${config.http.host}:${port} (GraphQL at /graphql)`, 'Bootstrap');
  // A machine-readable line for launchers and tests that start the API on port 0.
  if (process.send) process.send({ type: 'listening', port });
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
