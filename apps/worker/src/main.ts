import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { exitAfterShutdown, loadConfigOrExit } from '#libs/config/index.js';
import { runMigrations } from '#libs/database/index.js';
import { WorkerModule } from './worker.module.js';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  if (config.database.migrationsRun) await runMigrations(config);
  // A headless application context: no HTTP, only BullMQ processors.
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  exitAfterShutdown(app, config.shutdownTimeoutMs);
  await app.init();
  app.get(Logger).log(`Worker running (concurrency ${config.worker.concurrency})`, 'Bootstrap');
  if (process.send) process.send({ type: 'ready' });
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
