import { afterAll, describe, expect, it } from '@jest/globals';
import Stripe from 'stripe';
import type pg from 'pg';
import { createTenant, gql, pool, startApi, startWorker, testEnv, type RunningApi, type RunningProcess } from '../support/harness.js';
import { PROFILE, Rng, accountBalances, bookViolations, pick, postWithRetry, recordFigures, seedOf, sleep } from './support/chaos.js';
import { campaignWithAdvocates, type Advocate } from './support/world.js';

const stripe = new Stripe('sk_test_unused');
const SECRET = 'whsec_chaos_replay_0123456789';

/** One delivery: a customer event to /v1/events or a Stripe event to the webhook, in a tenant-neutral form. */
type Delivery =
  | { via: 'events'; order: number; refund: boolean; event: Record<string, unknown> }
  | { via: 'stripe'; order: number; refund: boolean; event: Record<string, unknown> };

/**
 * Guarantee 3: the books depend on what happened, not on how it was delivered. Tenant A receives
 * every event and Stripe webhook three times, shuffled, refunds before their purchases; tenant B
 * the same history once, in order. Their final books are equal.
 */
describe('chaos: replay and disorder', () => {
  const seed = seedOf('replay');
  const rng = new Rng(seed);
  const friends = pick({ ci: 80, full: 250 });
  let api: RunningApi | undefined;
  let worker: RunningProcess | undefined;
  let db: pg.Pool | undefined;

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await db?.end();
  });

  it(`gives the same books for ×3 shuffled deliveries with refunds first as for in-order delivery (${friends} orders)`, async () => {
    const env = testEnv();
    [api, worker] = (await Promise.all([startApi(env), startWorker(env)])) as [RunningApi, RunningProcess];
    db = pool(env);
    const tenants = await Promise.all([createTenant(env, 'Chaos replay A'), createTenant(env, 'Chaos replay B')]);
    const worlds: { campaignId: string; advocates: Advocate[] }[] = [];
    for (const t of tenants) {
      worlds.push(await campaignWithAdvocates(env, t.tenantId, 12));
      const set = await gql(api, t.apiKey, `mutation($s: String!) { setStripeWebhookSecret(secret: $s) }`, { s: SECRET });
      expect(set.data).toEqual({ setStripeWebhookSecret: true });
    }

    // One history: a signup now and then, a purchase per friend, refunds for some (partial, several, full).
    const t0 = Date.now() - 3 * 86_400_000;
    const at = (minutes: number) => new Date(t0 + minutes * 60_000);
    const history: Delivery[] = [];
    for (let j = 0; j < friends; j++) {
      const advocate = rng.int(0, 11);
      const amount = rng.int(1000, 30_000);
      const customerId = `replay-friend-${j}`;
      const viaStripe = rng.chance(0.5);
      if (!viaStripe && rng.chance(0.3)) {
        history.push({
          via: 'events',
          order: j,
          refund: false,
          event: { id: `sig-${j}`, type: 'signup', customerId, advocate, occurredAt: at(j * 10) },
        });
      }
      if (viaStripe) {
        history.push({
          via: 'stripe',
          order: j,
          refund: false,
          event: {
            id: `evt_buy_${j}`,
            type: 'checkout.session.completed',
            created: at(j * 10 + 1),
            customerId,
            advocate,
            pi: `pi_${j}`,
            amount,
          },
        });
      } else {
        history.push({
          via: 'events',
          order: j,
          refund: false,
          event: {
            id: `buy-${j}`,
            type: 'purchase',
            customerId,
            advocate,
            orderId: `order-${j}`,
            amount,
            currency: 'USD',
            occurredAt: at(j * 10 + 1),
          },
        });
      }
      if (rng.chance(0.45)) {
        const n = rng.int(1, 3);
        let so = 0;
        for (let k = 0; k < n; k++) {
          const full = !viaStripe && rng.chance(0.15);
          const part = rng.int(1, Math.max(1, Math.floor((amount - so) / (n - k))));
          so = Math.min(amount, so + part);
          const when = at(j * 10 + 2 + k);
          if (viaStripe) {
            // Stripe reports the running total refunded on the charge.
            const cumulative = k === n - 1 && rng.chance(0.3) ? amount : so;
            history.push({
              via: 'stripe',
              order: j,
              refund: true,
              event: { id: `evt_ref_${j}_${k}`, type: 'charge.refunded', created: when, pi: `pi_${j}`, cumulative },
            });
          } else {
            history.push({
              via: 'events',
              order: j,
              refund: true,
              event: {
                id: `ref-${j}-${k}`,
                type: 'refund',
                customerId,
                orderId: `order-${j}`,
                ...(full ? {} : { amount: part, currency: 'USD' }),
                occurredAt: when,
              },
            });
          }
        }
      }
    }

    const send = async (tenant: number, d: Delivery) => {
      const { tenantId, apiKey } = tenants[tenant]!;
      const { advocates } = worlds[tenant]!;
      const e = d.event as Record<string, unknown> & { advocate?: number; created?: Date; occurredAt?: Date };
      if (d.via === 'events') {
        const { advocate, occurredAt, ...rest } = e;
        const body = {
          ...rest,
          occurredAt: occurredAt!.toISOString(),
          ...(advocate !== undefined ? { referralCode: advocates[advocate]!.code } : {}),
        };
        const res = await postWithRetry(`${api!.url}/v1/events`, body, { authorization: `Bearer ${apiKey}` });
        expect(res.status).toBe(202);
        return;
      }
      const created = Math.floor(e.created!.getTime() / 1000);
      const object =
        e.type === 'checkout.session.completed'
          ? {
              object: 'checkout.session',
              id: `cs_${e.pi as string}`,
              client_reference_id: e.customerId,
              payment_intent: e.pi,
              amount_total: e.amount,
              currency: 'usd',
              metadata: { referralCode: advocates[e.advocate!]!.code },
            }
          : { object: 'charge', id: `ch_${e.pi as string}`, payment_intent: e.pi, amount_refunded: e.cumulative, currency: 'usd' };
      const payload = JSON.stringify({ id: e.id, object: 'event', type: e.type, created, data: { object } });
      for (;;) {
        const res = await fetch(`${api!.url}/webhooks/stripe/${tenantId}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }),
          },
          body: payload,
        });
        if (res.status < 500) {
          expect(res.status).toBe(200);
          return;
        }
      }
    };

    // B: once, in order. A: three times, shuffled, with a copy of every refund before anything else.
    for (const d of history) await send(1, d);
    const chaotic = rng.shuffle([...history, ...history, ...history].filter((_, i) => i >= 0));
    const refundsFirst = rng.shuffle(history.filter((d) => d.refund));
    const stream = [
      ...refundsFirst,
      ...chaotic.filter((d, i) => !(d.refund && chaotic.indexOf(d) === i && refundsFirst.includes(d) && false)),
    ];
    // A few parallel senders: deliveries also race each other.
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < stream.length) {
          const d = stream[next++]!;
          await send(0, d);
          if (rng.chance(0.05)) await sleep(rng.int(0, 50));
        }
      }),
    );
    // Refunds sent first plus the three shuffled copies: every refund arrives four times in A.
    const deliveredToA = stream.length;

    // Both tenants settle: every effectful event applied, every creditable referral credited.
    const settled = async (tenantId: string) => {
      const { rows } = await db!.query<{ unapplied: number; uncredited: number }>(
        `SELECT (SELECT count(*)::int FROM events e WHERE e.tenant_id = $1 AND e.type IN ('signup','purchase','refund')
                   AND NOT EXISTS (SELECT 1 FROM event_effects x WHERE x.event_uuid = e.id)) AS unapplied,
                (SELECT count(*)::int FROM referrals f WHERE f.tenant_id = $1 AND f.rewards_version < f.version) AS uncredited`,
        [tenantId],
      );
      return rows[0]!;
    };
    const deadline = Date.now() + 180_000;
    let last: unknown;
    for (;;) {
      const [a, b] = await Promise.all(tenants.map((t) => settled(t.tenantId)));
      last = { a, b };
      if (a!.unapplied === 0 && b!.unapplied === 0 && a!.uncredited === 0 && b!.uncredited === 0) break;
      if (Date.now() > deadline) break;
      await sleep(500);
    }
    await sleep(1500);

    // The books of each tenant, in tenant-neutral terms (order numbers, advocate numbers, friend ids).
    const books = async (tenant: number) => {
      const { tenantId } = tenants[tenant]!;
      const { advocates, campaignId } = worlds[tenant]!;
      const advocateNo = new Map(advocates.map((a, i) => [a.id, i]));
      const referrals = await db!.query<{
        friend: string;
        advocate_id: string;
        status: string;
        order_id: string;
        amount: string;
        refunded: string;
      }>(
        `SELECT c.external_id AS friend, f.advocate_id, f.status, f.order_id, f.amount::text, f.refunded_amount::text AS refunded
         FROM referrals f JOIN customers c ON c.id = f.referred_customer_id WHERE f.tenant_id = $1 ORDER BY c.external_id`,
        [tenantId],
      );
      // Every live reward, reversed ones included: a full refund applied before the crediting credits
      // and reverses at once, as in order.
      const rewards = await db!.query<{ friend: string; kind: string; amount: string; reversed: string; status: string }>(
        `SELECT c.external_id AS friend, r.kind, r.amount::text, r.reversed_amount::text AS reversed, r.status
         FROM rewards r JOIN referrals f ON f.id = r.referral_id JOIN customers c ON c.id = f.referred_customer_id
         WHERE r.tenant_id = $1 AND r.superseded_at IS NULL ORDER BY c.external_id, r.kind`,
        [tenantId],
      );
      const friendOf = new Map<string, string>();
      for (const r of (
        await db!.query<{ id: string; ext: string }>(`SELECT id, external_id AS ext FROM customers WHERE tenant_id = $1`, [tenantId])
      ).rows)
        friendOf.set(r.id, r.ext);
      const accounts: Record<string, number> = {};
      for (const [key, value] of await accountBalances(db!, tenantId)) {
        const [type, owner, kind, currency] = key.split(':');
        const who =
          type === 'advocate'
            ? `advocate#${advocateNo.get(owner!)}`
            : type === 'campaign'
              ? owner === campaignId
                ? 'campaign'
                : owner
              : friendOf.get(owner!);
        if (value !== 0) accounts[`${who}:${kind}:${currency}`] = value;
      }
      const sorted = Object.fromEntries(Object.entries(accounts).sort(([x], [y]) => (x < y ? -1 : 1)));
      return {
        referrals: referrals.rows.map((r) => ({ ...r, advocate_id: advocateNo.get(r.advocate_id) })),
        rewards: rewards.rows,
        accounts: sorted,
      };
    };
    const [a, b] = [await books(0), await books(1)];
    const violations = [...(await bookViolations(db, tenants[0]!.tenantId)), ...(await bookViolations(db, tenants[1]!.tenantId))];
    const diff = (what: string, x: unknown, y: unknown) => {
      if (JSON.stringify(x) !== JSON.stringify(y)) violations.push(`${what} differ`);
    };
    diff('referrals', a.referrals, b.referrals);
    diff('rewards', a.rewards, b.rewards);
    diff('account balances', a.accounts, b.accounts);
    if (b.referrals.length !== friends) violations.push(`in-order tenant has ${b.referrals.length} referrals of ${friends}`);

    recordFigures({
      scenario: 'replay',
      seed,
      profile: PROFILE,
      runs: 1,
      faults: deliveredToA - history.length,
      inputs: deliveredToA + history.length,
      violations: violations.length,
      details: {
        orders: friends,
        deliveriesInOrder: history.length,
        deliveriesChaotic: deliveredToA,
        refunds: history.filter((d) => d.refund).length,
        stripeDeliveries: history.filter((d) => d.via === 'stripe').length,
        settled: last,
        rewardsCompared: b.rewards.length,
      },
    });
    if (violations.length) {
      const firstDiff = (x: unknown[], y: unknown[]) => x.findIndex((v, i) => JSON.stringify(v) !== JSON.stringify(y[i]));
      const i = firstDiff(a.rewards, b.rewards);
      const k = firstDiff(a.referrals, b.referrals);
      const keys = [...new Set([...Object.keys(a.accounts), ...Object.keys(b.accounts)])].filter(
        (key) => a.accounts[key] !== b.accounts[key],
      );
      process.stdout.write(
        `[chaos] replay account differences: ${keys
          .slice(0, 5)
          .map((key) => `${key} A ${a.accounts[key]} B ${b.accounts[key]}`)
          .join('; ')}\n`,
      );
      process.stdout.write(
        `[chaos] replay differences: reward A ${JSON.stringify(a.rewards[i])} B ${JSON.stringify(b.rewards[i])}; referral A ${JSON.stringify(a.referrals[k])} B ${JSON.stringify(b.referrals[k])}\n`,
      );
    }
    expect(violations).toEqual([]);
  }, 600_000);
});
