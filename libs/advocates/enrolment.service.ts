import { Injectable, Logger } from '@nestjs/common';
import { Db } from '#libs/database/index.js';
import { CampaignRepository, type Campaign } from '#libs/campaigns/index.js';
import { CustomerRepository, type Customer, type Delight } from '#libs/customers/index.js';
import { MomentsRepository, checkEligibility, scoreDelight, type CustomerFacts } from '#libs/moments/index.js';
import type { Advocate } from './advocate.js';
import { AdvocatesService } from './advocates.service.js';

const PAGE = 500;

/** The worker's side of moments: delight scores and automatic enrolment. */
@Injectable()
export class EnrolmentService {
  private readonly logger = new Logger(EnrolmentService.name);

  constructor(
    private readonly db: Db,
    private readonly customers: CustomerRepository,
    private readonly moments: MomentsRepository,
    private readonly campaigns: CampaignRepository,
    private readonly advocates: AdvocatesService,
  ) {}

  /**
   * After a new moment: rescores the customer's delight, then enrols them in every ACTIVE campaign
   * whose eligibility they meet. Safe to run twice or concurrently: scoring locks the customer row,
   * enrolment is once per (campaign, customer).
   */
  async onMoment(tenantId: string, customerId: string): Promise<{ delight: Delight; enrolled: Advocate[] } | undefined> {
    const scored = await this.db.transaction(async (tx) => {
      const customer = await this.customers.lock(tx, tenantId, customerId);
      if (!customer) return undefined;
      const facts = (await this.moments.facts(tx, tenantId, [customerId])).get(customerId)!;
      const delight = scoreDelight(facts);
      await this.customers.saveDelight(tx, tenantId, customerId, delight);
      return { customer, facts, delight };
    });
    if (!scored) return undefined;
    const enrolled: Advocate[] = [];
    for (const campaign of await this.campaigns.findActive(tenantId)) {
      const advocate = await this.enrolIfEligible(campaign, scored.customer, scored.facts);
      if (advocate) enrolled.push(advocate);
    }
    return { delight: scored.delight, enrolled };
  }

  /** A campaign became ACTIVE: enrols the customers who were already eligible. */
  async onCampaignActivated(tenantId: string, campaignId: string): Promise<number> {
    let count = 0;
    let after: string | null = null;
    for (;;) {
      const campaign = await this.campaigns.findById(tenantId, campaignId);
      if (campaign?.status !== 'ACTIVE') return count;
      const ids = await this.moments.promoterCandidates(tenantId, campaignId, campaign.eligibility.minNps, after, PAGE, this.db);
      if (ids.length === 0) return count;
      const [facts, customers] = await Promise.all([this.moments.facts(this.db, tenantId, ids), this.customers.findByIds(tenantId, ids)]);
      for (const customer of customers) {
        if (await this.enrolIfEligible(campaign, customer, facts.get(customer.id)!)) count++;
      }
      after = ids.at(-1)!;
    }
  }

  private async enrolIfEligible(campaign: Campaign, customer: Customer, facts: CustomerFacts): Promise<Advocate | undefined> {
    const verdict = checkEligibility(facts, campaign.eligibility);
    if (!verdict.eligible) {
      this.logger.debug(`customer ${customer.id} not eligible for campaign ${campaign.id}: ${verdict.reason}`);
      return undefined;
    }
    return this.advocates.enrol(campaign.tenantId, campaign, customer, 'AUTO');
  }
}
