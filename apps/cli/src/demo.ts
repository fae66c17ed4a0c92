import { randomBytes, randomUUID } from 'node:crypto';
import type { AppConfig } from '#libs/config/index.js';
import { parseInput } from '#libs/common/index.js';
import { createDataSource, Db, runMigrations } from '#libs/database/index.js';
import { TenantRepository, TenantsService } from '#libs/tenants/index.js';
import { CampaignRepository, campaignSettingsSchema, type Campaign } from '#libs/campaigns/index.js';
import { generateCode, generatePortalToken } from '#libs/advocates/index.js';
import { portalUrl } from '#libs/links/share-intents.js';
import { LedgerRepository, LedgerService } from '#libs/ledger/index.js';
import { OutboxWriter } from '#libs/outbox/index.js';
import { RewardsService } from '#libs/rewards/index.js';
import { REFERRAL_COLUMNS, toReferral, type ReferralRow } from '#libs/referrals/index.js';
import { AnalyticsRepository, AnalyticsService } from '#libs/analytics/index.js';

const DAY = 86_400_000;
const CHANNELS = ['email', 'whatsapp', 'sms', 'x', 'facebook', 'linkedin', 'copy'];
const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim', 'Margaret', 'Linus'];

export interface DemoResult {
  apiKey: string;
  tenantId: string;
  campaignId: string;
  sharePageUrl: string;
  dashboardUrl: string;
}

/** A PRNG with a seed, so every demo looks alike. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface DemoAdvocate {
  id: string;
  customerId: string;
  generation: number;
  createdAt: number;
  portalToken: string;
}

/**
 * A demo tenant with an ACTIVE campaign and four months of history: advocates over several
 * generations, shares, human and bot clicks, signups, purchases, refunds and fraud. No worker runs
 * here, so moments are written as the services would leave them; rewards go through
 * RewardsService (credit, reversal on refunds, release after the hold), so the ledger balances.
 */
export async function demo(config: AppConfig, seed = 7): Promise<DemoResult> {
  if (config.database.migrationsRun) await runMigrations(config);
  const dataSource = createDataSource(config);
  await dataSource.initialize();
  try {
    const db = new Db(dataSource);
    const { tenantId, apiKey } = await new TenantsService(db, new TenantRepository(db)).createTenant('Demo brand');
    const campaigns = new CampaignRepository(db);
    const settings = parseInput(campaignSettingsSchema, {
      name: 'Bring a friend',
      slug: 'bring-a-friend',
      destinationUrl: 'https://shop.example.com/welcome',
      message: { headline: 'Give $10, get $10', body: 'I love this coffee subscription. Your first box is $10 off with my link:' },
      channels: CHANNELS,
      customChannels: [],
      eligibility: { minNps: 9, withinDaysOfFirstUse: 30, requireExpectationMet: false },
      advocateReward: { kind: 'FIXED', amount: 1000, currency: 'USD' },
      friendIncentive: { kind: 'PERCENT', percentBps: 1000, currency: 'USD' },
      attributionWindowDays: 30,
      attributionModel: 'LAST_CLICK',
      holdDays: 14,
      budget: null,
      advocateCap: null,
      maxConversionsPerAdvocatePerDay: null,
      riskReviewThreshold: 40,
      riskBlockThreshold: 80,
    });
    const draft = await campaigns.insert(tenantId, settings);
    const campaign = (await campaigns.moveStatus(tenantId, draft.id, ['DRAFT'], 'ACTIVE'))!;
    const rewards = new RewardsService(db, new LedgerService(new LedgerRepository()), campaigns, new OutboxWriter());
    const first = await history(db, rewards, tenantId, campaign, rng(seed));
    await rewards.releaseDue(new Date());

    const analytics = new AnalyticsService(new AnalyticsRepository(db), campaigns, config);
    const link = analytics.dashboardLink(tenantId, campaign.id, new Date(Date.now() + DAY));
    return {
      apiKey,
      tenantId,
      campaignId: campaign.id,
      sharePageUrl: portalUrl(config.http.publicUrl, first.portalToken),
      dashboardUrl: link.url,
    };
  } finally {
    await dataSource.destroy();
  }
}

async function history(db: Db, rewards: RewardsService, tenantId: string, campaign: Campaign, r: () => number): Promise<DemoAdvocate> {
  const now = Date.now();
  const start = now - 120 * DAY;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const clamp = (t: number) => Math.min(now - 60_000, Math.floor(t));
  let n = 0;

  const customer = async (generation: number, referredBy: string | null) => {
    const name = `${pick(FIRST)} ${String.fromCharCode(65 + int(0, 25))}.`;
    const external = `demo-${++n}`;
    const [row] = await db.query<{ id: string }>(
      `INSERT INTO customers (tenant_id, external_id, email, email_normalized, name, generation, referred_by_advocate_id)
       VALUES ($1, $2, $3, $3, $4, $5, $6) RETURNING id`,
      [tenantId, external, `${external}@example.com`, name, generation, referredBy],
    );
    return row!.id;
  };
  const event = (customerId: string, type: string, at: number, extra: { orderId?: string; amount?: number; currency?: string } = {}) =>
    db.execute(
      `INSERT INTO events (tenant_id, event_id, type, customer_id, occurred_at, order_id, amount, currency, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'demo')`,
      [
        tenantId,
        `demo-${randomUUID()}`,
        type,
        customerId,
        new Date(at),
        extra.orderId ?? null,
        extra.amount ?? null,
        extra.currency ?? null,
      ],
    );
  /** First use, an answer, and the delight score the worker would give them. */
  const experience = async (customerId: string, at: number, promoter: boolean) => {
    const used = clamp(at + r() * 2 * DAY);
    await event(customerId, 'first_use', used);
    const nps = promoter ? int(9, 10) : int(3, 8);
    const met = promoter ? r() < 0.9 : r() < 0.4;
    const preferred = Array.from(new Set([pick(CHANNELS.slice(0, 4)), pick(['whatsapp', 'instagram', 'tiktok', 'email', 'sms'])]));
    await db.execute(
      `INSERT INTO feedback (tenant_id, feedback_id, customer_id, occurred_at, nps, csat, expectation_met, preferred_channels, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'demo')`,
      [tenantId, `demo-${randomUUID()}`, customerId, new Date(clamp(used + DAY)), nps, promoter ? 5 : 3, met, preferred],
    );
    const score = Math.max(0, Math.min(100, nps * 6 + (promoter ? 20 : 10) + (met ? 15 : -15) + 5));
    await db.execute(
      `UPDATE customers SET first_use_at = $3, delight_score = $4, delight_reasons = $5, delight_scored_at = now() WHERE tenant_id = $1 AND id = $2`,
      [
        tenantId,
        customerId,
        new Date(used),
        score,
        [`NPS ${nps}`, met ? 'said the product matched what they were told' : 'said it did not match'],
      ],
    );
    return { used, delighted: score >= 70 };
  };
  const advocate = async (customerId: string, generation: number, at: number): Promise<DemoAdvocate> => {
    const portalToken = generatePortalToken();
    const [row] = await db.query<{ id: string }>(
      `INSERT INTO advocates (tenant_id, campaign_id, customer_id, code, portal_token, generation, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [tenantId, campaign.id, customerId, generateCode(), portalToken, generation, new Date(at)],
    );
    return { id: row!.id, customerId, generation, createdAt: at, portalToken };
  };

  const seeds: DemoAdvocate[] = [];
  for (let i = 0; i < 40; i++) {
    const c = await customer(0, null);
    await event(c, 'purchase', start - 30 * DAY, { orderId: `seed-${c}`, amount: 3000, currency: 'USD' });
    const { used } = await experience(c, start - 28 * DAY, true);
    seeds.push(await advocate(c, 1, clamp(Math.max(used, start + r() * 40 * DAY))));
  }

  let frontier = seeds;
  while (frontier.length > 0) {
    const next: DemoAdvocate[] = [];
    for (const a of frontier) {
      const span = now - a.createdAt;
      const favourite = pick(CHANNELS);
      const shares = r() < 0.15 ? 0 : int(1, 6);
      const shareRows = Array.from({ length: shares }, () => ({
        channel: r() < 0.6 ? favourite : pick(CHANNELS),
        at: clamp(a.createdAt + r() * span),
      }));
      if (shareRows.length) {
        await db.execute(
          `INSERT INTO shares (tenant_id, advocate_id, campaign_id, channel, source, occurred_at)
           SELECT $1, $2, $3, ch, 'page', at FROM unnest($4::text[], $5::timestamptz[]) AS u(ch, at)`,
          [tenantId, a.id, campaign.id, shareRows.map((s) => s.channel), shareRows.map((s) => new Date(s.at))],
        );
      }
      const clicks: { at: number; channel: string; visitor: string; kind: string }[] = [];
      for (const s of shareRows) {
        for (let v = int(0, 4); v > 0; v--) {
          const visitor = randomBytes(9).toString('base64url');
          const at = clamp(s.at + r() * 3 * DAY);
          clicks.push({ at, channel: s.channel, visitor, kind: 'human' });
          if (r() < 0.3) clicks.push({ at: clamp(at + r() * 4 * DAY), channel: s.channel, visitor, kind: 'human' });
          if (r() < 0.2)
            clicks.push({ at, channel: s.channel, visitor: randomBytes(9).toString('base64url'), kind: r() < 0.5 ? 'bot' : 'preview' });
        }
      }
      if (clicks.length) {
        await db.execute(
          `INSERT INTO clicks (id, occurred_at, tenant_id, advocate_id, campaign_id, channel, visitor_id, ua_class, kind, active)
           SELECT gen_random_uuid(), at, $1, $2, $3, ch, vis, CASE WHEN kind = 'human' THEN 'browser' ELSE 'bot' END, kind, true
           FROM unnest($4::timestamptz[], $5::text[], $6::text[], $7::text[]) AS u(at, ch, vis, kind)`,
          [
            tenantId,
            a.id,
            campaign.id,
            clicks.map((k) => new Date(k.at)),
            clicks.map((k) => k.channel),
            clicks.map((k) => k.visitor),
            clicks.map((k) => k.kind),
          ],
        );
      }
      for (const k of clicks.filter((c) => c.kind === 'human')) {
        if (r() > 0.4) continue;
        const child = await referral(a, k.visitor, clamp(k.at + int(5, 600) * 60_000));
        if (child) next.push(child);
      }
      if (r() < 0.2) {
        const child = await referral(a, null, clamp(a.createdAt + r() * span));
        if (child) next.push(child);
      }
    }
    frontier = next;
  }
  return seeds[0]!;

  /** A friend's signup (and maybe purchase, refund, fraud); returns the friend as an advocate when delighted. */
  async function referral(a: DemoAdvocate, visitor: string | null, at: number): Promise<DemoAdvocate | undefined> {
    const friend = await customer(a.generation + 1, a.id);
    await event(friend, 'signup', at);
    const roll = r();
    const fraud = roll < 0.08;
    const review = !fraud && roll < 0.14;
    const buys = fraud || r() < 0.75;
    const amount = int(25, 120) * 100;
    const orderId = `demo-order-${randomUUID().slice(0, 8)}`;
    const convertedAt = clamp(at + r() * 2 * DAY);
    const reasons = fraud
      ? [
          { code: 'SAME_VISITOR', message: "The friend's browser also opened the advocate's share page.", points: 60 },
          { code: 'DISPOSABLE_EMAIL', message: 'Disposable email domain.', points: 30 },
        ]
      : review
        ? [{ code: 'VELOCITY', message: 'Many conversions for this advocate today.', points: 45 }]
        : [];
    const [row] = await db.query<ReferralRow>(
      `INSERT INTO referrals (tenant_id, campaign_id, advocate_id, referred_customer_id, status, attributed_by, visitor_id, order_id, amount, currency,
         converted_at, rejected_reason, risk_score, risk_decision, risk_reasons, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'USD', $10, $11, $12, $13, $14, $15) RETURNING ${REFERRAL_COLUMNS}`,
      [
        tenantId,
        campaign.id,
        a.id,
        friend,
        fraud ? 'REJECTED' : buys ? 'CONVERTED' : 'LEAD',
        visitor ? 'VISITOR_ID' : 'REFERRAL_CODE',
        visitor,
        buys ? orderId : null,
        buys ? amount : null,
        buys ? new Date(convertedAt) : null,
        fraud ? `BLOCKED: ${reasons.map((x) => x.message).join(' ')}` : null,
        reasons.reduce((s, x) => s + x.points, 0),
        fraud ? 'BLOCK' : review ? 'REVIEW' : 'ALLOW',
        JSON.stringify(reasons),
        new Date(at),
      ],
    );
    if (fraud) {
      await db.execute(`UPDATE customers SET referred_by_advocate_id = NULL WHERE tenant_id = $1 AND id = $2`, [tenantId, friend]);
      return undefined;
    }
    if (!buys) return undefined;
    await event(friend, 'purchase', convertedAt, { orderId, amount, currency: 'USD' });
    await rewards.credit(tenantId, row!.id);
    const refund = r();
    if (refund < 0.1) await refundOrder(row!.id, orderId, refund < 0.05 ? amount : Math.floor(amount / 2), convertedAt + 3 * DAY, friend);
    if (refund < 0.05) return undefined;
    const { used, delighted } = await experience(friend, convertedAt, r() < 0.55);
    if (!delighted || used + DAY > now) return undefined;
    return advocate(friend, a.generation + 1, clamp(used + int(1, 4) * DAY));
  }

  /** A refund as ReferralsService applies it: the referral's refunded total, then the rewards' reversal. */
  async function refundOrder(referralId: string, orderId: string, refunded: number, at: number, friend: string): Promise<void> {
    await event(friend, 'refund', clamp(at), { orderId, amount: refunded, currency: 'USD' });
    await db.transaction(async (tx) => {
      const [row] = await tx.query<ReferralRow>(
        `UPDATE referrals SET refunded_amount = $3, status = CASE WHEN $3 >= amount THEN 'REVERSED' ELSE status END, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING ${REFERRAL_COLUMNS}`,
        [tenantId, referralId, refunded],
      );
      await rewards.syncReversals(tx, toReferral(row!), campaign);
    });
  }
}
