import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type AppConfig } from '#libs/config/index.js';
import { DomainError } from '#libs/common/index.js';
import { createTenant, migrate, writeSchema } from './commands.js';
import { start } from './start.js';
import { demo } from './demo.js';
import { resolvePostgres, resolveRedis } from './local-infra.js';

/** Configuration for one-off commands: the database `npm start` would use when DATABASE_URL is unset. */
async function withDatabase<T>(work: (config: AppConfig) => Promise<T>): Promise<T> {
  const postgres = await resolvePostgres(process.env.DATABASE_URL || undefined, (m) => process.stderr.write(`${m}\n`));
  try {
    return await work(loadConfig({ ...process.env, DATABASE_URL: postgres.url }));
  } finally {
    await postgres.stop?.();
  }
}

/** Configuration for commands that also need Redis (the demo enqueues what the worker would pick up). */
async function withServices<T>(work: (config: AppConfig) => Promise<T>): Promise<T> {
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const postgres = await resolvePostgres(process.env.DATABASE_URL || undefined, log);
  try {
    const redis = await resolveRedis(process.env.REDIS_URL || undefined, log);
    try {
      return await work(loadConfig({ ...process.env, DATABASE_URL: postgres.url, REDIS_URL: redis.url }));
    } finally {
      await redis.stop?.();
    }
  } finally {
    await postgres.stop?.();
  }
}

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  start                      run API and worker together (local PostgreSQL/Redis found or started)
  migrate                    apply pending database migrations
  tenant:create --name <n>   create a tenant; prints {"tenantId": ..., "apiKey": ...}
  schema [--out <file>] [--webhooks-out <file>]
                             regenerate schema.graphql and docs/webhook-events.schema.json from the code
  demo                       create a demo tenant with an active campaign and a generated history;
                             prints {"apiKey", "tenantId", "campaignId", "sharePageUrl", "dashboardUrl"}
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { name: { type: 'string' }, out: { type: 'string' }, 'webhooks-out': { type: 'string' } },
    allowPositionals: true,
    strict: false,
  });
  switch (command) {
    case 'start':
      return start();
    case 'migrate': {
      const applied = await withDatabase(migrate);
      process.stdout.write(`${JSON.stringify({ applied })}\n`);
      return;
    }
    case 'tenant:create': {
      if (typeof values.name !== 'string') throw new UsageError('tenant:create needs --name <name>');
      const name = values.name;
      const created = await withDatabase((config) => createTenant(config, name));
      process.stdout.write(`${JSON.stringify(created)}\n`);
      return;
    }
    case 'demo': {
      const created = await withServices((config) => demo(config));
      process.stdout.write(`${JSON.stringify(created)}\n`);
      return;
    }
    case 'schema':
      await writeSchema(
        typeof values.out === 'string' ? values.out : undefined,
        typeof values['webhooks-out'] === 'string' ? values['webhooks-out'] : undefined,
      );
      return;
    default:
      throw new UsageError(command ? `Unknown command "${command}"` : 'No command given');
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${USAGE}`);
  else if (error instanceof DomainError) process.stderr.write(`${error.code}: ${error.message}\n`);
  else process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
