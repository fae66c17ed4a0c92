import { randomBytes, randomUUID } from 'node:crypto';
import type { AppConfig } from '#libs/config/index.js';
import { runMigrations } from '#libs/database/index.js';
import { AnalyticsService } from '#libs/analytics/index.js';
import { RewardsService } from '#libs/rewards/index.js';
import { portalUrl, type Click } from '#libs/links/index.js';
import type { Advocate } from '#libs/advocates/index.js';
import { openWorld, type WorldBuilder } from '#libs/world/index.js';

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

/**
 * A demo tenant with an ACTIVE campaign and four months of history: advocates over several
 * generations, shares, human and bot clicks, signups, purchases, refunds and fraud. Every part of
 * it goes through the real services (the world builder): events are ingested, customers scored
 * and enrolled, referrals attributed from the clicks, rewards credited, reversed and released by
 * the same code the worker runs, so the demo cannot disagree with the product.
 */
export async function demo(config: AppConfig, seed = 7): Promise<DemoResult> {
  if (config.database.migrationsRun) await runMigrations(config);
  const world = await openWorld(config);
  try {
    const w = world.builder;
    const { tenantId, apiKey } = await w.tenant('Demo brand');
    const campaign = await w.campaign(tenantId, {
      name: 'Bring a friend',
      slug: `bring-a-friend-${randomBytes(3).toString('hex')}`,
      destinationUrl: 'https://shop.example.com/welcome',
      message: { headline: 'Give $10, get $10', body: 'I love this coffee subscription. Your first box is $10 off with my link:' },
      channels: CHANNELS,
      advocateReward: { kind: 'FIXED', amount: 1000, currency: 'USD' },
      friendIncentive: { kind: 'PERCENT', percentBps: 1000, currency: 'USD' },
      attributionWindowDays: 30,
      attributionModel: 'LAST_CLICK',
      holdDays: 14,
    });
    const story = new DemoHistory(w, tenantId, campaign.id, rng(seed));
    const first = await story.write();
    await world.app.get(RewardsService).releaseDue(new Date());
    const link = world.app.get(AnalyticsService).dashboardLink(tenantId, campaign.id, new Date(Date.now() + DAY));
    return {
      apiKey,
      tenantId,
      campaignId: campaign.id,
      sharePageUrl: portalUrl(config.http.publicUrl, first.portalToken),
      dashboardUrl: link.url,
    };
  } finally {
    await world.close();
  }
}

/** An advocate and when they started sharing (after their own first use). */
interface Sharer {
  advocate: Advocate;
  /** The advocate's own customer id at the brand (their email is `<id>@example.com`). */
  externalId: string;
  since: number;
}

/** One generation's friends, waiting for their events to be applied. */
interface Friend {
  externalId: string;
  advocate: Advocate;
  at: number;
  buys: boolean;
  orderId: string;
  amount: number;
}

class DemoHistory {
  private readonly now = Date.now();
  private readonly start = this.now - 120 * DAY;
  private n = 0;

  constructor(
    private readonly w: WorldBuilder,
    private readonly tenantId: string,
    private readonly campaignId: string,
    private readonly r: () => number,
  ) {}

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }
  private clamp(t: number): number {
    return Math.min(this.now - 60_000, Math.floor(t));
  }
  private id(prefix: string): string {
    return `${prefix}-${++this.n}`;
  }

  /** Seeds, then generation after generation until nobody new is delighted; returns the first seed. */
  async write(): Promise<Advocate> {
    let frontier = await this.seeds();
    const first = frontier[0]!.advocate;
    while (frontier.length > 0) {
      const friends: Friend[] = [];
      for (const a of frontier) friends.push(...(await this.spread(a)));
      // Everything up to now is written: attribution may trust the clicks table that far.
      await this.w.clicksStoredUntil(new Date(this.now - 60_000));
      await this.w.settle(this.tenantId);
      frontier = await this.aftermath(friends);
    }
    return first;
  }

  /** Forty delighted customers, enrolled by the eligibility rule after their first use. */
  private async seeds(): Promise<Sharer[]> {
    const seeds: Sharer[] = [];
    for (let i = 0; i < 40; i++) {
      const externalId = this.id('demo-seed');
      const name = `${this.pick(FIRST)} ${String.fromCharCode(65 + this.int(0, 25))}.`;
      const bought = this.start - 30 * DAY + this.int(0, 20) * DAY;
      await this.w.events(this.tenantId, [
        {
          id: `${externalId}-buy`,
          type: 'purchase',
          customerId: externalId,
          email: `${externalId}@example.com`,
          name,
          orderId: `${externalId}-order`,
          amount: 3000,
          currency: 'USD',
          occurredAt: iso(bought),
        },
      ]);
      const enrolled = await this.experience(externalId, bought, true);
      if (enrolled) seeds.push({ ...enrolled, since: Math.max(enrolled.since, this.start + this.r() * 40 * DAY) });
    }
    return seeds;
  }

  /** First use, an answer; scored and enrolled as the worker would. Returns the advocate when delighted. */
  private async experience(externalId: string, at: number, promoter: boolean): Promise<Sharer | undefined> {
    const used = this.clamp(at + this.r() * 2 * DAY);
    await this.w.events(this.tenantId, [
      { id: `${externalId}-first-use`, type: 'first_use', customerId: externalId, occurredAt: iso(used) },
    ]);
    const preferred = [...new Set([this.pick(CHANNELS.slice(0, 4)), this.pick(['whatsapp', 'instagram', 'tiktok', 'email', 'sms'])])];
    await this.w.feedback(this.tenantId, {
      id: `${externalId}-nps`,
      customerId: externalId,
      occurredAt: iso(this.clamp(used + DAY)),
      nps: promoter ? this.int(9, 10) : this.int(3, 8),
      csat: promoter ? 5 : 3,
      expectationMet: promoter ? this.r() < 0.9 : this.r() < 0.4,
      preferredChannels: preferred,
    });
    const customerId = await this.w.customer(this.tenantId, externalId);
    const advocate = (await this.w.score(this.tenantId, customerId)).find((a) => a.campaignId === this.campaignId);
    return advocate && { advocate, externalId, since: this.clamp(used + this.int(1, 4) * DAY) };
  }

  /** An advocate shares now and then; friends click, some sign up, some buy, some cheat. */
  private async spread(sharer: Sharer): Promise<Friend[]> {
    const { advocate: a, since: from } = sharer;
    const favourite = this.pick(CHANNELS);
    const shares = this.r() < 0.15 ? 0 : this.int(1, 6);
    const clicks: Click[] = [];
    const friends: Friend[] = [];
    for (let s = 0; s < shares; s++) {
      const channel = this.r() < 0.6 ? favourite : this.pick(CHANNELS);
      const at = this.clamp(from + this.r() * (this.now - from));
      await this.w.share(this.tenantId, a.id, channel, new Date(at));
      for (let v = this.int(0, 4); v > 0; v--) {
        const visitor = randomBytes(9).toString('base64url');
        const clickAt = this.clamp(at + this.r() * 3 * DAY);
        clicks.push(this.click(a, channel, visitor, clickAt, 'human'));
        if (this.r() < 0.3) clicks.push(this.click(a, channel, visitor, this.clamp(clickAt + this.r() * 4 * DAY), 'human'));
        if (this.r() < 0.2)
          clicks.push(this.click(a, channel, randomBytes(9).toString('base64url'), clickAt, this.r() < 0.5 ? 'bot' : 'preview'));
        if (this.r() < 0.4) friends.push(await this.friend(sharer, visitor, this.clamp(clickAt + this.int(5, 600) * 60_000)));
      }
    }
    if (this.r() < 0.2) friends.push(await this.friend(sharer, null, this.clamp(from + this.r() * (this.now - from))));
    await this.w.pastClicks(clicks);
    return friends;
  }

  private click(a: Advocate, channel: string, visitorId: string, at: number, kind: Click['kind']): Click {
    return {
      id: randomUUID(),
      at,
      tenantId: this.tenantId,
      advocateId: a.id,
      campaignId: this.campaignId,
      channel,
      visitorId,
      ipHash: null,
      uaClass: kind === 'human' ? 'mobile' : kind,
      referrerHost: null,
      kind,
      active: true,
    };
  }

  /**
   * A friend's signup and maybe purchase, sent as the brand's server would. A few cheat: the same
   * person under another spelling of the advocate's email (blocked), or a disposable address (held
   * for review). Referral code when they came without a click.
   */
  private async friend(sharer: Sharer, visitor: string | null, at: number): Promise<Friend> {
    const a = sharer.advocate;
    const externalId = this.id('demo-friend');
    const roll = this.r();
    const email =
      roll < 0.06
        ? `${sharer.externalId}+${externalId}@example.com`
        : roll < 0.12
          ? `${externalId}@mailinator.com`
          : `${externalId}@example.com`;
    const buys = this.r() < 0.75;
    const friend: Friend = {
      externalId,
      advocate: a,
      at,
      buys,
      orderId: `demo-order-${randomUUID().slice(0, 8)}`,
      amount: this.int(25, 120) * 100,
    };
    const naming = visitor ? { visitorId: visitor } : { referralCode: a.code };
    const events: Record<string, unknown>[] = [
      { id: `${externalId}-signup`, type: 'signup', customerId: externalId, email, occurredAt: iso(at), ...naming },
    ];
    if (buys) {
      const boughtAt = this.clamp(at + this.r() * 2 * DAY);
      events.push({
        id: `${externalId}-buy`,
        type: 'purchase',
        customerId: externalId,
        orderId: friend.orderId,
        amount: friend.amount,
        currency: 'USD',
        occurredAt: iso(boughtAt),
      });
      const refund = this.r();
      if (refund < 0.1) {
        const amount = refund < 0.05 ? friend.amount : Math.floor(friend.amount / 2);
        events.push({
          id: `${externalId}-refund`,
          type: 'refund',
          customerId: externalId,
          orderId: friend.orderId,
          amount,
          currency: 'USD',
          occurredAt: iso(this.clamp(boughtAt + 3 * DAY)),
        });
        if (refund < 0.05) friend.buys = false;
      }
    }
    await this.w.events(this.tenantId, events);
    return friend;
  }

  /** Friends who bought and were delighted at first use become advocates: the next generation. */
  private async aftermath(friends: readonly Friend[]): Promise<Sharer[]> {
    const next: Sharer[] = [];
    for (const f of friends) {
      if (!f.buys || f.at + 4 * DAY > this.now) continue;
      const advocate = await this.experience(f.externalId, f.at + DAY, this.r() < 0.55);
      if (advocate) next.push(advocate);
    }
    return next;
  }
}

function iso(t: number): string {
  return new Date(t).toISOString();
}
