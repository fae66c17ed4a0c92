import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Stripe from 'stripe';
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

const stripe = new Stripe('sk_test_unused');
const SECRET = 'whsec_test_truthloop_0123456789';

describe('Stripe webhooks', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: RunningProcess;
  let db: pg.Pool;
  let tenant: { tenantId: string; apiKey: string };
  let code: string;
  let advocateId: string;

  beforeAll(async () => {
    env = testEnv();
    [api, worker] = (await Promise.all([startApi(env), startWorker(env)])) as [RunningApi, RunningProcess];
    db = pool(env);
    tenant = await createTenant(env, 'Stripe brand');
    const set = await gql(api, tenant.apiKey, `mutation($s: String!) { setStripeWebhookSecret(secret: $s) }`, { s: SECRET });
    expect(set.data).toEqual({ setStripeWebhookSecret: true });
    const campaignId = await seedCampaign(env, tenant.tenantId, {
      name: 'Stripe',
      advocateReward: { kind: 'PERCENT', percentBps: 2000, currency: 'EUR' },
    });
    await fetch(`${api.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.apiKey}` },
      body: JSON.stringify({ id: 'adv-use', type: 'first_use', customerId: 'advocate-1' }),
    });
    const enrolled = await gql(
      api,
      tenant.apiKey,
      `mutation($c: ID!) { enrollAdvocate(campaignId: $c, customerId: "advocate-1") { id code } }`,
      { c: campaignId },
    );
    code = enrolled.data!.enrollAdvocate.code as string;
    advocateId = enrolled.data!.enrollAdvocate.id as string;
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await db?.end();
  });

  const deliver = (payload: string, header: string, tenantId = tenant.tenantId) =>
    fetch(`${api.url}/webhooks/stripe/${tenantId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      body: payload,
    });
  const signed = (payload: string, timestamp = Math.floor(Date.now() / 1000), secret = SECRET) =>
    stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });

  const checkout = (id: string, session: Record<string, unknown>) =>
    JSON.stringify({
      id,
      object: 'event',
      type: 'checkout.session.completed',
      created: Math.floor(Date.now() / 1000),
      data: { object: { object: 'checkout.session', ...session } },
    });
  const refund = (id: string, paymentIntent: string, refunded: number) =>
    JSON.stringify({
      id,
      object: 'event',
      type: 'charge.refunded',
      created: Math.floor(Date.now() / 1000),
      data: { object: { object: 'charge', id: `ch_${id}`, payment_intent: paymentIntent, amount_refunded: refunded, currency: 'eur' } },
    });
  const balance = async () =>
    (await gql(api, tenant.apiKey, `query($id: ID!) { advocate(id: $id) { balance { pending reversed currency } } }`, { id: advocateId }))
      .data!.advocate.balance as {
      pending: number;
      reversed: number;
    };

  it('rejects forged, stale, future and re-serialised deliveries, applying nothing', async () => {
    const body = checkout('evt_forged', {
      id: 'cs_forged',
      client_reference_id: 'forger',
      payment_intent: 'pi_forged',
      amount_total: 9999,
      currency: 'eur',
      metadata: { referralCode: code },
    });
    const now = Math.floor(Date.now() / 1000);
    const attempts = [
      deliver(body, signed(body, now, 'whsec_wrong_secret_123456')),
      deliver(body, signed(body, now - 360)),
      deliver(body, signed(body, now + 360)),
      deliver(JSON.stringify(JSON.parse(body), null, 2), signed(body)),
      deliver(body.replace('9999', '99999'), signed(body)),
      deliver(body, 't=abc,v1=deadbeef'),
      deliver(body, signed(body), '00000000-0000-0000-0000-000000000000'),
    ];
    for (const res of await Promise.all(attempts)) expect(res.status).toBe(400);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND event_id = 'evt_forged'`, [
      tenant.tenantId,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('maps checkout and refunds, deduplicating replays by Stripe event id', async () => {
    const purchase = checkout('evt_buy_1', {
      id: 'cs_1',
      client_reference_id: 'friend-1',
      payment_intent: 'pi_1',
      amount_total: 5000,
      currency: 'eur',
      customer_details: { email: 'friend1@example.com', name: 'Friend One' },
      metadata: { referralCode: code },
    });
    for (let i = 0; i < 3; i++) {
      const res = await deliver(purchase, signed(purchase));
      expect(res.status).toBe(200);
    }
    await eventually(async () => (await balance()).pending === 1000 || undefined, 20_000, 'the reward of the Stripe purchase');
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM rewards WHERE tenant_id = $1`, [tenant.tenantId]);
    expect(rows[0].n).toBe(1);

    // a partial refund of 20.00 then the rest: Stripe reports running totals
    for (const [id, total] of [
      ['evt_ref_1', 2000],
      ['evt_ref_1', 2000],
      ['evt_ref_2', 5000],
    ] as const) {
      const body = refund(id, 'pi_1', total);
      expect((await deliver(body, signed(body))).status).toBe(200);
    }
    await eventually(async () => ((await balance()).reversed === 1000 ? true : undefined), 20_000, 'the reversal');
    expect(await balance()).toMatchObject({ pending: 0, reversed: 1000, currency: 'EUR' });
  });

  it('keeps a refund that arrives before its purchase', async () => {
    const early = refund('evt_early_refund', 'pi_2', 3000);
    expect((await deliver(early, signed(early))).status).toBe(200);
    const purchase = checkout('evt_buy_2', {
      id: 'cs_2',
      client_reference_id: 'friend-2',
      payment_intent: 'pi_2',
      amount_total: 3000,
      currency: 'eur',
      metadata: { referralCode: code },
    });
    expect((await deliver(purchase, signed(purchase))).status).toBe(200);
    await eventually(
      async () => {
        const { rows } = await db.query(
          `SELECT status FROM referrals r JOIN customers c ON c.id = r.referred_customer_id WHERE c.external_id = 'friend-2'`,
        );
        return rows[0]?.status === 'REVERSED' || undefined;
      },
      20_000,
      'the early refund applied',
    );
    // the books read as if the refund had come after the purchase: credited and reversed at once
    const held = async () => {
      const { rows } = await db.query<{ status: string }>(
        `SELECT r.status FROM rewards r JOIN referrals f ON f.id = r.referral_id WHERE f.order_id = 'pi_2' AND r.superseded_at IS NULL`,
      );
      return rows.map((r) => r.status);
    };
    await eventually(async () => ((await held()).length > 0 ? true : undefined), 20_000, 'the rewards of the refunded order');
    expect(new Set(await held())).toEqual(new Set(['REVERSED']));
  });
});
