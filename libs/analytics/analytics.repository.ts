import { Injectable } from '@nestjs/common';
import type { Money } from '#libs/campaigns/index.js';
import { Db } from '#libs/database/index.js';
import {
  UNKNOWN_CHANNEL,
  type ChannelResult,
  type Cycle,
  type ImotFacts,
  type LeaderRow,
  type Period,
  type StatCounts,
} from './analytics.js';

/** `col` within the period $3 (included) to $4 (excluded), either end open. */
const within = (col: string) => `($3::timestamptz IS NULL OR ${col} >= $3) AND ($4::timestamptz IS NULL OR ${col} < $4)`;
const CONVERTED = `status IN ('CONVERTED', 'APPROVED')`;
/** One human click per visitor per UTC hour. */
const HOUR = `date_trunc('hour', occurred_at AT TIME ZONE 'UTC')`;

const n = (v: string | number | null | undefined): number => Number(v ?? 0);

/**
 * The analytics figures, each one SQL statement over indexed tables, whatever the size of the
 * campaign or of the list asked for. Definitions: README, "Analytics: definitions".
 */
@Injectable()
export class AnalyticsRepository {
  constructor(private readonly db: Db) {}

  async counts(tenantId: string, campaignId: string, p: Period): Promise<StatCounts> {
    const [row] = await this.db.query<Record<keyof StatCounts, string>>(
      `WITH conv AS (
         SELECT referred_customer_id FROM referrals WHERE tenant_id = $1 AND campaign_id = $2 AND ${CONVERTED} AND ${within('converted_at')}
       ), adv AS (
         SELECT id FROM advocates WHERE tenant_id = $1 AND campaign_id = $2 AND ${within('created_at')}
       ), referred AS (
         SELECT DISTINCT referred_customer_id AS id FROM referrals
         WHERE tenant_id = $1 AND campaign_id = $2 AND status <> 'REJECTED' AND ${within('created_at')}
       ), answers AS (
         SELECT DISTINCT ON (f.customer_id) f.customer_id, f.expectation_met FROM feedback f JOIN referred r ON r.id = f.customer_id
         WHERE f.tenant_id = $1 AND f.expectation_met IS NOT NULL ORDER BY f.customer_id, f.occurred_at, f.id
       )
       SELECT
         (SELECT count(*) FROM clicks WHERE tenant_id = $1 AND campaign_id = $2 AND ${within('occurred_at')}) AS "clicks",
         (SELECT count(*) FROM (SELECT DISTINCT visitor_id, ${HOUR} FROM clicks
            WHERE tenant_id = $1 AND campaign_id = $2 AND kind = 'human' AND ${within('occurred_at')}) h) AS "humanClicks",
         (SELECT count(*) FROM shares WHERE tenant_id = $1 AND campaign_id = $2 AND ${within('occurred_at')}) AS "shares",
         (SELECT count(*) FROM referred) AS "signups",
         (SELECT count(*) FROM conv) AS "conversions",
         (SELECT count(*) FROM adv) AS "advocates",
         (SELECT count(*) FROM adv WHERE EXISTS (
            SELECT 1 FROM shares s WHERE s.tenant_id = $1 AND s.advocate_id = adv.id AND ${within('s.occurred_at')})) AS "sharingAdvocates",
         (SELECT count(DISTINCT referred_customer_id) FROM conv) AS "referredConverted",
         (SELECT count(DISTINCT referred_customer_id) FROM conv WHERE EXISTS (
            SELECT 1 FROM advocates a WHERE a.tenant_id = $1 AND a.campaign_id = $2 AND a.customer_id = conv.referred_customer_id)) AS "restarted",
         (SELECT count(*) FROM answers) AS "answered",
         (SELECT count(*) FROM answers WHERE expectation_met) AS "kept"`,
      [tenantId, campaignId, p.from, p.to],
    );
    return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, n(v)])) as unknown as StatCounts;
  }

  /** Revenue (converted orders net of refunds) and reward cost (net of reversals), per currency. */
  async money(tenantId: string, campaignId: string, p: Period): Promise<{ revenue: Money[]; rewardCost: Money[] }> {
    const rows = await this.db.query<{ figure: 'revenue' | 'cost'; currency: string; amount: string }>(
      `SELECT 'revenue' AS figure, currency, sum(amount - refunded_amount)::text AS amount FROM referrals
       WHERE tenant_id = $1 AND campaign_id = $2 AND ${CONVERTED} AND ${within('converted_at')} AND amount IS NOT NULL
       GROUP BY currency HAVING sum(amount - refunded_amount) <> 0
       UNION ALL
       SELECT 'cost', currency, sum(amount - reversed_amount)::text FROM rewards
       WHERE tenant_id = $1 AND campaign_id = $2 AND ${within('created_at')}
       GROUP BY currency HAVING sum(amount - reversed_amount) <> 0
       ORDER BY 1, 2`,
      [tenantId, campaignId, p.from, p.to],
    );
    const of = (figure: string) => rows.filter((r) => r.figure === figure).map((r) => ({ amount: n(r.amount), currency: r.currency }));
    return { revenue: of('revenue'), rewardCost: of('cost') };
  }

  async cycle(tenantId: string, campaignId: string, delightedScore: number): Promise<Cycle> {
    const [row] = await this.db.query<{ zmot: string; fmot: string; smot: string; imot: string; generations: Cycle['generations'] }>(
      `WITH conv AS (
         SELECT advocate_id, referred_customer_id FROM referrals WHERE tenant_id = $1 AND campaign_id = $2 AND ${CONVERTED}
       ), adv AS (
         SELECT id, customer_id, generation FROM advocates WHERE tenant_id = $1 AND campaign_id = $2
       ), gens AS (
         SELECT adv.generation, count(*) AS advocates, coalesce(sum(c.n), 0) AS conversions
         FROM adv LEFT JOIN (SELECT advocate_id, count(*) AS n FROM conv GROUP BY advocate_id) c ON c.advocate_id = adv.id
         GROUP BY adv.generation
       )
       SELECT
         (SELECT count(*) FROM (SELECT DISTINCT visitor_id, ${HOUR} FROM clicks WHERE tenant_id = $1 AND campaign_id = $2 AND kind = 'human') h) AS zmot,
         (SELECT count(*) FROM conv) AS fmot,
         (SELECT count(*) FROM conv JOIN customers cu ON cu.id = conv.referred_customer_id
            WHERE cu.tenant_id = $1 AND cu.first_use_at IS NOT NULL AND cu.delight_score >= $3) AS smot,
         (SELECT count(*) FROM conv JOIN adv ON adv.customer_id = conv.referred_customer_id
            WHERE EXISTS (SELECT 1 FROM shares s WHERE s.tenant_id = $1 AND s.advocate_id = adv.id)) AS imot,
         (SELECT coalesce(json_agg(json_build_object('generation', generation, 'advocates', advocates, 'conversions', conversions)
            ORDER BY generation), '[]') FROM gens) AS generations`,
      [tenantId, campaignId, delightedScore],
    );
    return {
      zmot: n(row!.zmot),
      fmot: n(row!.fmot),
      smot: n(row!.smot),
      imot: n(row!.imot),
      generations: row!.generations.map((g) => ({ generation: n(g.generation), advocates: n(g.advocates), conversions: n(g.conversions) })),
    };
  }

  /** Shares, distinct visitors, channels and active days of many advocates at once. */
  async imot(tenantId: string, advocateIds: readonly string[]): Promise<Map<string, ImotFacts>> {
    const rows = await this.db.query<{ advocate_id: string; shares: string; visitors: string; channels: string; days: string }>(
      `WITH activity AS (
         SELECT advocate_id, 'share' AS what, channel, NULL::text AS visitor_id, (occurred_at AT TIME ZONE 'UTC')::date AS day
         FROM shares WHERE tenant_id = $1 AND advocate_id = ANY($2::uuid[])
         UNION ALL
         SELECT advocate_id, 'click', channel, visitor_id, (occurred_at AT TIME ZONE 'UTC')::date
         FROM clicks WHERE tenant_id = $1 AND advocate_id = ANY($2::uuid[]) AND kind = 'human'
       )
       SELECT advocate_id, count(*) FILTER (WHERE what = 'share') AS shares, count(DISTINCT visitor_id) AS visitors,
              count(DISTINCT channel) AS channels, count(DISTINCT day) AS days
       FROM activity GROUP BY advocate_id`,
      [tenantId, advocateIds],
    );
    return new Map(
      rows.map((r) => [
        r.advocate_id,
        { shares: n(r.shares), distinctVisitors: n(r.visitors), channels: n(r.channels), activeDays: n(r.days) },
      ]),
    );
  }

  /** The campaign's advocates by conversions, then human clicks (then the earliest enrolled). */
  async leaderboard(tenantId: string, campaignId: string, first: number): Promise<LeaderRow[]> {
    const rows = await this.db.query<{ id: string; conversions: string; human_clicks: string; shares: string; rewards: Money[] }>(
      `WITH conv AS (
         SELECT advocate_id, count(*) AS n FROM referrals WHERE tenant_id = $1 AND campaign_id = $2 AND ${CONVERTED} GROUP BY advocate_id
       ), hc AS (
         SELECT advocate_id, count(*) AS n FROM (SELECT DISTINCT advocate_id, visitor_id, ${HOUR} FROM clicks
           WHERE tenant_id = $1 AND campaign_id = $2 AND kind = 'human') h GROUP BY advocate_id
       ), top AS (
         SELECT a.id, a.created_at, coalesce(conv.n, 0) AS conversions, coalesce(hc.n, 0) AS human_clicks
         FROM advocates a LEFT JOIN conv ON conv.advocate_id = a.id LEFT JOIN hc ON hc.advocate_id = a.id
         WHERE a.tenant_id = $1 AND a.campaign_id = $2
         ORDER BY conversions DESC, human_clicks DESC, a.created_at, a.id LIMIT $3
       )
       SELECT top.id, top.conversions, top.human_clicks,
         (SELECT count(*) FROM shares s WHERE s.tenant_id = $1 AND s.advocate_id = top.id) AS shares,
         (SELECT coalesce(json_agg(json_build_object('amount', m.amount, 'currency', m.currency) ORDER BY m.currency), '[]')
            FROM (SELECT currency, sum(amount - reversed_amount) AS amount FROM rewards
                  WHERE tenant_id = $1 AND advocate_id = top.id AND kind = 'ADVOCATE' GROUP BY currency) m) AS rewards
       FROM top ORDER BY top.conversions DESC, top.human_clicks DESC, top.created_at, top.id`,
      [tenantId, campaignId, first],
    );
    return rows.map((r) => ({
      advocateId: r.id,
      conversions: n(r.conversions),
      humanClicks: n(r.human_clicks),
      shares: n(r.shares),
      rewards: r.rewards.map((m) => ({ amount: n(m.amount), currency: m.currency })),
    }));
  }

  /**
   * Per channel: shares, human clicks, conversions (through the channel of the visitor's last
   * human click on the advocate's links before the referral began; otherwise the unknown bucket),
   * and how many of the tenant's customers named the channel among their preferred channels.
   */
  async channels(tenantId: string, campaignId: string, campaignChannels: readonly string[]): Promise<ChannelResult[]> {
    const rows = await this.db.query<{ channel: string; shares: string; human_clicks: string; conversions: string; preferred_by: string }>(
      `WITH sh AS (
         SELECT channel, count(*) AS n FROM shares WHERE tenant_id = $1 AND campaign_id = $2 GROUP BY channel
       ), hc AS (
         SELECT channel, count(*) AS n FROM (SELECT DISTINCT channel, visitor_id, ${HOUR} FROM clicks
           WHERE tenant_id = $1 AND campaign_id = $2 AND kind = 'human') h GROUP BY channel
       ), cv AS (
         SELECT coalesce(k.channel, $4) AS channel, count(*) AS n
         FROM referrals r
         LEFT JOIN LATERAL (
           SELECT channel FROM clicks k
           WHERE k.tenant_id = $1 AND k.visitor_id = r.visitor_id AND k.advocate_id = r.advocate_id AND k.kind = 'human'
             AND k.occurred_at <= r.created_at
           ORDER BY k.occurred_at DESC LIMIT 1
         ) k ON r.attributed_by = 'VISITOR_ID'
         WHERE r.tenant_id = $1 AND r.campaign_id = $2 AND r.${CONVERTED}
         GROUP BY 1
       ), pref AS (
         SELECT lower(ch) AS channel, count(DISTINCT f.customer_id) AS n
         FROM feedback f CROSS JOIN LATERAL unnest(f.preferred_channels) AS ch
         WHERE f.tenant_id = $1 AND f.preferred_channels IS NOT NULL GROUP BY 1
       ), names AS (
         SELECT unnest($3::text[]) AS channel UNION SELECT channel FROM sh UNION SELECT channel FROM hc
         UNION SELECT channel FROM cv UNION SELECT channel FROM pref
       )
       SELECT names.channel, coalesce(sh.n, 0) AS shares, coalesce(hc.n, 0) AS human_clicks, coalesce(cv.n, 0) AS conversions,
              coalesce(pref.n, 0) AS preferred_by
       FROM names LEFT JOIN sh USING (channel) LEFT JOIN hc USING (channel) LEFT JOIN cv USING (channel) LEFT JOIN pref USING (channel)`,
      [tenantId, campaignId, campaignChannels, UNKNOWN_CHANNEL],
    );
    return rows.map((r) => ({
      channel: r.channel,
      shares: n(r.shares),
      humanClicks: n(r.human_clicks),
      conversions: n(r.conversions),
      preferredBy: n(r.preferred_by),
    }));
  }

  /**
   * The tenant of a campaign, for the signed dashboard link (its URL names no tenant; the
   * signature, which covers the tenant, is checked next). Like a share code, resolved across tenants.
   */
  async tenantOfCampaign(campaignId: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ tenant_id: string }>(`SELECT tenant_id FROM campaigns WHERE id = $1`, [campaignId]);
    return row?.tenant_id;
  }
}
