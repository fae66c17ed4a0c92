import { Injectable } from '@nestjs/common';
import { Db, type Sql } from '#libs/database/index.js';
import type { Campaign, CampaignStatus } from './campaign.js';
import type { CampaignSettings } from './campaign.schema.js';

interface CampaignRow {
  id: string;
  tenant_id: string;
  name: string;
  slug: string;
  status: CampaignStatus;
  destination_url: string;
  message: Campaign['message'];
  channels: string[];
  custom_channels: Campaign['customChannels'];
  eligibility: Campaign['eligibility'];
  advocate_reward: Campaign['advocateReward'];
  friend_incentive: Campaign['friendIncentive'];
  attribution_window_days: number;
  attribution_model: Campaign['attributionModel'];
  hold_days: number;
  budget_amount: string | null;
  budget_currency: string | null;
  advocate_cap_amount: string | null;
  advocate_cap_currency: string | null;
  max_conversions_per_advocate_per_day: number | null;
  risk_review_threshold: number;
  risk_block_threshold: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, tenant_id, name, slug, status, destination_url, message, channels, custom_channels,
  eligibility, advocate_reward, friend_incentive, attribution_window_days, attribution_model, hold_days,
  budget_amount, budget_currency, advocate_cap_amount, advocate_cap_currency,
  max_conversions_per_advocate_per_day, risk_review_threshold, risk_block_threshold, created_at, updated_at`;

function toCampaign(r: CampaignRow): Campaign {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    slug: r.slug,
    status: r.status,
    destinationUrl: r.destination_url,
    message: r.message,
    channels: r.channels,
    customChannels: r.custom_channels,
    eligibility: r.eligibility,
    advocateReward: r.advocate_reward,
    friendIncentive: r.friend_incentive,
    attributionWindowDays: r.attribution_window_days,
    attributionModel: r.attribution_model,
    holdDays: r.hold_days,
    budget: r.budget_amount === null ? null : { amount: Number(r.budget_amount), currency: r.budget_currency! },
    advocateCap: r.advocate_cap_amount === null ? null : { amount: Number(r.advocate_cap_amount), currency: r.advocate_cap_currency! },
    maxConversionsPerAdvocatePerDay: r.max_conversions_per_advocate_per_day,
    riskReviewThreshold: r.risk_review_threshold,
    riskBlockThreshold: r.risk_block_threshold,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function settingsParams(s: CampaignSettings): unknown[] {
  return [
    s.name,
    s.slug,
    s.destinationUrl,
    JSON.stringify(s.message),
    s.channels,
    JSON.stringify(s.customChannels),
    JSON.stringify(s.eligibility),
    JSON.stringify(s.advocateReward),
    s.friendIncentive === null ? null : JSON.stringify(s.friendIncentive),
    s.attributionWindowDays,
    s.attributionModel,
    s.holdDays,
    s.budget?.amount ?? null,
    s.budget?.currency ?? null,
    s.advocateCap?.amount ?? null,
    s.advocateCap?.currency ?? null,
    s.maxConversionsPerAdvocatePerDay,
    s.riskReviewThreshold,
    s.riskBlockThreshold,
  ];
}

@Injectable()
export class CampaignRepository {
  constructor(private readonly db: Db) {}

  async insert(tenantId: string, s: CampaignSettings): Promise<Campaign> {
    const [row] = await this.db.query<CampaignRow>(
      `INSERT INTO campaigns (tenant_id, name, slug, destination_url, message, channels, custom_channels,
         eligibility, advocate_reward, friend_incentive, attribution_window_days, attribution_model, hold_days,
         budget_amount, budget_currency, advocate_cap_amount, advocate_cap_currency,
         max_conversions_per_advocate_per_day, risk_review_threshold, risk_block_threshold)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
       RETURNING ${COLUMNS}`,
      [tenantId, ...settingsParams(s)],
    );
    return toCampaign(row!);
  }

  async update(tenantId: string, id: string, s: CampaignSettings): Promise<Campaign | undefined> {
    const [row] = await this.db.query<CampaignRow>(
      `UPDATE campaigns SET name = $3, slug = $4, destination_url = $5, message = $6, channels = $7,
         custom_channels = $8, eligibility = $9, advocate_reward = $10, friend_incentive = $11,
         attribution_window_days = $12, attribution_model = $13, hold_days = $14, budget_amount = $15,
         budget_currency = $16, advocate_cap_amount = $17, advocate_cap_currency = $18,
         max_conversions_per_advocate_per_day = $19, risk_review_threshold = $20, risk_block_threshold = $21,
         updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND status <> 'ENDED'
       RETURNING ${COLUMNS}`,
      [tenantId, id, ...settingsParams(s)],
    );
    return row && toCampaign(row);
  }

  /** Moves the status only from one of `from`; undefined when the campaign is elsewhere. */
  async moveStatus(tenantId: string, id: string, from: CampaignStatus[], to: CampaignStatus): Promise<Campaign | undefined> {
    const [row] = await this.db.query<CampaignRow>(
      `UPDATE campaigns SET status = $4, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND status = ANY($3)
       RETURNING ${COLUMNS}`,
      [tenantId, id, from, to],
    );
    return row && toCampaign(row);
  }

  async findById(tenantId: string, id: string, tx: Sql = this.db): Promise<Campaign | undefined> {
    const [row] = await tx.query<CampaignRow>(`SELECT ${COLUMNS} FROM campaigns WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return row && toCampaign(row);
  }

  async findByIds(tenantId: string, ids: readonly string[], tx: Sql = this.db): Promise<Campaign[]> {
    const rows = await tx.query<CampaignRow>(`SELECT ${COLUMNS} FROM campaigns WHERE tenant_id = $1 AND id = ANY($2)`, [tenantId, ids]);
    return rows.map(toCampaign);
  }

  async findActive(tenantId: string, tx: Sql = this.db): Promise<Campaign[]> {
    const rows = await tx.query<CampaignRow>(
      `SELECT ${COLUMNS} FROM campaigns WHERE tenant_id = $1 AND status = 'ACTIVE' ORDER BY created_at, id`,
      [tenantId],
    );
    return rows.map(toCampaign);
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async page(tenantId: string, limit: number, after?: { createdAt: string; id: string }): Promise<Campaign[]> {
    const rows = after
      ? await this.db.query<CampaignRow>(
          `SELECT ${COLUMNS} FROM campaigns WHERE tenant_id = $1 AND (created_at, id) < ($2::timestamptz, $3::uuid)
           ORDER BY created_at DESC, id DESC LIMIT $4`,
          [tenantId, after.createdAt, after.id, limit],
        )
      : await this.db.query<CampaignRow>(
          `SELECT ${COLUMNS} FROM campaigns WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
          [tenantId, limit],
        );
    return rows.map(toCampaign);
  }
}
