import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import type pg from 'pg';
import {
  createTenant,
  eventually,
  gql,
  pool,
  startApi,
  startWorker,
  testEnv,
  type RunningApi,
  type RunningProcess,
  type TestEnv,
} from './support/harness.js';
import type { OutboxEventMap, OutboxEventType } from '#libs/outbox/index.js';
import { testWorld } from './support/world.js';

// The verification helper of the README ("Verifying a webhook"), with types added.
function verifyTruthloopSignature(rawBody: string, header: string, secret: string, toleranceSeconds = 300): boolean {
  const parts = header.split(',').map((p) => p.split('='));
  const stamps = parts.filter(([k]) => k === 't');
  const t = Number(stamps[0]?.[1]);
  if (stamps.length !== 1 || !Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  return parts.some(([k, v]) => {
    const given = Buffer.from(k === 'v1' ? (v ?? '') : '', 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  event: { id: string; type: string; createdAt: string; data: Record<string, unknown> };
}

type Handler = (req: Received, res: ServerResponse) => void;

/** A real HTTP receiver on 127.0.0.1: one handler per path, every request recorded. */
class Receiver {
  readonly requests: Received[] = [];
  private readonly handlers = new Map<string, Handler>();
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const received: Received = { path: req.url ?? '/', headers: req.headers, body, event: JSON.parse(body) as Received['event'] };
        this.requests.push(received);
        const handler = this.handlers.get(received.path);
        if (handler) handler(received, res);
        else res.end('ok');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  on(path: string, handler: Handler): void {
    this.handlers.set(path, handler);
  }

  at(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

const FAST = {
  WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true',
  WEBHOOK_RETRY_BASE_MS: '200',
  WEBHOOK_RETRY_MAX_MS: '1000',
  WEBHOOK_TIMEOUT_MS: '3000',
  WEBHOOK_SWEEP_MS: '500',
};

const ENDPOINT = 'id url events enabled secret createdAt';
const DELIVERY = `id endpointId eventId eventType status attempts lastResponseStatus lastResponseTimeMs lastError nextAttemptAt
  deliveredAt replayOf attemptLog { attemptedAt statusCode responseTimeMs responseBody error }`;

describe('outbound webhooks', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: RunningProcess | undefined;
  let db: pg.Pool;
  let world: Awaited<ReturnType<typeof testWorld>>;
  const receiver = new Receiver();

  beforeAll(async () => {
    jest.setTimeout(30_000);
    env = testEnv(FAST);
    await receiver.start();
    db = pool(env);
    [api, worker] = await Promise.all([startApi(env), startWorker(env)]);
    world = await testWorld(env);
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await db?.end();
    await world?.close();
    await receiver.stop();
  });

  /** A tenant of the test's own, so no other test's endpoints receive its events. */
  const tenant = () => createTenant(env, 'Webhooks');

  const createEndpoint = async (apiKey: string, path: string, events: string[] = ['*']) => {
    const res = await gql(
      api,
      apiKey,
      `mutation($url: String!, $events: [String!]!) { createWebhookEndpoint(url: $url, events: $events) { ${ENDPOINT} } }`,
      {
        url: receiver.url(path),
        events,
      },
    );
    expect(res.errors).toBeUndefined();
    return res.data!.createWebhookEndpoint as { id: string; secret: string; url: string; events: string[] };
  };

  /** An outbound event as a domain writes it with its change (OutboxWriter, through the world builder), `data` over a valid payload. */
  const emit = <K extends OutboxEventType>(tenantId: string, type: K, data: Partial<OutboxEventMap[K]> = {}): Promise<string> =>
    world.builder.announce(tenantId, type, { ...samplePayload(type), ...data } as OutboxEventMap[K]);

  const deliveries = async (apiKey: string, endpointId: string) => {
    const res = await gql(
      api,
      apiKey,
      `query($id: ID!) { webhookDeliveries(endpointId: $id, first: 50) { edges { node { ${DELIVERY} } } } }`,
      {
        id: endpointId,
      },
    );
    expect(res.errors).toBeUndefined();
    return (res.data!.webhookDeliveries as { edges: { node: Record<string, any> }[] }).edges.map((e) => e.node); // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience
  };

  afterEach(() => {
    receiver.requests.length = 0;
  });

  it('rotates the signing secret: the old one signs beside the new one for the grace period only', async () => {
    const acme = await tenant();
    const created = await createEndpoint(acme.apiKey, '/rotate');
    const rotate = async (graceHours: number) => {
      const res = await gql(
        api,
        acme.apiKey,
        `mutation($id: ID!, $g: Int) { rotateWebhookSecret(id: $id, graceHours: $g) { secret previousSecretExpiresAt } }`,
        { id: created.id, g: graceHours },
      );
      expect(res.errors).toBeUndefined();
      return res.data!.rotateWebhookSecret as { secret: string; previousSecretExpiresAt: string | null };
    };
    const rotated = await rotate(24);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    expect(Date.parse(rotated.previousSecretExpiresAt!)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    await emit(acme.tenantId, 'advocate.enrolled', { generation: 1 });
    const [during] = await eventually(async () => receiver.at('/rotate').length === 1 && receiver.at('/rotate'), 20_000, 'a delivery');
    const header = during!.headers['truthloop-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifyTruthloopSignature(during!.body, header, rotated.secret)).toBe(true);
    expect(verifyTruthloopSignature(during!.body, header, created.secret)).toBe(true);

    // Rotating again with no grace: only the newest secret signs.
    const last = await rotate(0);
    expect(last.previousSecretExpiresAt).toBeNull();
    await emit(acme.tenantId, 'advocate.enrolled', { generation: 2 });
    const after = await eventually(
      async () => receiver.at('/rotate').length === 2 && receiver.at('/rotate')[1],
      20_000,
      'a second delivery',
    );
    const single = after.headers['truthloop-signature'] as string;
    expect(single).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyTruthloopSignature(after.body, single, last.secret)).toBe(true);
    expect(verifyTruthloopSignature(after.body, single, rotated.secret)).toBe(false);
    expect(JSON.stringify((await db.query(`SELECT * FROM webhook_endpoints WHERE id = $1`, [created.id])).rows)).not.toContain(last.secret);
  });

  it('shows the signing secret once, stores it encrypted, and validates event types', async () => {
    const acme = await tenant();
    const created = await createEndpoint(acme.apiKey, '/secret', ['reward.credited', 'referral.converted']);
    expect(created.secret).toMatch(/^whsec_/);
    expect(created.events).toEqual(['reward.credited', 'referral.converted']);

    const listed = await gql(api, acme.apiKey, `{ webhookEndpoints { ${ENDPOINT} } }`);
    expect(listed.data!.webhookEndpoints).toEqual([expect.objectContaining({ id: created.id, secret: null, enabled: true })]);

    const { rows } = await db.query(`SELECT * FROM webhook_endpoints WHERE tenant_id = $1`, [acme.tenantId]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(created.secret);
    expect(JSON.stringify(rows)).not.toContain(created.secret.slice('whsec_'.length));

    const bad = await gql(
      api,
      acme.apiKey,
      `mutation { createWebhookEndpoint(url: "${receiver.url('/x')}", events: ["reward.stolen"]) { id } }`,
    );
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.extensions?.fields?.[0]?.field).toMatch(/^events/);
    const none = await gql(api, acme.apiKey, `mutation { createWebhookEndpoint(url: "${receiver.url('/x')}", events: []) { id } }`);
    expect(none.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const other = await tenant();
    const foreign = await gql(api, other.apiKey, `mutation($id: ID!) { disableWebhookEndpoint(id: $id) { id } }`, { id: created.id });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('delivers an event signed so that the README helper verifies it', async () => {
    const acme = await tenant();
    const endpoint = await createEndpoint(acme.apiKey, '/signed');
    const eventId = await emit(acme.tenantId, 'reward.credited', { amount: 1000, currency: 'USD' });

    const [req] = await eventually(async () => receiver.at('/signed').length > 0 && receiver.at('/signed'), 20_000, 'the delivery');
    expect(req!.event).toMatchObject({ id: eventId, type: 'reward.credited', data: { amount: 1000, currency: 'USD' } });
    expect(new Date(req!.event.createdAt).toISOString()).toBe(req!.event.createdAt);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['user-agent']).toBe('Truthloop-Webhooks/1');
    const signature = req!.headers['truthloop-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyTruthloopSignature(req!.body, signature, endpoint.secret)).toBe(true);
    expect(verifyTruthloopSignature(req!.body.replace('1000', '9000'), signature, endpoint.secret)).toBe(false);
    expect(verifyTruthloopSignature(req!.body, signature, 'whsec_wrong')).toBe(false);

    const [delivery] = await eventually(async () => {
      const list = await deliveries(acme.apiKey, endpoint.id);
      return list[0]?.status === 'DELIVERED' && list;
    });
    expect(delivery).toMatchObject({ eventId, eventType: 'reward.credited', attempts: 1, lastResponseStatus: 200, nextAttemptAt: null });
    expect(delivery!.deliveredAt).not.toBeNull();
  });

  it('retries a failing receiver with the same event id until it answers 2xx, logging each attempt', async () => {
    const acme = await tenant();
    let calls = 0;
    receiver.on('/flaky', (_req, res) => {
      calls++;
      res.statusCode = calls <= 2 ? 500 : 204;
      res.end(calls <= 2 ? 'try later' : '');
    });
    const endpoint = await createEndpoint(acme.apiKey, '/flaky');
    const eventId = await emit(acme.tenantId, 'referral.converted');

    const [delivery] = await eventually(async () => {
      const list = await deliveries(acme.apiKey, endpoint.id);
      return list[0]?.status === 'DELIVERED' && list;
    }, 30_000);
    expect(receiver.at('/flaky').map((r) => r.event.id)).toEqual([eventId, eventId, eventId]);
    expect(delivery).toMatchObject({ eventId, attempts: 3, lastResponseStatus: 204 });
    expect(delivery!.attemptLog.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 500, 204]);
    expect(delivery!.attemptLog[0]).toMatchObject({ responseBody: 'try later', error: null });
  }, 60_000);

  it('delivers in order per endpoint: a later event waits until the earlier one succeeded', async () => {
    const acme = await tenant();
    let failedOnce = false;
    receiver.on('/ordered', (_req, res) => {
      res.statusCode = failedOnce ? 200 : 503;
      failedOnce = true;
      res.end();
    });
    await createEndpoint(acme.apiKey, '/ordered');
    const ids: string[] = [];
    for (let n = 1; n <= 6; n++) ids.push(await emit(acme.tenantId, 'reward.credited', { amount: n }));
    await eventually(async () => receiver.at('/ordered').length >= 7, 30_000, 'every event');
    const seen = receiver.at('/ordered').map((r) => r.event.id);
    expect(seen).toEqual([ids[0], ...ids]); // the first twice (503, then 200), then the rest in order
  }, 60_000);

  it('sends nothing to a disabled endpoint, and nothing to a deleted one', async () => {
    const acme = await tenant();
    const live = await createEndpoint(acme.apiKey, '/live');
    const off = await createEndpoint(acme.apiKey, '/off');
    const gone = await createEndpoint(acme.apiKey, '/gone');
    const disabled = await gql(api, acme.apiKey, `mutation($id: ID!) { disableWebhookEndpoint(id: $id) { enabled } }`, { id: off.id });
    expect(disabled.data!.disableWebhookEndpoint).toEqual({ enabled: false });
    const deleted = await gql(api, acme.apiKey, `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id: gone.id });
    expect(deleted.data!.deleteWebhookEndpoint).toBe(true);

    const eventId = await emit(acme.tenantId, 'advocate.enrolled');
    await eventually(async () => (await deliveries(acme.apiKey, live.id))[0]?.status === 'DELIVERED', 20_000, 'the live delivery');
    // Dispatch fans an event out to every endpoint at once, so by now the others would have theirs.
    expect(await deliveries(acme.apiKey, off.id)).toEqual([]);
    expect(receiver.at('/off')).toEqual([]);
    expect(receiver.at('/gone')).toEqual([]);
    expect(receiver.at('/live').map((r) => r.event.id)).toEqual([eventId]);
    const listed = await gql(api, acme.apiKey, `{ webhookEndpoints { id } }`);
    expect((listed.data!.webhookEndpoints as { id: string }[]).map((e) => e.id).sort()).toEqual([live.id, off.id].sort());
  });

  it('replays a delivery with the same event id', async () => {
    const acme = await tenant();
    const endpoint = await createEndpoint(acme.apiKey, '/replay');
    const eventId = await emit(acme.tenantId, 'reward.reversed');
    const [first] = await eventually(async () => {
      const list = await deliveries(acme.apiKey, endpoint.id);
      return list[0]?.status === 'DELIVERED' && list;
    });

    const replay = await gql(api, acme.apiKey, `mutation($id: ID!) { replayWebhookDelivery(id: $id) { ${DELIVERY} } }`, { id: first!.id });
    expect(replay.errors).toBeUndefined();
    expect(replay.data!.replayWebhookDelivery).toMatchObject({ eventId, replayOf: first!.id, status: 'PENDING' });
    await eventually(async () => receiver.at('/replay').length === 2, 20_000, 'the replay');
    expect(receiver.at('/replay').map((r) => r.event.id)).toEqual([eventId, eventId]);
    expect(receiver.at('/replay')[1]!.body).toBe(receiver.at('/replay')[0]!.body);

    const missing = await gql(api, acme.apiKey, `mutation { replayWebhookDelivery(id: "00000000-0000-4000-8000-000000000000") { id } }`);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('refuses private, loopback and link-local URLs unless WEBHOOKS_ALLOW_PRIVATE_NETWORKS is set', async () => {
    const strict = await startApi(env, { WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'false' });
    try {
      const acme = await tenant();
      for (const url of [
        receiver.url('/private'),
        'http://localhost:8080/hook',
        'http://169.254.169.254/latest/meta-data',
        'http://10.0.0.8/hook',
        'http://192.168.1.10/hook',
        'http://[::1]/hook',
        'http://[fd00::1]/hook',
        'http://0.0.0.0/hook',
        'ftp://example.com/hook',
      ]) {
        const res = await gql(strict, acme.apiKey, `mutation($url: String!) { createWebhookEndpoint(url: $url, events: ["*"]) { id } }`, {
          url,
        });
        expect({ url, code: res.errors?.[0]?.extensions?.code, field: res.errors?.[0]?.extensions?.fields?.[0]?.field }).toEqual({
          url,
          code: 'BAD_USER_INPUT',
          field: 'url',
        });
      }
      // The same loopback URL is accepted where the flag is set (tests, local development).
      expect((await createEndpoint(acme.apiKey, '/private')).url).toBe(receiver.url('/private'));
    } finally {
      await strict.stop();
    }
  }, 60_000);

  it('still delivers when the worker is killed mid-delivery', async () => {
    const acme = await tenant();
    let held: ServerResponse | undefined;
    receiver.on('/held', (_req, res) => {
      if (!held)
        held = res; // the first request never gets an answer
      else res.end('ok');
    });
    const endpoint = await createEndpoint(acme.apiKey, '/held');
    const eventId = await emit(acme.tenantId, 'reward.available');
    await eventually(async () => held !== undefined, 20_000, 'the first request');
    await worker!.kill();
    worker = await startWorker(env);

    await eventually(async () => receiver.at('/held').length >= 2, 40_000, 'the delivery by the new worker');
    expect(receiver.at('/held').map((r) => r.event.id)).toEqual([eventId, eventId]);
    await eventually(async () => (await deliveries(acme.apiKey, endpoint.id))[0]?.status === 'DELIVERED');
    held?.destroy();
  }, 90_000);

  it('delivers an event written while no worker ran and Redis had lost its queues (the sweep)', async () => {
    const acme = await tenant();
    await createEndpoint(acme.apiKey, '/swept');
    await worker!.stop();
    worker = undefined;

    const redis = new Redis(env.REDIS_URL);
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${env.REDIS_PREFIX}:bull:*`, 'COUNT', 1000);
      if (keys.length) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
    expect(deleted).toBeGreaterThan(0);

    const eventId = await emit(acme.tenantId, 'advocate.enrolled');
    worker = await startWorker(env);
    await eventually(async () => receiver.at('/swept').length > 0, 20_000, 'the swept delivery');
    expect(receiver.at('/swept').map((r) => r.event.id)).toEqual([eventId]);
  }, 60_000);
});

/** A valid payload of each outbound event type (ids are random; tests override what they look at). */
function samplePayload<K extends OutboxEventType>(type: K): OutboxEventMap[K] {
  const reward = {
    rewardId: randomUUID(),
    referralId: randomUUID(),
    advocateId: randomUUID(),
    campaignId: randomUUID(),
    kind: 'ADVOCATE' as const,
    amount: 500,
    reversedAmount: 0,
    currency: 'USD',
    status: 'PENDING' as const,
    availableAt: new Date().toISOString(),
  };
  const samples: OutboxEventMap = {
    'advocate.enrolled': {
      advocateId: randomUUID(),
      campaignId: randomUUID(),
      customerId: 'c-1',
      code: 'ABCDEFGH',
      generation: 1,
      enrolledBy: 'AUTO',
      portalUrl: 'https://go.example.com/a/token',
    },
    'referral.converted': {
      referralId: randomUUID(),
      campaignId: randomUUID(),
      advocateId: randomUUID(),
      referredCustomerId: randomUUID(),
      orderId: 'o-1',
      amount: 5000,
      currency: 'USD',
      status: 'CONVERTED',
    },
    'reward.credited': reward,
    'reward.available': { ...reward, status: 'AVAILABLE' },
    'reward.reversed': { ...reward, status: 'REVERSED', reversedAmount: 500, reversedNow: 500 },
  };
  return samples[type];
}
