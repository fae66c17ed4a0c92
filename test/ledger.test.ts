import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import pg from 'pg';
import { ReferralsService, RiskService } from '#libs/referrals/index.js';
import { CampaignRepository } from '#libs/campaigns/index.js';
import { OutboxWriter } from '#libs/outbox/index.js';
import type { QueueProducer } from '#libs/queue/index.js';
import { insertAdvocate, insertCampaign, insertConvertedReferral, insertTenant } from './support/fixtures.js';
import { services } from './support/services.js';

type Services = Awaited<ReturnType<typeof services>>;

describe('reward ledger', () => {
  let s: Services;
  let db: pg.Pool;
  let referrals: ReferralsService;

  beforeAll(async () => {
    s = await services();
    db = new pg.Pool({ connectionString: process.env.TL_TEST_DATABASE_URL, max: 10 });
    // refund() never enqueues; the producer is only used by attribute().
    referrals = new ReferralsService(
      s.db,
      new CampaignRepository(s.db),
      new OutboxWriter(),
      null as unknown as QueueProducer,
      s.rewards,
      new RiskService(),
    );
  });
  afterAll(async () => {
    await db.end();
    await s.close();
  });

  const balance = async (tenantId: string, advocateId: string) =>
    (await s.rewards.balances(tenantId, [advocateId])).get(advocateId)?.[0] ?? { pending: 0, available: 0, paid: 0, reversed: 0 };

  const booksBalance = async (tenantId: string) => {
    const { rows } = await db.query<{ unbalanced: string; total: string }>(
      `SELECT (SELECT count(*) FROM (SELECT transaction_id FROM ledger_entries WHERE tenant_id = $1 GROUP BY transaction_id HAVING sum(amount) <> 0) t)::text AS unbalanced,
              (SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE tenant_id = $1)::text AS total`,
      [tenantId],
    );
    return { unbalanced: Number(rows[0]!.unbalanced), total: Number(rows[0]!.total) };
  };

  it('refuses UPDATE and DELETE of ledger entries', async () => {
    const tenant = await insertTenant(db);
    const campaign = await insertCampaign(db, tenant);
    const advocate = await insertAdvocate(db, tenant, campaign);
    await s.rewards.credit(tenant, await insertConvertedReferral(db, tenant, campaign, advocate, 5000));
    await expect(db.query(`UPDATE ledger_entries SET amount = amount * 2 WHERE tenant_id = $1`, [tenant])).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM ledger_entries WHERE tenant_id = $1`, [tenant])).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM ledger_transactions WHERE tenant_id = $1`, [tenant])).rejects.toThrow(/append-only/);
  });

  it('credits FIXED and PERCENT rewards PENDING, once per referral and kind', async () => {
    const tenant = await insertTenant(db);
    const campaign = await insertCampaign(db, tenant, {
      advocateReward: { kind: 'PERCENT', percentBps: 1250, currency: 'USD' },
      friendIncentive: { kind: 'FIXED', amount: 500, currency: 'USD' },
      holdDays: 14,
    });
    const advocate = await insertAdvocate(db, tenant, campaign);
    const referral = await insertConvertedReferral(db, tenant, campaign, advocate, 3333);
    const results = await Promise.all([1, 2, 3, 4].map(() => s.rewards.credit(tenant, referral)));
    expect(
      results
        .flat()
        .map((r) => r.kind)
        .sort(),
    ).toEqual(['ADVOCATE', 'FRIEND']);
    const rewards = await s.rewards.forReferrals(tenant, [referral]);
    expect(rewards.map((r) => [r.kind, r.amount, r.status]).sort()).toEqual([
      ['ADVOCATE', 417, 'PENDING'], // 12.5% of 3333 = 416.625 → 417
      ['FRIEND', 500, 'PENDING'],
    ]);
    const advocateReward = rewards.find((r) => r.kind === 'ADVOCATE')!;
    expect(advocateReward.availableAt.getTime() - advocateReward.createdAt.getTime()).toBeGreaterThan(13.9 * 86_400_000);
    expect(await balance(tenant, advocate)).toMatchObject({ pending: 417, available: 0 });
    expect(await booksBalance(tenant)).toEqual({ unbalanced: 0, total: 0 });
    const outbox = await db.query(`SELECT type FROM outbox WHERE tenant_id = $1`, [tenant]);
    expect(outbox.rows.filter((r) => r.type === 'reward.credited')).toHaveLength(2);
  });

  it('gives 200 concurrent conversions for one advocate the exact balance', async () => {
    const tenant = await insertTenant(db);
    const campaign = await insertCampaign(db, tenant, { advocateReward: { kind: 'FIXED', amount: 250, currency: 'EUR' } });
    const advocate = await insertAdvocate(db, tenant, campaign);
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push(await insertConvertedReferral(db, tenant, campaign, advocate, 1000, 'EUR'));
    // every referral credited twice at once, as replays and retries would
    await Promise.all([...ids, ...ids].map((id) => s.rewards.credit(tenant, id)));
    expect(await balance(tenant, advocate)).toMatchObject({ pending: 200 * 250, currency: 'EUR' });
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM rewards WHERE advocate_id = $1`, [advocate]);
    expect(rows[0].n).toBe(200);
    expect(await booksBalance(tenant)).toEqual({ unbalanced: 0, total: 0 });
  });

  it('releases due rewards, reverses pending ones and claws back available ones', async () => {
    const tenant = await insertTenant(db);
    const campaign = await insertCampaign(db, tenant, { advocateReward: { kind: 'FIXED', amount: 1000, currency: 'USD' }, holdDays: 30 });
    const advocate = await insertAdvocate(db, tenant, campaign);
    const kept = await insertConvertedReferral(db, tenant, campaign, advocate, 8000, 'USD', `o-kept-${tenant}`);
    const early = await insertConvertedReferral(db, tenant, campaign, advocate, 8000, 'USD', `o-early-${tenant}`);
    const late = await insertConvertedReferral(db, tenant, campaign, advocate, 8000, 'USD', `o-late-${tenant}`);
    for (const id of [kept, early, late]) await s.rewards.credit(tenant, id);
    // refund during the hold: reversed from pending
    await referrals.refund({ tenantId: tenant, eventId: 'r1', orderId: `o-early-${tenant}`, amount: null, occurredAt: new Date() });
    await referrals.refund({ tenantId: tenant, eventId: 'r1', orderId: `o-early-${tenant}`, amount: null, occurredAt: new Date() });
    expect(await balance(tenant, advocate)).toMatchObject({ pending: 2000, available: 0, reversed: 1000 });
    // the clock moves past the hold
    expect(await s.rewards.releaseDue(new Date(Date.now() + 31 * 86_400_000))).toBeGreaterThanOrEqual(2);
    expect(await balance(tenant, advocate)).toMatchObject({ pending: 0, available: 2000 });
    await s.rewards.recordPayout(tenant, advocate, 1500, 'USD', 'payout-1');
    // refund after payout: clawed back; the available balance goes below zero
    await referrals.refund({ tenantId: tenant, eventId: 'r2', orderId: `o-late-${tenant}`, amount: null, occurredAt: new Date() });
    expect(await balance(tenant, advocate)).toMatchObject({ pending: 0, available: -500, paid: 1500, reversed: 2000 });
    const statuses = Object.fromEntries((await s.rewards.listForAdvocate(tenant, advocate)).map((r) => [r.referralId, r.status]));
    expect(statuses).toEqual({ [kept]: 'PAID', [early]: 'REVERSED', [late]: 'REVERSED' });
    expect(await booksBalance(tenant)).toEqual({ unbalanced: 0, total: 0 });
  });

  it('follows partial refunds pro rata for PERCENT rewards, and only full ones for FIXED', async () => {
    const tenant = await insertTenant(db);
    const percent = await insertCampaign(db, tenant, { advocateReward: { kind: 'PERCENT', percentBps: 1000, currency: 'USD' } });
    const fixed = await insertCampaign(db, tenant, { advocateReward: { kind: 'FIXED', amount: 700, currency: 'USD' } });
    const a1 = await insertAdvocate(db, tenant, percent);
    const a2 = await insertAdvocate(db, tenant, fixed);
    await s.rewards.credit(tenant, await insertConvertedReferral(db, tenant, percent, a1, 10_000, 'USD', `p-${tenant}`));
    await s.rewards.credit(tenant, await insertConvertedReferral(db, tenant, fixed, a2, 10_000, 'USD', `f-${tenant}`));
    for (const order of [`p-${tenant}`, `f-${tenant}`]) {
      await referrals.refund({ tenantId: tenant, eventId: `half-${order}`, orderId: order, amount: 2500, occurredAt: new Date() });
    }
    expect(await balance(tenant, a1)).toMatchObject({ pending: 750, reversed: 250 });
    expect(await balance(tenant, a2)).toMatchObject({ pending: 700, reversed: 0 });
    for (const order of [`p-${tenant}`, `f-${tenant}`]) {
      await referrals.refund({ tenantId: tenant, eventId: `rest-${order}`, orderId: order, amount: 7500, occurredAt: new Date() });
    }
    expect(await balance(tenant, a1)).toMatchObject({ pending: 0, reversed: 1000 });
    expect(await balance(tenant, a2)).toMatchObject({ pending: 0, reversed: 700 });
  });

  it('keeps a refund that arrives before its crediting and applies it', async () => {
    const tenant = await insertTenant(db);
    const campaign = await insertCampaign(db, tenant);
    const advocate = await insertAdvocate(db, tenant, campaign);
    const referral = await insertConvertedReferral(db, tenant, campaign, advocate, 4000, 'USD', `o-${tenant}`);
    await referrals.refund({ tenantId: tenant, eventId: 'first', orderId: `o-${tenant}`, amount: null, occurredAt: new Date() });
    expect(await s.rewards.credit(tenant, referral)).toEqual([]);
    expect(await balance(tenant, advocate)).toMatchObject({ pending: 0 });
  });

  it('credits nothing past the advocate cap or the campaign budget, and says why', async () => {
    const tenant = await insertTenant(db);
    const capped = await insertCampaign(db, tenant, { advocateCap: { amount: 2500, currency: 'USD' } });
    const budgeted = await insertCampaign(db, tenant, { budget: { amount: 3000, currency: 'USD' } });
    const a = await insertAdvocate(db, tenant, capped);
    const b = await insertAdvocate(db, tenant, budgeted);
    const c = await insertAdvocate(db, tenant, budgeted);
    const capRefs = await Promise.all([1, 2, 3].map(() => insertConvertedReferral(db, tenant, capped, a, 100)));
    const budgetRefs = await Promise.all([b, c, b, c].map((adv) => insertConvertedReferral(db, tenant, budgeted, adv, 100)));
    await Promise.all([...capRefs, ...budgetRefs].map((id) => s.rewards.credit(tenant, id)));
    expect(await balance(tenant, a)).toMatchObject({ pending: 2000 });
    const spent = (await balance(tenant, b)).pending + (await balance(tenant, c)).pending;
    expect(spent).toBe(3000);
    const { rows } = await db.query(
      `SELECT reward_blocked_reason FROM referrals WHERE tenant_id = $1 AND reward_blocked_reason IS NOT NULL`,
      [tenant],
    );
    expect(rows.map((r) => String(r.reward_blocked_reason).split(':')[0]).sort()).toEqual(['ADVOCATE_CAP', 'BUDGET']);
  });

  it('never overdraws under concurrent payouts', async () => {
    const tenant = await insertTenant(db);
    const campaign = await insertCampaign(db, tenant, { holdDays: 0 });
    const advocate = await insertAdvocate(db, tenant, campaign);
    for (let i = 0; i < 5; i++) await s.rewards.credit(tenant, await insertConvertedReferral(db, tenant, campaign, advocate, 100));
    await s.rewards.releaseDue(new Date(Date.now() + 1000));
    expect(await balance(tenant, advocate)).toMatchObject({ available: 5000 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => s.rewards.recordPayout(tenant, advocate, 700, 'USD', `p-${i}`)),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect(ok).toBe(7);
    expect(await balance(tenant, advocate)).toMatchObject({ available: 100, paid: 4900 });
  });

  it('matches a simple model of balances under random conversions, refunds, releases and payouts', async () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('convert' as const), adv: fc.nat(2), amount: fc.integer({ min: 1, max: 50_000 }) }),
      fc.record({
        t: fc.constant('refund' as const),
        ref: fc.nat(30),
        part: fc.option(fc.integer({ min: 1, max: 50_000 }), { nil: null }),
      }),
      fc.record({ t: fc.constant('release' as const) }),
      fc.record({ t: fc.constant('payout' as const), adv: fc.nat(2), amount: fc.integer({ min: 1, max: 5000 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 30 }), async (ops) => {
        const tenant = await insertTenant(db, 'model');
        const campaign = await insertCampaign(db, tenant, {
          advocateReward: { kind: 'PERCENT', percentBps: 1000, currency: 'USD' },
          holdDays: 0,
        });
        const advocates = [
          await insertAdvocate(db, tenant, campaign),
          await insertAdvocate(db, tenant, campaign),
          await insertAdvocate(db, tenant, campaign),
        ];
        type R = { adv: number; order: number; reward: number; reversed: number; refunded: number; status: 'PENDING' | 'AVAILABLE' };
        const model = advocates.map(() => ({ pending: 0, available: 0, paid: 0 }));
        const refs: (R & { orderId: string })[] = [];
        let n = 0;
        for (const o of ops) {
          if (o.t === 'convert') {
            const orderId = `m-${tenant}-${n++}`;
            const id = await insertConvertedReferral(db, tenant, campaign, advocates[o.adv]!, o.amount, 'USD', orderId);
            await s.rewards.credit(tenant, id);
            const reward = Math.floor((o.amount * 1000 + 5000) / 10_000);
            refs.push({ adv: o.adv, order: o.amount, reward, reversed: 0, refunded: 0, status: 'PENDING', orderId });
            model[o.adv]!.pending += reward;
          } else if (o.t === 'refund' && refs.length > 0) {
            const r = refs[o.ref % refs.length]!;
            await referrals.refund({ tenantId: tenant, eventId: `e-${n++}`, orderId: r.orderId, amount: o.part, occurredAt: new Date() });
            r.refunded = o.part === null ? r.order : Math.min(r.order, r.refunded + o.part);
            const target =
              r.refunded >= r.order ? r.reward : Math.min(r.reward, Math.floor((r.reward * r.refunded * 2 + r.order) / (2 * r.order)));
            const delta = target - r.reversed;
            if (delta > 0) {
              model[r.adv]![r.status === 'PENDING' ? 'pending' : 'available'] -= delta;
              r.reversed = target;
            }
          } else if (o.t === 'release') {
            await s.rewards.releaseDue(new Date(Date.now() + 1000));
            for (const r of refs) {
              if (r.status === 'PENDING' && r.reversed < r.reward) {
                model[r.adv]!.pending -= r.reward - r.reversed;
                model[r.adv]!.available += r.reward - r.reversed;
                r.status = 'AVAILABLE';
              } else if (r.status === 'PENDING') r.status = 'AVAILABLE'; // fully reversed ones stay out of the balance
            }
          } else if (o.t === 'payout') {
            const m = model[o.adv]!;
            const result = await s.rewards.recordPayout(tenant, advocates[o.adv]!, o.amount, 'USD', `po-${n++}`).then(
              () => true,
              () => false,
            );
            expect(result).toBe(o.amount <= m.available);
            if (result) {
              m.available -= o.amount;
              m.paid += o.amount;
            }
          }
        }
        for (let i = 0; i < advocates.length; i++) {
          const b = await balance(tenant, advocates[i]!);
          expect({ pending: b.pending, available: b.available, paid: b.paid }).toEqual(model[i]);
        }
        expect(await booksBalance(tenant)).toEqual({ unbalanced: 0, total: 0 });
      }),
      { numRuns: 60 },
    );
  });
});
