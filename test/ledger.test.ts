import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import pg from 'pg';
import { RewardsService } from '#libs/rewards/index.js';
import type { CampaignInput } from '#libs/campaigns/index.js';
import type { WorldBuilder } from '#libs/world/index.js';
import { testEnv } from './support/harness.js';
import { testWorld } from './support/world.js';

type World = Awaited<ReturnType<typeof testWorld>>;

/** The reward ledger, driven through the real services in this process (no worker runs). */
describe('reward ledger', () => {
  let world: World;
  let w: WorldBuilder;
  let rewards: RewardsService;
  let db: pg.Pool;

  beforeAll(async () => {
    const env = testEnv();
    world = await testWorld(env);
    w = world.builder;
    rewards = world.app.get(RewardsService);
    db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 10 });
  });
  afterAll(async () => {
    await db?.end();
    await world?.close();
  });

  const balance = async (tenantId: string, advocateId: string) =>
    (await rewards.balances(tenantId, [advocateId])).get(advocateId)?.[0] ?? { pending: 0, available: 0, paid: 0, reversed: 0 };

  const booksBalance = async (tenantId: string) => {
    const { rows } = await db.query<{ unbalanced: string; total: string }>(
      `SELECT (SELECT count(*) FROM (SELECT transaction_id FROM ledger_entries WHERE tenant_id = $1 GROUP BY transaction_id HAVING sum(amount) <> 0) t)::text AS unbalanced,
              (SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE tenant_id = $1)::text AS total`,
      [tenantId],
    );
    return { unbalanced: Number(rows[0]!.unbalanced), total: Number(rows[0]!.total) };
  };

  /** A tenant, a campaign (FIXED 10 USD unless told otherwise) and its advocates. */
  async function campaignWith(advocates: number, input: CampaignInput = {}) {
    const { tenantId } = await w.tenant('Ledger');
    const campaign = await w.campaign(tenantId, { advocateReward: { kind: 'FIXED', amount: 1000, currency: 'USD' }, ...input });
    const list = [];
    for (let i = 0; i < advocates; i++) list.push(await w.advocate(tenantId, campaign.id));
    return { tenantId, campaign, advocates: list };
  }

  it('refuses UPDATE and DELETE of ledger entries', async () => {
    const { tenantId, advocates } = await campaignWith(1);
    await w.conversion(tenantId, advocates[0]!, { amount: 5000 });
    await expect(db.query(`UPDATE ledger_entries SET amount = amount * 2 WHERE tenant_id = $1`, [tenantId])).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM ledger_entries WHERE tenant_id = $1`, [tenantId])).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM ledger_transactions WHERE tenant_id = $1`, [tenantId])).rejects.toThrow(/append-only/);
  });

  it('credits FIXED and PERCENT rewards PENDING, once per referral and kind', async () => {
    const { tenantId, advocates } = await campaignWith(1, {
      advocateReward: { kind: 'PERCENT', percentBps: 1250, currency: 'USD' },
      friendIncentive: { kind: 'FIXED', amount: 500, currency: 'USD' },
      holdDays: 14,
    });
    const referral = await w.conversion(tenantId, advocates[0]!, { amount: 3333 }, { credit: false });
    const results = await Promise.all([1, 2, 3, 4].map(() => rewards.sync(tenantId, referral.id)));
    expect(
      results
        .flat()
        .map((r) => r.kind)
        .sort(),
    ).toEqual(['ADVOCATE', 'FRIEND']);
    const credited = await rewards.forReferrals(tenantId, [referral.id]);
    expect(credited.map((r) => [r.kind, r.amount, r.status]).sort()).toEqual([
      ['ADVOCATE', 417, 'PENDING'], // 12.5% of 3333 = 416.625 → 417
      ['FRIEND', 500, 'PENDING'],
    ]);
    const advocateReward = credited.find((r) => r.kind === 'ADVOCATE')!;
    expect(advocateReward.availableAt.getTime() - advocateReward.createdAt.getTime()).toBeGreaterThan(13.9 * 86_400_000);
    expect(await balance(tenantId, advocates[0]!.id)).toMatchObject({ pending: 417, available: 0 });
    expect(await booksBalance(tenantId)).toEqual({ unbalanced: 0, total: 0 });
    const outbox = await db.query(`SELECT type FROM outbox WHERE tenant_id = $1`, [tenantId]);
    expect(outbox.rows.filter((r) => r.type === 'reward.credited')).toHaveLength(2);
  });

  it('gives 200 concurrent conversions for one advocate the exact balance', async () => {
    const { tenantId, advocates } = await campaignWith(1, { advocateReward: { kind: 'FIXED', amount: 250, currency: 'EUR' } });
    const ids: string[] = [];
    for (let i = 0; i < 200; i++)
      ids.push((await w.conversion(tenantId, advocates[0]!, { amount: 1000, currency: 'EUR' }, { credit: false })).id);
    // every referral credited twice at once, as replays and retries would
    await Promise.all([...ids, ...ids].map((id) => rewards.sync(tenantId, id)));
    expect(await balance(tenantId, advocates[0]!.id)).toMatchObject({ pending: 200 * 250, currency: 'EUR' });
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM rewards WHERE advocate_id = $1`, [advocates[0]!.id]);
    expect(rows[0].n).toBe(200);
    expect(await booksBalance(tenantId)).toEqual({ unbalanced: 0, total: 0 });
  });

  it('releases due rewards, reverses pending ones and claws back available ones', async () => {
    const { tenantId, advocates } = await campaignWith(1, { holdDays: 30 });
    const advocate = advocates[0]!.id;
    const kept = await w.conversion(tenantId, advocates[0]!, { amount: 8000 });
    const early = await w.conversion(tenantId, advocates[0]!, { amount: 8000 });
    const late = await w.conversion(tenantId, advocates[0]!, { amount: 8000 });
    // refund during the hold: reversed from pending (the same refund event twice changes nothing more)
    await w.refund(early);
    await w.refund(early);
    expect(await balance(tenantId, advocate)).toMatchObject({ pending: 2000, available: 0, reversed: 1000 });
    // the clock moves past the hold
    expect(await rewards.releaseDue(new Date(Date.now() + 31 * 86_400_000))).toBeGreaterThanOrEqual(2);
    expect(await balance(tenantId, advocate)).toMatchObject({ pending: 0, available: 2000 });
    await rewards.recordPayout(tenantId, advocate, 1500, 'USD', `payout-${tenantId}`);
    // refund after payout: clawed back; the available balance goes below zero
    await w.refund(late);
    expect(await balance(tenantId, advocate)).toMatchObject({ pending: 0, available: -500, paid: 1500, reversed: 2000 });
    const statuses = Object.fromEntries((await rewards.listForAdvocate(tenantId, advocate)).map((r) => [r.referralId, r.status]));
    expect(statuses).toEqual({ [kept.id]: 'PAID', [early.id]: 'REVERSED', [late.id]: 'REVERSED' });
    expect(await booksBalance(tenantId)).toEqual({ unbalanced: 0, total: 0 });
  });

  it('follows partial refunds pro rata for PERCENT rewards, and only full ones for FIXED', async () => {
    const p = await campaignWith(1, { advocateReward: { kind: 'PERCENT', percentBps: 1000, currency: 'USD' } });
    const f = await campaignWith(1, { advocateReward: { kind: 'FIXED', amount: 700, currency: 'USD' } });
    const pr = await w.conversion(p.tenantId, p.advocates[0]!, { amount: 10_000 });
    const fr = await w.conversion(f.tenantId, f.advocates[0]!, { amount: 10_000 });
    for (const r of [pr, fr]) await w.refund(r, 2500);
    expect(await balance(p.tenantId, p.advocates[0]!.id)).toMatchObject({ pending: 750, reversed: 250 });
    expect(await balance(f.tenantId, f.advocates[0]!.id)).toMatchObject({ pending: 700, reversed: 0 });
    for (const r of [pr, fr]) await w.refund(r, 7500);
    expect(await balance(p.tenantId, p.advocates[0]!.id)).toMatchObject({ pending: 0, reversed: 1000 });
    expect(await balance(f.tenantId, f.advocates[0]!.id)).toMatchObject({ pending: 0, reversed: 700 });
  });

  it('keeps a refund that arrives before its crediting and applies it: credited and reversed at once', async () => {
    const { tenantId, advocates } = await campaignWith(1);
    const referral = await w.conversion(tenantId, advocates[0]!, { amount: 4000 }, { credit: false });
    await w.refund(referral, undefined, { credit: false });
    expect((await rewards.sync(tenantId, referral.id)).map((r) => r.kind)).toEqual(['ADVOCATE']);
    expect(await balance(tenantId, advocates[0]!.id)).toMatchObject({ pending: 0, reversed: 1000 });
    expect((await rewards.forReferrals(tenantId, [referral.id])).map((r) => r.status)).toEqual(['REVERSED']);
    expect(await booksBalance(tenantId)).toEqual({ unbalanced: 0, total: 0 });
  });

  it('credits nothing past the advocate cap or the campaign budget, and says why', async () => {
    const capped = await campaignWith(1, { advocateCap: { amount: 2500, currency: 'USD' } });
    const budgeted = await campaignWith(2, { budget: { amount: 3000, currency: 'USD' } });
    const [a] = capped.advocates;
    const [b, c] = budgeted.advocates;
    const capRefs = [];
    for (let i = 0; i < 3; i++) capRefs.push(await w.conversion(capped.tenantId, a!, { amount: 100 }, { credit: false }));
    const budgetRefs = [];
    for (const adv of [b, c, b, c]) budgetRefs.push(await w.conversion(budgeted.tenantId, adv!, { amount: 100 }, { credit: false }));
    await Promise.all([...capRefs, ...budgetRefs].map((r) => rewards.sync(r.tenantId, r.id)));
    expect(await balance(capped.tenantId, a!.id)).toMatchObject({ pending: 2000 });
    const spent = (await balance(budgeted.tenantId, b!.id)).pending + (await balance(budgeted.tenantId, c!.id)).pending;
    expect(spent).toBe(3000);
    const { rows } = await db.query(
      `SELECT reward_blocked_reason FROM referrals WHERE tenant_id = ANY($1) AND reward_blocked_reason IS NOT NULL`,
      [[capped.tenantId, budgeted.tenantId]],
    );
    expect(rows.map((r) => String(r.reward_blocked_reason).split(':')[0]).sort()).toEqual(['ADVOCATE_CAP', 'BUDGET']);
  });

  it('never overdraws under concurrent payouts', async () => {
    const { tenantId, advocates } = await campaignWith(1, { holdDays: 0 });
    for (let i = 0; i < 5; i++) await w.conversion(tenantId, advocates[0]!, { amount: 100 });
    await rewards.releaseDue(new Date(Date.now() + 1000));
    const advocate = advocates[0]!.id;
    expect(await balance(tenantId, advocate)).toMatchObject({ available: 5000 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => rewards.recordPayout(tenantId, advocate, 700, 'USD', `p-${tenantId}-${i}`)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7);
    expect(await balance(tenantId, advocate)).toMatchObject({ available: 100, paid: 4900 });
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
        const { tenantId, advocates } = await campaignWith(3, {
          advocateReward: { kind: 'PERCENT', percentBps: 1000, currency: 'USD' },
          holdDays: 0,
        });
        type R = { adv: number; order: number; reward: number; reversed: number; refunded: number; status: 'PENDING' | 'AVAILABLE' };
        const model = advocates.map(() => ({ pending: 0, available: 0, paid: 0 }));
        const refs: (R & { referral: Awaited<ReturnType<WorldBuilder['conversion']>> })[] = [];
        let n = 0;
        for (const o of ops) {
          if (o.t === 'convert') {
            const referral = await w.conversion(tenantId, advocates[o.adv]!, { amount: o.amount });
            const reward = Math.floor((o.amount * 1000 + 5000) / 10_000);
            refs.push({ adv: o.adv, order: o.amount, reward, reversed: 0, refunded: 0, status: 'PENDING', referral });
            model[o.adv]!.pending += reward;
          } else if (o.t === 'refund' && refs.length > 0) {
            const r = refs[o.ref % refs.length]!;
            await w.refund(r.referral, o.part ?? undefined);
            r.refunded = o.part === null ? r.order : Math.min(r.order, r.refunded + o.part);
            const target =
              r.refunded >= r.order ? r.reward : Math.min(r.reward, Math.floor((r.reward * r.refunded * 2 + r.order) / (2 * r.order)));
            const delta = target - r.reversed;
            if (delta > 0) {
              model[r.adv]![r.status === 'PENDING' ? 'pending' : 'available'] -= delta;
              r.reversed = target;
            }
          } else if (o.t === 'release') {
            await rewards.releaseDue(new Date(Date.now() + 1000));
            for (const r of refs) {
              if (r.status === 'PENDING' && r.reversed < r.reward) {
                model[r.adv]!.pending -= r.reward - r.reversed;
                model[r.adv]!.available += r.reward - r.reversed;
              }
              r.status = 'AVAILABLE'; // fully reversed ones stay out of the balance
            }
          } else if (o.t === 'payout') {
            const m = model[o.adv]!;
            const result = await rewards.recordPayout(tenantId, advocates[o.adv]!.id, o.amount, 'USD', `po-${tenantId}-${n++}`).then(
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
          const b = await balance(tenantId, advocates[i]!.id);
          expect({ pending: b.pending, available: b.available, paid: b.paid }).toEqual(model[i]);
        }
        expect(await booksBalance(tenantId)).toEqual({ unbalanced: 0, total: 0 });
      }),
      { numRuns: 40 },
    );
  });
});
