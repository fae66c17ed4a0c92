import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { webhookEventsJsonSchema } from '#libs/outbox/index.js';
import type { AppConfig } from '#libs/config/index.js';
import { createDataSource, Db, runMigrations } from '#libs/database/index.js';
import { TenantRepository, TenantsService } from '#libs/tenants/index.js';

export async function migrate(config: AppConfig): Promise<string[]> {
  return runMigrations(config);
}

export async function createTenant(config: AppConfig, name: string): Promise<{ tenantId: string; apiKey: string }> {
  if (config.database.migrationsRun) await runMigrations(config);
  const dataSource = createDataSource(config);
  await dataSource.initialize();
  try {
    const db = new Db(dataSource);
    return await new TenantsService(db, new TenantRepository(db)).createTenant(name);
  } finally {
    await dataSource.destroy();
  }
}

/** The committed contracts: schema.graphql (GraphQL) and docs/webhook-events.schema.json (webhook bodies). */
export async function writeSchema(out?: string, webhooksOut?: string): Promise<void> {
  // Loaded lazily: it pulls in the whole API.
  const { schemaSdl } = await import('../../api/src/graphql/schema-file.js');
  const file = out ?? join(process.cwd(), 'schema.graphql');
  await writeFile(file, await schemaSdl());
  process.stdout.write(`wrote ${file}\n`);
  const webhooks = webhooksOut ?? join(process.cwd(), 'docs', 'webhook-events.schema.json');
  await mkdir(dirname(webhooks), { recursive: true });
  await writeFile(webhooks, `${JSON.stringify(webhookEventsJsonSchema(), null, 2)}\n`);
  process.stdout.write(`wrote ${webhooks}\n`);
}
