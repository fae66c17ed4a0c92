import { Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import { AdvocatesService, type Advocate } from '#libs/advocates/index.js';
import { CampaignsService, type Campaign } from '#libs/campaigns/index.js';
import { CustomersService, type Customer } from '#libs/customers/index.js';
import { RewardsService, type Balance, type Reward } from '#libs/rewards/index.js';
import { ReferralsService, type Referral } from '#libs/referrals/index.js';

export interface RequestLoaders {
  customer: DataLoader<string, Customer | undefined>;
  campaign: DataLoader<string, Campaign | undefined>;
  advocateOf: DataLoader<{ campaignId: string; customerId: string }, Advocate | undefined, string>;
  advocate: DataLoader<string, Advocate | undefined>;
  balances: DataLoader<string, Balance[]>;
  rewardsOfReferral: DataLoader<string, Reward[]>;
  referral: DataLoader<string, Referral | undefined>;
}

/**
 * DataLoaders per request and tenant: nested fields of a list load in one query per kind,
 * and nothing is cached past the request.
 */
@Injectable()
export class AdvocateLoaders {
  private readonly perRequest = new WeakMap<object, Map<string, RequestLoaders>>();

  constructor(
    private readonly customers: CustomersService,
    private readonly campaigns: CampaignsService,
    private readonly advocates: AdvocatesService,
    private readonly rewards: RewardsService,
    private readonly referrals: ReferralsService,
  ) {}

  for(req: object, tenantId: string): RequestLoaders {
    let byTenant = this.perRequest.get(req);
    if (!byTenant) this.perRequest.set(req, (byTenant = new Map()));
    let loaders = byTenant.get(tenantId);
    if (!loaders) byTenant.set(tenantId, (loaders = this.create(tenantId)));
    return loaders;
  }

  private create(tenantId: string): RequestLoaders {
    return {
      customer: new DataLoader(async (ids) => {
        const found = new Map((await this.customers.getMany(tenantId, ids)).map((c) => [c.id, c]));
        return ids.map((id) => found.get(id));
      }),
      campaign: new DataLoader(async (ids) => {
        const found = new Map((await this.campaigns.getMany(tenantId, ids)).map((c) => [c.id, c]));
        return ids.map((id) => found.get(id));
      }),
      advocateOf: new DataLoader(
        async (pairs) => {
          const found = new Map((await this.advocates.findByPairs(tenantId, pairs)).map((a) => [`${a.campaignId}|${a.customerId}`, a]));
          return pairs.map((p) => found.get(`${p.campaignId}|${p.customerId}`));
        },
        { cacheKeyFn: (p) => `${p.campaignId}|${p.customerId}` },
      ),
      advocate: new DataLoader(async (ids) => {
        const found = new Map((await this.advocates.getMany(tenantId, ids)).map((a) => [a.id, a]));
        return ids.map((id) => found.get(id));
      }),
      balances: new DataLoader(async (ids) => {
        const found = await this.rewards.balances(tenantId, ids);
        return ids.map((id) => found.get(id) ?? []);
      }),
      rewardsOfReferral: new DataLoader(async (ids) => {
        const all = await this.rewards.forReferrals(tenantId, ids);
        return ids.map((id) => all.filter((r) => r.referralId === id));
      }),
      referral: new DataLoader(async (ids) => {
        const found = new Map((await this.referrals.getMany(tenantId, ids)).map((r) => [r.id, r]));
        return ids.map((id) => found.get(id));
      }),
    };
  }
}
