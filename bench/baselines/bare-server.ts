import Fastify from 'fastify';
import pg from 'pg';

/**
 * The yardsticks of the HTTP benchmarks, bare Fastify: a static 302 for the redirect, and (with
 * DATABASE_URL) `POST /v1/events` parsing the same JSON and writing the same rows into
 * `bench_events` (a copy of `events`) with one multi-row INSERT through `pg`.
 */
const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });
app.get('/r/:code', (_req, reply) => {
  reply.code(302).header('location', 'https://shop.example.com/welcome').send();
});

// A tool of the benchmark: it reads its own knobs from the environment, like the test harness.
const databaseUrl = process.env.DATABASE_URL;
const tenantId = process.env.BENCH_TENANT_ID;
if (databaseUrl && tenantId) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
  interface RawEvent {
    id: string;
    type: string;
    customerId: string;
    occurredAt?: string;
    properties?: Record<string, unknown>;
  }
  app.post('/v1/events', async (req, reply) => {
    const batch = (req.body as { batch: RawEvent[] }).batch;
    const values: string[] = [];
    const params: unknown[] = [tenantId];
    for (const e of batch) {
      const n = params.length;
      values.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}::timestamptz, $${n + 5}::jsonb)`);
      params.push(e.id, e.type, e.customerId, e.occurredAt ?? new Date().toISOString(), JSON.stringify(e.properties ?? {}));
    }
    // The customers exist: the brand's ids resolve to ours in the same statement.
    const { rowCount } = await pool.query(
      `INSERT INTO bench_events (tenant_id, event_id, type, customer_id, occurred_at, properties, source)
       SELECT $1, v.event_id, v.type, c.id, v.occurred_at, v.properties, 'api'
       FROM (VALUES ${values.join(', ')}) AS v(event_id, type, external_id, occurred_at, properties)
       JOIN customers c ON c.tenant_id = $1 AND c.external_id = v.external_id
       ON CONFLICT (tenant_id, event_id) DO NOTHING`,
      params,
    );
    reply.code(202);
    return { accepted: rowCount ?? 0, duplicates: batch.length - (rowCount ?? 0) };
  });
  app.addHook('onClose', () => pool.end());
}

await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.send?.({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
