import { Injectable } from '@nestjs/common';
import { CustomerRepository, type HistoricCustomer } from '#libs/customers/index.js';
import { AdvocateRepository, type HistoricAdvocate } from '#libs/advocates/index.js';
import { ClickRepository, SharesService, type Click, type ShareSource } from '#libs/links/index.js';
import { MomentsRepository } from '#libs/moments/index.js';
import { ReferralRepository, type HistoricReferral } from '#libs/referrals/index.js';
import { RewardRepository, type HistoricReward } from '#libs/rewards/index.js';

/**
 * History of the past, as it was, for a campaign: loaded in bulk through each owning repository's
 * import (a generated history for tests and benchmarks; no worker, no outbox, no ledger).
 */
export interface WorldHistory {
  customers?: HistoricCustomer[];
  advocates?: HistoricAdvocate[];
  /** Who referred whom (customer ids, advocate ids). */
  referrers?: { customerId: string; advocateId: string }[];
  clicks?: Click[];
  shares?: { advocateId: string; channel: string; at: Date; source: ShareSource }[];
  referrals?: HistoricReferral[];
  rewards?: HistoricReward[];
  feedback?: {
    customerId: string;
    occurredAt: Date;
    nps?: number | null;
    expectationMet?: boolean | null;
    preferredChannels?: string[] | null;
  }[];
}

/** Each part of a history through its owning repository's bulk import, in the order they refer to each other. */
@Injectable()
export class HistoryImport {
  constructor(
    private readonly customers: CustomerRepository,
    private readonly advocates: AdvocateRepository,
    private readonly clicks: ClickRepository,
    private readonly shares: SharesService,
    private readonly referrals: ReferralRepository,
    private readonly rewards: RewardRepository,
    private readonly moments: MomentsRepository,
  ) {}

  async load(tenantId: string, campaignId: string, h: WorldHistory): Promise<void> {
    for (const part of chunks(h.customers)) await this.customers.importHistory(tenantId, part);
    for (const part of chunks(h.advocates)) await this.advocates.importHistory(tenantId, campaignId, part);
    for (const part of chunks(h.referrers)) await this.customers.importReferrers(tenantId, part);
    for (const part of chunks(h.clicks)) await this.clicks.insertMany(part);
    for (const part of chunks(h.shares)) await this.shares.importHistory(tenantId, campaignId, part);
    for (const part of chunks(h.referrals)) await this.referrals.importHistory(tenantId, campaignId, part);
    for (const part of chunks(h.rewards)) await this.rewards.importHistory(tenantId, campaignId, part);
    for (const part of chunks(h.feedback)) await this.moments.importFeedback(tenantId, part);
  }
}

/** Bulk statements in parts of 2,000 rows. */
function chunks<T>(rows: readonly T[] | undefined, size = 2000): T[][] {
  const out: T[][] = [];
  for (let i = 0; rows && i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
