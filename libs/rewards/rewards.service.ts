import { Injectable } from '@nestjs/common';
import { ConflictError, MAX_AMOUNT, NotFoundError, ValidationError, isUuid } from '#libs/common/index.js';
import { Db, type Sql } from '#libs/database/index.js';
import { AdvocateRepository } from '#libs/advocates/index.js';
import { CampaignRepository, type Campaign } from '#libs/campaigns/index.js';
import { LedgerService, type AccountRef } from '#libs/ledger/index.js';
import { OutboxWriter, type OutboxEventMap } from '#libs/outbox/index.js';
import { ReferralRepository, type Referral } from '#libs/referrals/index.js';
import { limitReason, planCredit, reversalTarget, type PlannedReward, type Spent } from './credit-plan.js';
import { RewardRepository, type Payout } from './reward.repository.js';
import type { Reward } from './reward.js';

const DAY_MS = 86_400_000;

export interface Balance {
  pending: number;
  available: number;
  paid: number;
  reversed: number;
  currency: string;
}

/**
 * Rewards through their life: credited PENDING once per referral basis (advocate and order),
 * released to AVAILABLE after the hold, reversed or clawed back on refunds, superseded when the
 * referral's basis changes, paid out. Every money movement is a ledger posting with an
 * idempotency key, in the same transaction as the reward's state change.
 */
@Injectable()
export class RewardsService {
  constructor(
    private readonly db: Db,
    private readonly rewards: RewardRepository,
    private readonly referrals: ReferralRepository,
    private readonly advocates: AdvocateRepository,
    private readonly ledger: LedgerService,
    private readonly campaigns: CampaignRepository,
    private readonly outbox: OutboxWriter,
  ) {}

  /**
   * Brings a referral's rewards in line with its current version: superseded rewards reversed in
   * full, a new conversion credited (within cap and budget), refunds followed. Idempotent.
   * Returns the rewards credited now.
   */
  sync(tenantId: string, referralId: string): Promise<Reward[]> {
    return this.db.transaction(async (tx) => {
      const referral = await this.referrals.lock(tx, tenantId, referralId);
      if (!referral || referral.rewardsVersion >= referral.version) return [];
      const campaign = await this.campaigns.findById(tenantId, referral.campaignId, tx);
      if (!campaign) return [];
      const live = await this.rewards.liveOf(tx, tenantId, referral.id);
      const plan = planCredit(referral, campaign, live);
      const superseded = new Set(plan.supersede.map((r) => r.id));
      for (const reward of live.filter((r) => superseded.has(r.id))) await this.reverseTo(tx, reward, reward.amount, true);
      let reason = plan.nothing;
      let credited: Reward[] = [];
      if (plan.credit.length > 0) {
        reason = limitReason(plan.credit, campaign, await this.spent(tx, referral, campaign));
        if (!reason) credited = await this.credit(tx, referral, campaign, plan.credit);
      }
      // A refund may have come first (even before the purchase): take back what it covers.
      for (const reward of [...live.filter((r) => !superseded.has(r.id)), ...credited]) await this.followRefunds(tx, referral, reward);
      // Rewards superseded and none credited: the basis they were earned on no longer holds.
      const undone = plan.supersede.length > 0 && credited.length === 0 && !plan.ranFor;
      await this.referrals.markRewardsSynced(
        tx,
        tenantId,
        referral.id,
        referral.version,
        plan.ranFor ? { basis: plan.ranFor, reason } : undone ? { basis: null, reason: null } : undefined,
      );
      return credited;
    });
  }

  /** What the cap and budget have used so far; their locks serialise concurrent checks. */
  private async spent(tx: Sql, referral: Referral, campaign: Campaign): Promise<Spent> {
    let advocateEarned = 0;
    let budgetSpent = 0;
    if (campaign.advocateCap) {
      await this.rewards.lockCap(tx, referral.tenantId, campaign.id, referral.advocateId);
      advocateEarned = await this.rewards.advocateEarned(
        tx,
        referral.tenantId,
        campaign.id,
        referral.advocateId,
        campaign.advocateCap.currency,
      );
    }
    if (campaign.budget) {
      const account = await this.ledger.lockAccount(tx, referral.tenantId, campaign.budget.currency, expenseOf(campaign.id));
      budgetSpent = await this.ledger.balance(tx, account, 'reward_expense');
    }
    return { advocateEarned, budgetSpent };
  }

  private async credit(tx: Sql, referral: Referral, campaign: Campaign, planned: readonly PlannedReward[]): Promise<Reward[]> {
    const availableAt = new Date(referral.convertedAt!.getTime() + campaign.holdDays * DAY_MS);
    const credited: Reward[] = [];
    for (const p of planned) {
      const reward = await this.rewards.insert(tx, referral, p, availableAt);
      if (!reward) continue;
      await this.ledger.post(tx, {
        tenantId: reward.tenantId,
        idempotencyKey: `reward:${reward.id}:credit`,
        kind: 'reward.credit',
        currency: reward.currency,
        rewardId: reward.id,
        transfers: [{ from: holder(reward, 'pending'), to: expenseOf(reward.campaignId), amount: reward.amount }],
      });
      await this.outbox.add(tx, reward.tenantId, 'reward.credited', rewardEvent(reward));
      credited.push(reward);
    }
    return credited;
  }

  /** Takes back what the order's refunds cover, by the rule that credited the reward. */
  private async followRefunds(tx: Sql, referral: Referral, reward: Reward): Promise<void> {
    if (referral.amount === null) return;
    await this.reverseTo(tx, reward, reversalTarget(reward.rule.kind, reward.amount, referral.refundedAmount, referral.amount), false);
  }

  /**
   * Reverses a reward up to `target`: pending money through a reversing entry, money already
   * available (or paid) through a clawback from the available balance, which may go below zero
   * and is settled from later rewards.
   */
  private async reverseTo(tx: Sql, reward: Reward, target: number, supersede: boolean): Promise<void> {
    const delta = target - reward.reversedAmount;
    if (delta <= 0) {
      if (supersede) await this.rewards.setReversed(tx, reward.id, reward.reversedAmount, reward.status, true);
      return;
    }
    const source = reward.status === 'PENDING' ? 'pending' : 'available';
    await this.ledger.post(tx, {
      tenantId: reward.tenantId,
      idempotencyKey: `reward:${reward.id}:reverse-to:${target}`,
      kind: source === 'pending' ? 'reward.reverse' : 'reward.clawback',
      currency: reward.currency,
      rewardId: reward.id,
      transfers: [{ from: expenseOf(reward.campaignId), to: holder(reward, source), amount: delta }],
    });
    const status = target >= reward.amount ? 'REVERSED' : reward.status;
    await this.rewards.setReversed(tx, reward.id, target, status, supersede);
    const updated = { ...reward, reversedAmount: target, status };
    await this.outbox.add(tx, reward.tenantId, 'reward.reversed', { ...rewardEvent(updated), reversedNow: delta });
  }

  /** Moves due PENDING rewards to AVAILABLE, in batches; rewards held for review wait. */
  async releaseDue(now = new Date(), batch = 500): Promise<number> {
    let released = 0;
    for (;;) {
      const n = await this.db.transaction(async (tx) => {
        const due = await this.rewards.dueForRelease(tx, now, batch);
        for (const reward of due) {
          await this.ledger.post(tx, {
            tenantId: reward.tenantId,
            idempotencyKey: `reward:${reward.id}:release`,
            kind: 'reward.release',
            currency: reward.currency,
            rewardId: reward.id,
            transfers: [
              { from: holder(reward, 'available'), to: holder(reward, 'pending'), amount: reward.amount - reward.reversedAmount },
            ],
          });
          await this.rewards.markAvailable(tx, reward.id);
          await this.outbox.add(tx, reward.tenantId, 'reward.available', rewardEvent({ ...reward, status: 'AVAILABLE' }));
        }
        return due.length;
      });
      released += n;
      if (n < batch) return released;
    }
  }

  /**
   * Moves available → paid, never beyond the available balance, also under concurrent calls. A
   * reference is one payout of the tenant: given again with the same advocate, amount and currency
   * it returns that payout; with anything else it is a conflict.
   */
  async recordPayout(tenantId: string, advocateId: string, amount: number, currency: string, reference: string): Promise<Payout> {
    validatePayout(amount, currency, reference);
    if (!isUuid(advocateId) || !(await this.advocates.findById(tenantId, advocateId))) throw new NotFoundError('Advocate', advocateId);
    const wanted = { advocateId, amount, currency, reference };
    return this.db.transaction(async (tx) => {
      const account: AccountRef = { ownerType: 'advocate', ownerId: advocateId, kind: 'available' };
      const accountId = await this.ledger.lockAccount(tx, tenantId, currency, account);
      const previous = await this.rewards.findPayout(tx, tenantId, reference);
      if (previous) return samePayout(previous, wanted);
      const available = await this.ledger.balance(tx, accountId, 'available');
      if (amount > available) throw new ConflictError(`Payout of ${amount} ${currency} exceeds the available balance of ${available}`);
      const payout = await this.rewards.insertPayout(tx, tenantId, wanted);
      // Taken meanwhile by a call for another advocate (another account's lock): compare with that one.
      if (!payout) return samePayout((await this.rewards.findPayout(tx, tenantId, reference))!, wanted);
      await this.ledger.post(tx, {
        tenantId,
        idempotencyKey: `payout:${payout.id}`,
        kind: 'payout',
        currency,
        transfers: [{ from: { ...account, kind: 'paid' }, to: account, amount }],
      });
      await this.rewards.markPaid(tx, tenantId, advocateId, currency);
      return payout;
    });
  }

  async balances(tenantId: string, advocateIds: readonly string[]): Promise<Map<string, Balance[]>> {
    const rows = await this.ledger.balances(this.db, tenantId, 'advocate', advocateIds);
    const reversed = await this.rewards.reversedByAdvocate(tenantId, advocateIds);
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
    for (const r of reversed) get(r.advocateId, r.currency).reversed = r.reversed;
    return new Map([...out].map(([k, v]) => [k, [...v.values()]]));
  }

  async listForAdvocate(tenantId: string, advocateId: string): Promise<Reward[]> {
    if (!isUuid(advocateId) || !(await this.advocates.findById(tenantId, advocateId))) throw new NotFoundError('Advocate', advocateId);
    return this.rewards.listForAdvocate(tenantId, advocateId);
  }

  /** One page of the advocate's own rewards, oldest first (the API's `rewards(advocateId)`). */
  async pageForAdvocate(tenantId: string, advocateId: string, first: number, after?: [string, string]) {
    if (!isUuid(advocateId) || !(await this.advocates.findById(tenantId, advocateId))) throw new NotFoundError('Advocate', advocateId);
    return this.rewards.pageForAdvocate(tenantId, advocateId, first, after);
  }

  /** Both rewards of referrals (the advocate's and the friend's), for request-scoped loaders. */
  forReferrals(tenantId: string, referralIds: readonly string[]): Promise<Reward[]> {
    return this.rewards.forReferrals(tenantId, referralIds);
  }
}

function validatePayout(amount: number, currency: string, reference: string): void {
  const problems = [];
  if (!Number.isSafeInteger(amount) || amount <= 0 || amount > MAX_AMOUNT) {
    problems.push({ field: 'amount', message: `must be a positive integer in minor units, at most ${MAX_AMOUNT}` });
  }
  if (!/^[A-Z]{3}$/.test(currency)) problems.push({ field: 'currency', message: 'must be an ISO 4217 currency code such as USD' });
  if (!reference.trim() || reference.length > 200) problems.push({ field: 'reference', message: 'must be 1-200 characters' });
  if (problems.length) throw new ValidationError(problems);
}

function samePayout(previous: Payout, wanted: Omit<Payout, 'id'>): Payout {
  const differs = (['advocateId', 'amount', 'currency'] as const).filter((k) => previous[k] !== wanted[k]);
  if (differs.length > 0) {
    throw new ConflictError(`Payout reference "${wanted.reference}" was used for another payout (its ${differs.join(', ')} differ)`);
  }
  return previous;
}

function holder(reward: Reward, kind: 'pending' | 'available'): AccountRef {
  return { ownerType: reward.beneficiaryType, ownerId: reward.beneficiaryId, kind };
}

function expenseOf(campaignId: string): AccountRef {
  return { ownerType: 'campaign', ownerId: campaignId, kind: 'reward_expense' };
}

export function rewardEvent(r: Reward): OutboxEventMap['reward.credited'] {
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
