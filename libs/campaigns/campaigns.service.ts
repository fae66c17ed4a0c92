import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError, decodeCursor, isUuid, parseInput } from '#libs/common/index.js';
import { ChangeBus, QueueProducer } from '#libs/queue/index.js';
import { BUILT_IN_CHANNELS, canMove, slugify, statusesMovableTo, type Campaign, type CampaignStatus } from './campaign.js';
import { campaignSettingsSchema, type CampaignSettings } from './campaign.schema.js';
import { CampaignRepository } from './campaign.repository.js';

/** Loose input: the schema checks every field and names each bad one. */
export type CampaignInput = { [K in Exclude<keyof CampaignSettings, 'eligibility'>]?: unknown } & {
  eligibility?: object | null;
};

const DEFAULTS = {
  channels: [...BUILT_IN_CHANNELS],
  customChannels: [],
  eligibility: { minNps: 9, withinDaysOfFirstUse: 30, requireExpectationMet: false },
  friendIncentive: null,
  attributionWindowDays: 30,
  attributionModel: 'LAST_CLICK',
  holdDays: 30,
  budget: null,
  advocateCap: null,
  maxConversionsPerAdvocatePerDay: null,
  riskReviewThreshold: 40,
  riskBlockThreshold: 80,
};

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === '23505';
}

@Injectable()
export class CampaignsService {
  constructor(
    private readonly campaigns: CampaignRepository,
    private readonly queue: QueueProducer,
    private readonly changes: ChangeBus,
  ) {}

  async create(tenantId: string, input: CampaignInput): Promise<Campaign> {
    const name = typeof input.name === 'string' ? input.name : '';
    const settings = parseInput(campaignSettingsSchema, {
      ...DEFAULTS,
      slug: slugify(name),
      ...stripUndefined(input),
      eligibility: { ...DEFAULTS.eligibility, ...stripUndefined(input.eligibility ?? {}) },
    });
    try {
      return await this.campaigns.insert(tenantId, settings);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`A campaign with slug "${settings.slug}" already exists`);
      throw error;
    }
  }

  async update(tenantId: string, id: string, input: CampaignInput): Promise<Campaign> {
    const current = await this.get(tenantId, id);
    if (current.status === 'ENDED') throw new ConflictError('An ENDED campaign cannot be changed');
    const settings = parseInput(campaignSettingsSchema, {
      ...current,
      ...stripUndefined(input),
      eligibility: { ...current.eligibility, ...stripUndefined(input.eligibility ?? {}) },
    });
    let updated: Campaign | undefined;
    try {
      updated = await this.campaigns.update(tenantId, id, settings);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`A campaign with slug "${settings.slug}" already exists`);
      throw error;
    }
    if (!updated) throw new ConflictError('An ENDED campaign cannot be changed');
    await this.notify(updated);
    return updated;
  }

  async setStatus(tenantId: string, id: string, status: CampaignStatus): Promise<Campaign> {
    const current = await this.get(tenantId, id);
    if (current.status === status) return current;
    if (!canMove(current.status, status)) {
      throw new ConflictError(`A ${current.status} campaign cannot become ${status}`);
    }
    // The WHERE on the old status makes concurrent moves safe: only one wins.
    const moved = await this.campaigns.moveStatus(tenantId, id, statusesMovableTo(status), status);
    if (!moved) throw new ConflictError(`The campaign changed status meanwhile; it cannot become ${status}`);
    if (status === 'ACTIVE') await this.queue.enqueue('campaign.activated', { tenantId, campaignId: id });
    await this.notify(moved);
    return moved;
  }

  async get(tenantId: string, id: string): Promise<Campaign> {
    const campaign = isUuid(id) ? await this.campaigns.findById(tenantId, id) : undefined;
    if (!campaign) throw new NotFoundError('Campaign', id);
    return campaign;
  }

  getMany(tenantId: string, ids: readonly string[]): Promise<Campaign[]> {
    return this.campaigns.findByIds(tenantId, ids.filter(isUuid));
  }

  findActive(tenantId: string): Promise<Campaign[]> {
    return this.campaigns.findActive(tenantId);
  }

  /** One page, newest first; fetches one extra row to know whether another page follows. */
  async page(tenantId: string, first: number, after?: string): Promise<{ items: Campaign[]; hasNextPage: boolean }> {
    let key: { createdAt: string; id: string } | undefined;
    if (after) {
      const [createdAt, cid] = decodeCursor(after, ['timestamp', 'uuid']);
      key = { createdAt, id: cid };
    }
    const rows = await this.campaigns.page(tenantId, first + 1, key);
    return { items: rows.slice(0, first), hasNextPage: rows.length > first };
  }

  /** Every process drops what it cached of the campaign (links resolve within seconds). */
  private notify(campaign: Campaign): Promise<void> {
    return this.changes.publish('campaign', { tenantId: campaign.tenantId, id: campaign.id });
  }
}

export function campaignCursor(c: Campaign): [string, string] {
  return [c.createdAt.toISOString(), c.id];
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
