import { Injectable, Logger } from '@nestjs/common';
import { ConflictError, NotFoundError, ValidationError, isUuid } from '#libs/common/index.js';
import { Db, type Sql } from '#libs/database/index.js';
import { CampaignRepository, type Campaign, type RewardRule } from '#libs/campaigns/index.js';
import { LedgerService, percentOf, type AccountRef } from '#libs/ledger/index.js';
import { OutboxWriter } from '#libs/outbox/index.js';
import { REFERRAL_COLUMNS, toReferral, type Referral, type ReferralRow } from '#libs/referrals/referral.js';
import { REWARD_COLUMNS, reversalTarget, toReward, type Reward, type RewardKindName, type RewardRow } from './reward.js';

const DAY_MS = 86_400_000;

export interface Balance {
  pending: number;
  available: number;
  paid: number;
  reversed: number;
  currency: string;
}

/**
 * Rewards through their life: credited PENDING once per (referral, kind), released to AVAILABLE
 * after the hold, reversed or clawed back on refunds, paid out. Every money movement is a ledger
 * posting with an idempotency key, in the same transaction as the reward's state change.
 */
@Injectable()
export class RewardsService {
  private readonly logger = new Logger(RewardsService.name);

  constructor(
    private readonly db: Db,
    private readonly ledger: LedgerService,
    private readonly campaigns: CampaignRepository,
    private readonly outbox: OutboxWriter,
  ) {}

  /** Credits the rewards of a converted referral; a no-op when they exist or it is not creditable. */
  async credit(tenantId: string, referralId: string): Promise<Reward[]> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<ReferralRow>(`SELECT ${REFERRAL_COLUMNS} FROM referrals WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
        tenantId,
        referralId,
      ]);
      if (!row) return [];
      const referral = toReferral(row);
      // REVERSED before crediting (a full refund came first): nothing to credit.
      if (referral.status !== 'CONVERTED' && referral.status !== 'APPROVED') return [];
      if (referral.rewardBlockedReason || referral.amount === null || !referral.currency || !referral.convertedAt) return [];
      const campaign = await this.campaigns.findById(tenantId, referral.campaignId, tx);
      if (!campaign) return [];
      const existing = await tx.query<{ kind: RewardKindName }>(`SELECT kind FROM rewards WHERE referral_id = $1`, [referral.id]);
      const have = new Set(existing.map((r) => r.kind));

      const planned: { kind: RewardKindName; rule: RewardRule; amount: number; currency: string }[] = [];
      const plan = (kind: RewardKindName, rule: RewardRule | null) => {
        if (!rule || have.has(kind)) return;
        const amount = rule.kind === 'FIXED' ? (rule.amount ?? 0) : percentOf(referral.amount!, rule.percentBps ?? 0);
        // A percent reward is paid in the order's currency; a fixed one in its own.
        const currency = rule.kind === 'FIXED' ? rule.currency : referral.currency!;
        if (amount > 0) planned.push({ kind, rule, amount, currency });
      };
      plan('ADVOCATE', campaign.advocateReward);
      plan('FRIEND', campaign.friendIncentive);
      if (planned.length === 0) return [];

      const blocked = await this.limitReason(tx, campaign, referral, planned);
      if (blocked) {
        await tx.query(`UPDATE referrals SET reward_blocked_reason = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [
          tenantId,
          referral.id,
          blocked,
        ]);
        return [];
      }

      const availableAt = new Date(referral.convertedAt.getTime() + campaign.holdDays * DAY_MS);
      const credited: Reward[] = [];
      for (const p of planned) {
        const beneficiary =
          p.kind === 'ADVOCATE'
            ? { type: 'advocate' as const, id: referral.advocateId }
            : { type: 'customer' as const, id: referral.referredCustomerId };
        const [inserted] = await tx.query<RewardRow>(
          `INSERT INTO rewards (tenant_id, referral_id, campaign_id, advocate_id, beneficiary_type, beneficiary_id, kind, amount, currency, status, available_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'PENDING', $10)
           ON CONFLICT (referral_id, kind) DO NOTHING RETURNING ${REWARD_COLUMNS}`,
          [
            tenantId,
            referral.id,
            referral.campaignId,
            referral.advocateId,
            beneficiary.type,
            beneficiary.id,
            p.kind,
            p.amount,
            p.currency,
            availableAt,
          ],
        );
        if (!inserted) continue;
        const reward = toReward(inserted);
        await this.ledger.post(tx, {
          tenantId,
          idempotencyKey: `reward:${reward.id}:credit`,
          kind: 'reward.credit',
          currency: reward.currency,
          rewardId: reward.id,
          transfers: [{ from: this.holder(reward, 'pending'), to: expense(reward), amount: reward.amount }],
        });
        await this.outbox.add(tx, tenantId, 'reward.credited', rewardEvent(reward));
        credited.push(reward);
      }
      // A refund may have come first (even before the purchase): take back what it covers.
      if (referral.refundedAmount > 0) await this.syncReversals(tx, referral, campaign);
      return credited;
    });
  }

  /** Why the campaign's cap or budget refuses these rewards, if it does. Locks serialise the check. */
  private async limitReason(
    tx: Sql,
    campaign: Campaign,
    referral: Referral,
    planned: { kind: RewardKindName; amount: number; currency: string }[],
  ): Promise<string | undefined> {
    const cap = campaign.advocateCap;
    const advocatePart = planned.find((p) => p.kind === 'ADVOCATE');
    if (cap && advocatePart && advocatePart.currency === cap.currency) {
      await tx.query(`SELECT 1 FROM advocates WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [referral.tenantId, referral.advocateId]);
      const [earned] = await tx.query<{ sum: string }>(
        `SELECT coalesce(sum(amount - reversed_amount), 0)::text AS sum FROM rewards
         WHERE tenant_id = $1 AND advocate_id = $2 AND campaign_id = $3 AND kind = 'ADVOCATE' AND currency = $4`,
        [referral.tenantId, referral.advocateId, campaign.id, cap.currency],
      );
      if (Number(earned!.sum) + advocatePart.amount > cap.amount) {
        return `ADVOCATE_CAP: the advocate has earned ${earned!.sum} of the ${cap.amount} ${cap.currency} cap`;
      }
    }
    const budget = campaign.budget;
    if (budget) {
      const cost = planned.filter((p) => p.currency === budget.currency).reduce((s, p) => s + p.amount, 0);
      if (cost > 0) {
        const accountId = await this.ledger.lockAccount(tx, referral.tenantId, budget.currency, {
          ownerType: 'campaign',
          ownerId: campaign.id,
          kind: 'reward_expense',
        });
        const spent = await this.ledger.balance(tx, accountId, 'reward_expense');
        if (spent + cost > budget.amount) return `BUDGET: ${spent} of the ${budget.amount} ${budget.currency} budget is spent`;
      }
    }
    return undefined;
  }

  /** Moves due PENDING rewards to AVAILABLE, in batches; rewards held for review wait. */
  async releaseDue(now = new Date(), batch = 500): Promise<number> {
    let released = 0;
    for (;;) {
      const n = await this.db.transaction(async (tx) => {
        const rows = await tx.query<RewardRow>(
          `SELECT ${REWARD_COLUMNS.split(',')
            .map((c) => `r.${c.trim()}`)
            .join(', ')} FROM rewards r JOIN referrals f ON f.id = r.referral_id
           WHERE r.status = 'PENDING' AND r.available_at <= $1
             AND NOT (f.risk_decision = 'REVIEW' AND f.reviewed_at IS NULL)
             AND f.status IN ('CONVERTED', 'APPROVED', 'REVERSED')
           ORDER BY r.available_at LIMIT $2 FOR UPDATE OF r SKIP LOCKED`,
          [now, batch],
        );
        for (const row of rows) {
          const reward = toReward(row);
          const remaining = reward.amount - reward.reversedAmount;
          await this.ledger.post(tx, {
            tenantId: reward.tenantId,
            idempotencyKey: `reward:${reward.id}:release`,
            kind: 'reward.release',
            currency: reward.currency,
            rewardId: reward.id,
            transfers: [{ from: this.holder(reward, 'available'), to: this.holder(reward, 'pending'), amount: remaining }],
          });
          await tx.query(`UPDATE rewards SET status = 'AVAILABLE', updated_at = now() WHERE id = $1`, [reward.id]);
          await this.outbox.add(tx, reward.tenantId, 'reward.available', rewardEvent({ ...reward, status: 'AVAILABLE' }));
        }
        return rows.length;
      });
      released += n;
      if (n < batch) return released;
    }
  }

  /** Reverses every reward of a referral in full (a marketer rejected it). */
  async reverseAll(tx: Sql, referral: Referral, campaign: Campaign): Promise<Reward[]> {
    return this.syncReversals(tx, referral, campaign, true);
  }

  /** Brings each reward of the referral to the reversal its refunds call for (idempotent). */
  async syncReversals(tx: Sql, referral: Referral, campaign: Campaign, everything = false): Promise<Reward[]> {
    if (referral.amount === null) return [];
    const rows = await tx.query<RewardRow>(`SELECT ${REWARD_COLUMNS} FROM rewards WHERE referral_id = $1 ORDER BY kind FOR UPDATE`, [
      referral.id,
    ]);
    const changed: Reward[] = [];
    for (const row of rows) {
      const reward = toReward(row);
      const rule = reward.kind === 'ADVOCATE' ? campaign.advocateReward : (campaign.friendIncentive ?? campaign.advocateReward);
      const target = everything ? reward.amount : reversalTarget(rule.kind, reward.amount, referral.refundedAmount, referral.amount);
      const delta = target - reward.reversedAmount;
      if (delta <= 0) continue;
      // Pending money is reversed; money already available (or paid) is clawed back from the
      // available balance, which may go below zero and is settled from later rewards.
      const source = reward.status === 'PENDING' ? 'pending' : 'available';
      await this.ledger.post(tx, {
        tenantId: reward.tenantId,
        idempotencyKey: `reward:${reward.id}:reverse-to:${target}`,
        kind: source === 'pending' ? 'reward.reverse' : 'reward.clawback',
        currency: reward.currency,
        rewardId: reward.id,
        transfers: [{ from: expense(reward), to: this.holder(reward, source), amount: delta }],
      });
      const status = target >= reward.amount ? 'REVERSED' : reward.status;
      await tx.query(`UPDATE rewards SET reversed_amount = $2, status = $3, updated_at = now() WHERE id = $1`, [reward.id, target, status]);
      const updated = { ...reward, reversedAmount: target, status };
      await this.outbox.add(tx, reward.tenantId, 'reward.reversed', { ...rewardEvent(updated), reversedNow: delta });
      changed.push(updated);
    }
    return changed;
  }

  /** Moves available → paid, never beyond the available balance, also under concurrent calls. */
  async recordPayout(tenantId: string, advocateId: string, amount: number, currency: string, reference: string) {
    const problems = [];
    if (!Number.isSafeInteger(amount) || amount <= 0)
      problems.push({ field: 'amount', message: 'must be a positive integer in minor units' });
    if (!/^[A-Z]{3}$/.test(currency)) problems.push({ field: 'currency', message: 'must be an ISO 4217 currency code such as USD' });
    if (!reference.trim() || reference.length > 200) problems.push({ field: 'reference', message: 'must be 1-200 characters' });
    if (problems.length) throw new ValidationError(problems);
    if (!isUuid(advocateId)) throw new NotFoundError('Advocate', advocateId);
    return this.db.transaction(async (tx) => {
      const [advocate] = await tx.query(`SELECT id FROM advocates WHERE tenant_id = $1 AND id = $2`, [tenantId, advocateId]);
      if (!advocate) throw new NotFoundError('Advocate', advocateId);
      const account: AccountRef = { ownerType: 'advocate', ownerId: advocateId, kind: 'available' };
      const accountId = await this.ledger.lockAccount(tx, tenantId, currency, account);
      const [previous] = await tx.query<{ id: string; amount: string }>(
        `SELECT id, amount FROM payouts WHERE tenant_id = $1 AND advocate_id = $2 AND reference = $3`,
        [tenantId, advocateId, reference],
      );
      if (previous) {
        if (Number(previous.amount) !== amount) throw new ConflictError(`Payout reference "${reference}" was used for another amount`);
        return { id: previous.id, amount, currency, reference };
      }
      const available = await this.ledger.balance(tx, accountId, 'available');
      if (amount > available) throw new ConflictError(`Payout of ${amount} ${currency} exceeds the available balance of ${available}`);
      const [payout] = await tx.query<{ id: string }>(
        `INSERT INTO payouts (tenant_id, advocate_id, amount, currency, reference) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [tenantId, advocateId, amount, currency, reference],
      );
      await this.ledger.post(tx, {
        tenantId,
        idempotencyKey: `payout:${payout!.id}`,
        kind: 'payout',
        currency,
        transfers: [{ from: { ...account, kind: 'paid' }, to: account, amount }],
      });
      await this.markPaid(tx, tenantId, advocateId, currency);
      return { id: payout!.id, amount, currency, reference };
    });
  }

  /** Marks the oldest available rewards PAID as far as the paid total covers them. */
  private async markPaid(tx: Sql, tenantId: string, advocateId: string, currency: string): Promise<void> {
    await tx.query(
      `WITH paid AS (
         SELECT coalesce(sum(amount), 0) AS total FROM payouts WHERE tenant_id = $1 AND advocate_id = $2 AND currency = $3
       ), ordered AS (
         SELECT id, sum(amount - reversed_amount) OVER (ORDER BY available_at, id) AS running
         FROM rewards WHERE tenant_id = $1 AND advocate_id = $2 AND currency = $3 AND kind = 'ADVOCATE' AND status IN ('AVAILABLE', 'PAID')
       )
       UPDATE rewards r SET status = 'PAID', updated_at = now() FROM ordered, paid
       WHERE r.id = ordered.id AND r.status = 'AVAILABLE' AND ordered.running <= paid.total`,
      [tenantId, advocateId, currency],
    );
  }

  async balances(tenantId: string, advocateIds: readonly string[]): Promise<Map<string, Balance[]>> {
    const rows = await this.ledger.balances(this.db, tenantId, 'advocate', advocateIds);
    const reversed = await this.db.query<{ advocate_id: string; currency: string; sum: string }>(
      `SELECT advocate_id, currency, sum(reversed_amount)::text AS sum FROM rewards
       WHERE tenant_id = $1 AND advocate_id = ANY($2::uuid[]) AND kind = 'ADVOCATE' GROUP BY advocate_id, currency`,
      [tenantId, advocateIds],
    );
    const out = new Map<string, Map<string, Balance>>();
    const get = (advocate: string, currency: string): Balance => {
      const byCurrency = out.get(advocate) ?? new Map<string, Balance>();
      out.set(advocate, byCurrency);
      const b = byCurrency.get(currency) ?? { pending: 0, available: 0, paid: 0, reversed: 0, currency };
      byCurrency.set(currency, b);
      return b;
    };
    for (const r of rows)
      if (r.kind === 'pending' || r.kind === 'available' || r.kind === 'paid') get(r.ownerId, r.currency)[r.kind] = r.balance;
    for (const r of reversed) get(r.advocate_id, r.currency).reversed = Number(r.sum);
    return new Map([...out].map(([k, v]) => [k, [...v.values()]]));
  }

  async listForAdvocate(tenantId: string, advocateId: string): Promise<Reward[]> {
    if (!isUuid(advocateId)) throw new NotFoundError('Advocate', advocateId);
    const rows = await this.db.query<RewardRow>(
      `SELECT ${REWARD_COLUMNS} FROM rewards WHERE tenant_id = $1 AND advocate_id = $2 AND kind = 'ADVOCATE' ORDER BY created_at, id`,
      [tenantId, advocateId],
    );
    if (rows.length === 0 && !(await this.db.one(`SELECT 1 FROM advocates WHERE tenant_id = $1 AND id = $2`, [tenantId, advocateId]))) {
      throw new NotFoundError('Advocate', advocateId);
    }
    return rows.map(toReward);
  }

  /** One page of the advocate's own rewards, oldest first (the API's `rewards(advocateId)`). */
  async pageForAdvocate(tenantId: string, advocateId: string, first: number, after?: [string, string]) {
    if (!isUuid(advocateId) || !(await this.db.one(`SELECT 1 FROM advocates WHERE tenant_id = $1 AND id = $2`, [tenantId, advocateId]))) {
      throw new NotFoundError('Advocate', advocateId);
    }
    const rows = await this.db.query<RewardRow>(
      `SELECT ${REWARD_COLUMNS} FROM rewards WHERE tenant_id = $1 AND advocate_id = $2 AND kind = 'ADVOCATE'
         AND ($3::timestamptz IS NULL OR (created_at, id) > ($3::timestamptz, $4::uuid))
       ORDER BY created_at, id LIMIT $5`,
      [tenantId, advocateId, after?.[0] ?? null, after?.[1] ?? null, first + 1],
    );
    return { items: rows.slice(0, first).map(toReward), hasNextPage: rows.length > first };
  }

  /** Both rewards of referrals (the advocate's and the friend's), for request-scoped loaders. */
  async forReferrals(tenantId: string, referralIds: readonly string[]): Promise<Reward[]> {
    const rows = await this.db.query<RewardRow>(
      `SELECT ${REWARD_COLUMNS} FROM rewards WHERE tenant_id = $1 AND referral_id = ANY($2::uuid[]) ORDER BY kind`,
      [tenantId, referralIds],
    );
    return rows.map(toReward);
  }

  /** Referrals converted but never credited (e.g. their job was lost with Redis): for the sweeper. */
  async uncredited(olderThanMs: number, limit = 1000): Promise<{ tenantId: string; referralId: string }[]> {
    return this.db.query<{ tenantId: string; referralId: string }>(
      `SELECT f.tenant_id AS "tenantId", f.id AS "referralId" FROM referrals f
       WHERE f.status IN ('CONVERTED', 'APPROVED') AND f.reward_blocked_reason IS NULL
         AND f.updated_at < now() - make_interval(secs => $1::float8 / 1000)
         AND NOT EXISTS (SELECT 1 FROM rewards r WHERE r.referral_id = f.id)
       ORDER BY f.updated_at LIMIT $2`,
      [olderThanMs, limit],
    );
  }

  private holder(reward: Reward, kind: 'pending' | 'available'): AccountRef {
    return { ownerType: reward.beneficiaryType, ownerId: reward.beneficiaryId, kind };
  }
}

function expense(reward: Reward): AccountRef {
  return { ownerType: 'campaign', ownerId: reward.campaignId, kind: 'reward_expense' };
}

function rewardEvent(r: Reward): Record<string, unknown> {
  return {
    rewardId: r.id,
    referralId: r.referralId,
    advocateId: r.advocateId,
    campaignId: r.campaignId,
    kind: r.kind,
    amount: r.amount,
    reversedAmount: r.reversedAmount,
    currency: r.currency,
    status: r.status,
    availableAt: r.availableAt.toISOString(),
  };
}
