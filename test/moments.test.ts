import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Analytics } from '@segment/analytics-node';
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
import { seedCampaign } from './support/seed.js';

const PUBLIC_URL = 'https://go.example.test';
const CODE = /^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$/;

const ADVOCATE = `id code status generation portalUrl links { channel url shareUrl }
  customer { externalId email } campaign { id status }`;

interface Tenant {
  tenantId: string;
  apiKey: string;
  campaignId: string;
}

describe('moments of truth', () => {
  let env: TestEnv;
  let api: RunningApi;
  let api2: RunningApi;
  let workers: RunningProcess[];
  let db: pg.Pool;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;

  beforeAll(async () => {
    env = testEnv({ PUBLIC_URL });
    [api, api2, ...workers] = (await Promise.all([startApi(env), startApi(env), startWorker(env), startWorker(env)])) as [
      RunningApi,
      RunningApi,
      RunningProcess,
      RunningProcess,
    ];
    db = pool(env);
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), api2?.stop(), ...(workers ?? []).map((w) => w.stop())]);
    await db?.end();
  });

  const post = async (path: string, key: string, body: unknown, target: RunningApi = api) => {
    const res = await fetch(`${target.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience
  };

  async function tenantWithCampaign(extra: Record<string, unknown> = {}, status = 'ACTIVE'): Promise<Tenant> {
    const { tenantId, apiKey } = await createTenant(env, uid('Brand'));
    const campaignId = await seedCampaign(
      env,
      tenantId,
      {
        name: 'Spring',
        destinationUrl: 'https://shop.example.com/welcome',
        message: { headline: 'Give 10, get 10', body: 'I love this shop, try it:' },
        advocateReward: { kind: 'FIXED', amount: 1000, currency: 'USD' },
        eligibility: { minNps: 9, withinDaysOfFirstUse: 30, requireExpectationMet: false },
        ...extra,
      },
      status === 'DRAFT' ? 'DRAFT' : 'ACTIVE',
    );
    return { tenantId, apiKey, campaignId };
  }

  const customer = (t: Tenant, externalId: string) =>
    gql(
      api,
      t.apiKey,
      `query($x: String!, $c: ID!) { customer(externalId: $x) { id externalId email delight { score reasons } advocate(campaignId: $c) { ${ADVOCATE} } } }`,
      { x: externalId, c: t.campaignId },
    );

  /** Waits until the worker has scored the customer with a reason matching `reason`. */
  const scored = (t: Tenant, externalId: string, reason: RegExp) =>
    eventually(
      async () => {
        const c = (await customer(t, externalId)).data?.customer;
        return c && (c.delight.reasons as string[]).some((r) => reason.test(r)) ? c : undefined;
      },
      20_000,
      `delight of ${externalId} ~ ${reason}`,
    );

  /** Waits until the customer is an advocate of the tenant's campaign (null means not yet). */
  const enrolled = (t: Tenant, externalId: string, what: string) =>
    eventually(async () => (await customer(t, externalId)).data?.customer.advocate ?? undefined, 20_000, what);

  const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

  it('takes a customer from first use to NPS 10 to advocate with links, through the worker', async () => {
    const t = await tenantWithCampaign();
    const first = await post('/v1/events', t.apiKey, {
      id: uid('ev'),
      type: 'first_use',
      customerId: 'cust-1',
      email: 'Ada.Lovelace+shop@GMail.com',
      name: 'Ada',
      occurredAt: daysAgo(2),
    });
    expect(first).toEqual({ status: 202, body: { accepted: 1, duplicates: 0 } });
    const fb = await post('/v1/feedback', t.apiKey, {
      id: uid('fb'),
      customerId: 'cust-1',
      nps: 10,
      expectationMet: true,
      comment: 'Just as promised',
    });
    expect(fb).toEqual({ status: 202, body: { accepted: 1, duplicates: 0 } });

    const c = await scored(t, 'cust-1', /^NPS 10, 2 days after first use$/);
    expect(c.email).toBe('Ada.Lovelace+shop@GMail.com');
    expect(c.delight.reasons).toContain('said the product matched what they were told');
    expect(c.delight.score).toBeGreaterThanOrEqual(75);
    const { rows: norm } = await db.query(`SELECT email_normalized FROM customers WHERE tenant_id = $1 AND external_id = 'cust-1'`, [
      t.tenantId,
    ]);
    expect(norm[0].email_normalized).toBe('adalovelace@gmail.com');

    const advocate = await enrolled(t, 'cust-1', 'enrolment');
    expect(advocate.code).toMatch(CODE);
    expect(advocate.status).toBe('ACTIVE');
    expect(advocate.generation).toBe(1);
    expect(advocate.customer).toEqual({ externalId: 'cust-1', email: 'Ada.Lovelace+shop@GMail.com' });
    expect(advocate.campaign).toEqual({ id: t.campaignId, status: 'ACTIVE' });
    expect(advocate.portalUrl).toMatch(new RegExp(`^${PUBLIC_URL}/a/[A-Za-z0-9_-]{22,}$`));
    expect(advocate.portalUrl).not.toContain('cust-1');
    const links = Object.fromEntries((advocate.links as { channel: string; url: string; shareUrl: string }[]).map((l) => [l.channel, l]));
    expect(Object.keys(links).sort()).toEqual(['copy', 'email', 'facebook', 'linkedin', 'sms', 'whatsapp', 'x']);
    const url = `${PUBLIC_URL}/r/${advocate.code}`;
    expect(links.copy).toEqual({ channel: 'copy', url: `${url}/copy`, shareUrl: `${url}/copy` });
    expect(links.email!.shareUrl).toBe(
      `mailto:?subject=${encodeURIComponent('Give 10, get 10')}&body=${encodeURIComponent(`I love this shop, try it:\n\n${url}/email`)}`,
    );
    expect(links.whatsapp!.shareUrl).toBe(`https://wa.me/?text=${encodeURIComponent(`I love this shop, try it: ${url}/whatsapp`)}`);
    expect(links.x!.shareUrl).toBe(
      `https://twitter.com/intent/tweet?text=${encodeURIComponent('I love this shop, try it:')}&url=${encodeURIComponent(`${url}/x`)}`,
    );
    expect(links.sms!.shareUrl.startsWith('sms:')).toBe(true);
    expect(links.facebook!.shareUrl).toContain(encodeURIComponent(`${url}/facebook`));
    expect(links.linkedin!.shareUrl).toContain('linkedin.com/sharing/share-offsite/?url=');

    const byId = await gql(api, t.apiKey, `query($id: ID!) { advocate(id: $id) { id code } }`, { id: advocate.id });
    expect(byId.data!.advocate).toEqual({ id: advocate.id, code: advocate.code });
    const list = await gql(
      api,
      t.apiKey,
      `query($c: ID!) { advocates(campaignId: $c, first: 10) { edges { cursor node { id customer { externalId } campaign { id } } } pageInfo { hasNextPage } } }`,
      { c: t.campaignId },
    );
    expect(list.data!.advocates.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { id: advocate.id, customer: { externalId: 'cust-1' }, campaign: { id: t.campaignId } },
    ]);
    const { rows: outbox } = await db.query(`SELECT data FROM outbox WHERE tenant_id = $1 AND type = 'advocate.enrolled'`, [t.tenantId]);
    expect(outbox).toHaveLength(1);
    expect(outbox[0].data).toMatchObject({ advocateId: advocate.id, campaignId: t.campaignId, customerId: 'cust-1', code: advocate.code });

    // Another tenant's ids behave like missing ones.
    const other = await tenantWithCampaign();
    expect(
      (await gql(api, other.apiKey, `query($id: ID!) { advocate(id: $id) { id } }`, { id: advocate.id })).errors?.[0]?.extensions?.code,
    ).toBe('NOT_FOUND');
    expect((await customer(other, 'cust-1')).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('does not enrol a detractor, until a newer answer makes them a promoter', async () => {
    const t = await tenantWithCampaign({ eligibility: { minNps: 0, withinDaysOfFirstUse: 30, requireExpectationMet: false } });
    await post('/v1/events', t.apiKey, { id: uid('ev'), type: 'first_use', customerId: 'grumpy', occurredAt: daysAgo(3) });
    await post('/v1/feedback', t.apiKey, { id: uid('fb'), customerId: 'grumpy', nps: 3, occurredAt: daysAgo(2) });
    const c = await scored(t, 'grumpy', /^NPS 3,/);
    expect(c.advocate).toBeNull();
    // An older promoter answer arriving late does not override the newer detractor one.
    await post('/v1/feedback', t.apiKey, { id: uid('fb'), customerId: 'grumpy', nps: 10, occurredAt: daysAgo(2.5) });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await customer(t, 'grumpy')).data!.customer.advocate).toBeNull();

    await post('/v1/feedback', t.apiKey, { id: uid('fb'), customerId: 'grumpy', nps: 9, occurredAt: daysAgo(1) });
    const advocate = await enrolled(t, 'grumpy', 'enrolment');
    expect(advocate.code).toMatch(CODE);
  });

  it('applies a resent event once', async () => {
    const t = await tenantWithCampaign();
    const event = { id: uid('ev'), type: 'purchase', customerId: 'buyer', orderId: 'o-1', amount: 4999, currency: 'EUR' };
    expect((await post('/v1/events', t.apiKey, event)).body).toEqual({ accepted: 1, duplicates: 0 });
    expect((await post('/v1/events', t.apiKey, event)).body).toEqual({ accepted: 0, duplicates: 1 });
    const again = await post('/v1/events', t.apiKey, { batch: [event, { ...event, id: uid('ev') }, event] });
    expect(again).toEqual({ status: 202, body: { accepted: 1, duplicates: 2 } });
    const { rows } = await db.query(`SELECT event_id, amount, currency, order_id FROM events WHERE tenant_id = $1 ORDER BY received_at`, [
      t.tenantId,
    ]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({ event_id: event.id, amount: '4999', currency: 'EUR', order_id: 'o-1' });
  });

  it('applies two copies sent at the same moment to two API processes once', async () => {
    const t = await tenantWithCampaign();
    const events = Array.from({ length: 10 }, (_, i) => ({
      id: uid('ev'),
      type: 'first_use',
      customerId: `twin-${i % 3}`,
      occurredAt: daysAgo(1),
    }));
    const replies = await Promise.all(events.flatMap((e) => [post('/v1/events', t.apiKey, e, api), post('/v1/events', t.apiKey, e, api2)]));
    expect(replies.every((r) => r.status === 202)).toBe(true);
    expect(replies.reduce((s, r) => s + r.body.accepted, 0)).toBe(10);
    expect(replies.reduce((s, r) => s + r.body.duplicates, 0)).toBe(10);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1`, [t.tenantId]);
    expect(rows[0].n).toBe(10);

    // The same promoter answer twice at once: one advocate, one outbound event.
    const answer = { id: uid('fb'), customerId: 'twin-0', nps: 10 };
    const both = await Promise.all([post('/v1/feedback', t.apiKey, answer, api), post('/v1/feedback', t.apiKey, answer, api2)]);
    expect(both.map((r) => r.body.accepted).sort()).toEqual([0, 1]);
    await enrolled(t, 'twin-0', 'enrolment');
    await new Promise((r) => setTimeout(r, 1000));
    const { rows: advocates } = await db.query(`SELECT count(*)::int AS n FROM advocates WHERE tenant_id = $1`, [t.tenantId]);
    const { rows: outbox } = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE tenant_id = $1 AND type = 'advocate.enrolled'`, [
      t.tenantId,
    ]);
    expect([advocates[0].n, outbox[0].n]).toEqual([1, 1]);
  });

  it('works with the official Segment client, given only the host', async () => {
    const t = await tenantWithCampaign();
    const errors: unknown[] = [];
    const analytics = new Analytics({ writeKey: t.apiKey, host: api.url });
    analytics.on('error', (e) => errors.push(e));
    const orderMessageId = uid('seg');
    analytics.identify({ userId: 'seg-1', traits: { email: 'grace@example.com', name: 'Grace Hopper' } });
    analytics.track({ userId: 'seg-1', event: 'Product Activated', timestamp: new Date(Date.now() - 86_400_000) });
    analytics.track({
      userId: 'seg-1',
      event: 'Order Completed',
      messageId: orderMessageId,
      properties: { order_id: 'A-17', revenue: 12.34, currency: 'EUR' },
    });
    analytics.track({ userId: 'seg-1', event: 'Page Scrolled', properties: { depth: 3 } });
    analytics.track({ userId: 'seg-1', event: 'NPS Submitted', properties: { score: 10 } });
    await analytics.closeAndFlush();
    expect(errors).toEqual([]);

    const c = await scored(t, 'seg-1', /^NPS 10, on the day|^NPS 10, 1 day after first use$/);
    expect(c.email).toBe('grace@example.com');
    const { rows } = await db.query(`SELECT type, order_id, amount, currency, source FROM events WHERE tenant_id = $1 ORDER BY type`, [
      t.tenantId,
    ]);
    expect(rows).toEqual([
      { type: 'first_use', order_id: null, amount: null, currency: null, source: 'segment' },
      { type: 'purchase', order_id: 'A-17', amount: '1234', currency: 'EUR', source: 'segment' },
    ]);
    await enrolled(t, 'seg-1', 'enrolment');

    // The same messageId again is a duplicate.
    const resend = new Analytics({ writeKey: t.apiKey, host: api2.url });
    resend.track({
      userId: 'seg-1',
      event: 'Order Completed',
      messageId: orderMessageId,
      properties: { order_id: 'A-17', revenue: 12.34, currency: 'EUR' },
    });
    await resend.closeAndFlush();
    const { rows: count } = await db.query(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1`, [t.tenantId]);
    expect(count[0].n).toBe(2);

    // Wrong write key: refused.
    const res = await fetch(`${api.url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('tl_live_nope:').toString('base64')}` },
      body: JSON.stringify({ userId: 'x', event: 'Signed Up', messageId: 'm' }),
    });
    expect(res.status).toBe(401);
  });

  it('gives links for a custom channel added as data', async () => {
    const t = await tenantWithCampaign();
    const updated = await gql(
      api,
      t.apiKey,
      `mutation($id: ID!, $input: UpdateCampaignInput!) { updateCampaign(id: $id, input: $input) { channels } }`,
      {
        id: t.campaignId,
        input: {
          channels: ['copy'],
          customChannels: [{ name: 'mastodon', shareUrlTemplate: 'https://mastodon.social/share?text={text}&u={url}' }],
        },
      },
    );
    expect(updated.data!.updateCampaign.channels).toEqual(['copy', 'mastodon']);
    await post('/v1/events', t.apiKey, { id: uid('ev'), type: 'signup', customerId: 'toot' });
    const enrolled = await gql(
      api,
      t.apiKey,
      `mutation($c: ID!) { enrollAdvocate(campaignId: $c, customerId: "toot") { code links { channel url shareUrl } } }`,
      {
        c: t.campaignId,
      },
    );
    const { code, links } = enrolled.data!.enrollAdvocate;
    const url = `${PUBLIC_URL}/r/${code}/mastodon`;
    expect(links[1]).toEqual({
      channel: 'mastodon',
      url,
      shareUrl: `https://mastodon.social/share?text=${encodeURIComponent('I love this shop, try it:')}&u=${encodeURIComponent(url)}`,
    });
  });

  it('enrols nobody into a PAUSED campaign, and the already eligible once it is active again', async () => {
    const t = await tenantWithCampaign();
    const pause = await gql(api, t.apiKey, `mutation($id: ID!) { setCampaignStatus(id: $id, status: PAUSED) { status } }`, {
      id: t.campaignId,
    });
    expect(pause.data!.setCampaignStatus.status).toBe('PAUSED');
    await post('/v1/events', t.apiKey, { id: uid('ev'), type: 'first_use', customerId: 'fan', occurredAt: daysAgo(1) });
    await post('/v1/feedback', t.apiKey, { id: uid('fb'), customerId: 'fan', nps: 10 });
    const c = await scored(t, 'fan', /^NPS 10/);
    expect(c.advocate).toBeNull();
    await new Promise((r) => setTimeout(r, 1000));
    expect((await customer(t, 'fan')).data!.customer.advocate).toBeNull();

    await gql(api, t.apiKey, `mutation($id: ID!) { setCampaignStatus(id: $id, status: ACTIVE) { status } }`, { id: t.campaignId });
    const advocate = await enrolled(t, 'fan', 'enrolment on activation');
    expect(advocate.code).toMatch(CODE);
  });

  it('refuses bad input naming each field, applying nothing', async () => {
    const t = await tenantWithCampaign();
    const good = { id: uid('ev'), type: 'signup', customerId: 'ok' };
    const bad = await post('/v1/events', t.apiKey, {
      batch: [
        good,
        { id: uid('ev'), type: 'teleport', customerId: 'ok' },
        { id: uid('ev'), type: 'signup', customerId: 'ok', email: 'not-an-email' },
        { id: uid('ev'), type: 'signup', customerId: 'x'.repeat(201) },
        { id: uid('ev'), type: 'purchase', customerId: 'ok', amount: 10.5, currency: 'EUR' },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BAD_USER_INPUT');
    expect((bad.body.error.fields as { field: string }[]).map((f) => f.field)).toEqual([
      'batch.1.type',
      'batch.2.email',
      'batch.3.customerId',
      'batch.4.amount',
    ]);
    const over = await post('/v1/events', t.apiKey, { batch: Array.from({ length: 501 }, (_, i) => ({ ...good, id: `e${i}` })) });
    expect([over.status, over.body.error.fields[0].field]).toEqual([400, 'batch']);
    for (const body of ['[1, 2]', '"event"', '42']) {
      const r = await post('/v1/events', t.apiKey, body);
      expect([r.status, r.body.error.fields?.[0]?.field]).toEqual([400, '(body)']);
    }
    expect((await post('/v1/events', t.apiKey, '{"id": ')).status).toBe(400);
    const nps = await post('/v1/feedback', t.apiKey, { id: uid('fb'), customerId: 'ok', nps: 11, csat: 0 });
    expect([nps.status, nps.body.error.fields.map((f: { field: string }) => f.field)]).toEqual([400, ['nps', 'csat']]);
    const gqlBad = await gql(api, t.apiKey, `mutation { recordFeedback(input: { id: "f", customerId: "ok", csat: 9 }) { accepted } }`);
    expect(gqlBad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(gqlBad.errors?.[0]?.extensions?.fields).toEqual([{ field: 'csat', message: 'must be from 1 to 5' }]);
    const gqlType = await gql(api, t.apiKey, `mutation { recordEvent(input: { id: "e", customerId: "ok", type: "nope" }) { accepted } }`);
    expect(gqlType.errors?.[0]?.extensions?.fields).toMatchObject([{ field: 'type' }]);

    const { rows } = await db.query(
      `SELECT (SELECT count(*)::int FROM events WHERE tenant_id = $1) AS events, (SELECT count(*)::int FROM feedback WHERE tenant_id = $1) AS feedback,
              (SELECT count(*)::int FROM customers WHERE tenant_id = $1) AS customers`,
      [t.tenantId],
    );
    expect(rows[0]).toEqual({ events: 0, feedback: 0, customers: 0 });

    const ok = await gql(api, t.apiKey, `mutation($input: EventInput!) { recordEvent(input: $input) { accepted duplicates } }`, {
      input: { ...good, properties: { plan: 'pro' } },
    });
    expect(ok.data!.recordEvent).toEqual({ accepted: 1, duplicates: 0 });
    // Stored events are history: the table refuses edits.
    await expect(db.query(`UPDATE events SET type = 'share' WHERE tenant_id = $1`, [t.tenantId])).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM events WHERE tenant_id = $1`, [t.tenantId])).rejects.toThrow(/append-only/);
  });

  it('enrols by hand with a vanity code; a taken code is a CONFLICT', async () => {
    const t = await tenantWithCampaign();
    await post('/v1/events', t.apiKey, {
      batch: [
        { id: uid('ev'), type: 'signup', customerId: 'v1' },
        { id: uid('ev'), type: 'signup', customerId: 'v2' },
      ],
    });
    const enrol = (customerId: string, code?: string, campaignId = t.campaignId, key = t.apiKey) =>
      gql(
        api,
        key,
        `mutation($c: ID!, $x: String!, $code: String) { enrollAdvocate(campaignId: $c, customerId: $x, code: $code) { id code links { url } } }`,
        {
          c: campaignId,
          x: customerId,
          code,
        },
      );
    const first = await enrol('v1', 'Ada-2026');
    expect(first.data!.enrollAdvocate.code).toBe('Ada-2026');
    expect(first.data!.enrollAdvocate.links[0].url).toBe(`${PUBLIC_URL}/r/Ada-2026/email`);
    expect((await enrol('v1', 'Ada-2026')).data!.enrollAdvocate.id).toBe(first.data!.enrollAdvocate.id);
    expect((await enrol('v2', 'ada-2026')).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const badCode = await enrol('v2', 'a b');
    expect([badCode.errors?.[0]?.extensions?.code, badCode.errors?.[0]?.extensions?.fields?.[0]?.field]).toEqual([
      'BAD_USER_INPUT',
      'code',
    ]);
    expect((await enrol('nobody')).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const other = await tenantWithCampaign();
    expect((await enrol('v2', undefined, other.campaignId)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const second = await enrol('v2');
    expect(second.data!.enrollAdvocate.code).toMatch(CODE);
  });
});
