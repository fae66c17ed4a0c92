import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { ConflictError, NotFoundError, decodeCursor, isUuid, parseInput } from '#libs/common/index.js';
import { Db } from '#libs/database/index.js';
import { OutboxWriter } from '#libs/outbox/index.js';
import { CampaignsService, type Campaign } from '#libs/campaigns/index.js';
import { CustomersService, type Customer } from '#libs/customers/index.js';
import type { Advocate, ShareLink } from './advocate.js';
import { AdvocateRepository } from './advocate.repository.js';
import { generateCode, generatePortalToken, vanityCodeSchema } from './codes.js';
import { portalUrl, shareIntents } from '#libs/links/index.js';

const CODE_ATTEMPTS = 8;

@Injectable()
export class AdvocatesService {
  constructor(
    private readonly db: Db,
    private readonly advocates: AdvocateRepository,
    private readonly campaigns: CampaignsService,
    private readonly customers: CustomersService,
    private readonly outbox: OutboxWriter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Enrols a customer by hand (the brand's external id), with an optional vanity code. Enrolling
   * an advocate again answers the existing one; a code taken by anyone else is a CONFLICT.
   */
  async enrollManually(tenantId: string, campaignId: string, externalCustomerId: string, code?: string | null): Promise<Advocate> {
    const vanity = code === null || code === undefined ? undefined : parseInput(vanityCodeSchema, code, 'code');
    const campaign = await this.campaigns.get(tenantId, campaignId);
    if (campaign.status === 'ENDED') throw new ConflictError('An ENDED campaign takes no new advocates');
    const customer = await this.customers.getByExternalId(tenantId, externalCustomerId);
    const existing = await this.advocates.findOne(tenantId, campaign.id, customer.id);
    if (existing) return this.sameOrConflict(existing, vanity);
    if (vanity && (await this.advocates.codeTaken(tenantId, vanity))) throw new ConflictError(`The code "${vanity}" is taken`);
    const advocate = await this.enrol(tenantId, campaign, customer, 'MANUAL', vanity);
    if (!advocate) throw new ConflictError(`The code "${vanity}" is taken`);
    return this.sameOrConflict(advocate, vanity);
  }

  private sameOrConflict(existing: Advocate, vanity: string | undefined): Advocate {
    if (vanity && vanity.toLowerCase() !== existing.code.toLowerCase()) {
      throw new ConflictError(`The customer is already an advocate of this campaign, with code "${existing.code}"`);
    }
    return existing;
  }

  /**
   * Makes the customer an advocate of the campaign, once: under retries and concurrent workers
   * the unique (campaign, customer) key keeps one row, and only the insert that created it writes
   * the `advocate.enrolled` outbox event (same transaction). AUTO enrolment happens only while the
   * campaign is ACTIVE. Undefined when nothing was enrolled: the campaign is not active, or the
   * vanity code is taken. An existing advocate is returned as is.
   */
  async enrol(
    tenantId: string,
    campaign: Campaign,
    customer: Customer,
    enrolledBy: Advocate['enrolledBy'],
    vanity?: string,
  ): Promise<Advocate | undefined> {
    for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
      const outcome = await this.db.transaction(async (tx) => {
        const inserted = await this.advocates.tryInsert(
          tx,
          tenantId,
          {
            campaignId: campaign.id,
            customerId: customer.id,
            code: vanity ?? generateCode(),
            portalToken: generatePortalToken(),
            // Organic customers are generation 0 and advocate as generation 1; a referred customer already
            // carries their generation (their advocate's + 1) and advocates in it.
            generation: Math.max(1, customer.generation),
            enrolledBy,
          },
          enrolledBy === 'AUTO',
        );
        if (inserted) {
          await this.outbox.add(tx, tenantId, 'advocate.enrolled', {
            advocateId: inserted.id,
            campaignId: campaign.id,
            customerId: customer.externalId,
            code: inserted.code,
            generation: inserted.generation,
            enrolledBy,
            portalUrl: this.portalUrl(inserted),
          });
        }
        return inserted;
      });
      if (outcome) return outcome;
      // Nothing inserted: enrolled meanwhile, campaign no longer active, or the code was taken.
      const existing = await this.advocates.findOne(tenantId, campaign.id, customer.id);
      if (existing) return existing;
      if (vanity) return undefined;
      if (enrolledBy === 'AUTO' && (await this.campaigns.get(tenantId, campaign.id)).status !== 'ACTIVE') return undefined;
    }
    throw new Error(`No free share code after ${CODE_ATTEMPTS} attempts`);
  }

  async get(tenantId: string, id: string): Promise<Advocate> {
    const advocate = isUuid(id) ? await this.advocates.findById(tenantId, id) : undefined;
    if (!advocate) throw new NotFoundError('Advocate', id);
    return advocate;
  }

  /** Advocates by id, for request-scoped loaders. */
  getMany(tenantId: string, ids: readonly string[]): Promise<Advocate[]> {
    const valid = ids.filter(isUuid);
    return valid.length === 0 ? Promise.resolve([]) : this.advocates.findByIds(tenantId, valid);
  }

  /** Advocates of many (campaign, customer) pairs; for request-scoped loaders. */
  findByPairs(tenantId: string, pairs: readonly { campaignId: string; customerId: string }[]): Promise<Advocate[]> {
    const valid = pairs.filter((p) => isUuid(p.campaignId) && isUuid(p.customerId));
    return valid.length === 0 ? Promise.resolve([]) : this.advocates.findByPairs(tenantId, valid);
  }

  /** One page of a campaign's advocates, oldest first. */
  async page(tenantId: string, campaignId: string, first: number, after?: string): Promise<{ items: Advocate[]; hasNextPage: boolean }> {
    const campaign = await this.campaigns.get(tenantId, campaignId);
    let key: { createdAt: string; id: string } | undefined;
    if (after) {
      const [createdAt, id] = decodeCursor(after, ['timestamp', 'uuid']);
      key = { createdAt, id };
    }
    const rows = await this.advocates.page(tenantId, campaign.id, first + 1, key);
    return { items: rows.slice(0, first), hasNextPage: rows.length > first };
  }

  links(advocate: Advocate, campaign: Campaign): ShareLink[] {
    return shareIntents(campaign, advocate.code, this.config.http.publicUrl);
  }

  portalUrl(advocate: Advocate): string {
    return portalUrl(this.config.http.publicUrl, advocate.portalToken);
  }
}

export function advocateCursor(a: Advocate): [string, string] {
  return [a.createdAt.toISOString(), a.id];
}
