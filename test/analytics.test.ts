import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type pg from 'pg';
import { signDashboard } from '#libs/analytics/index.js';
import { cli, createTenant, gql, pool, startApi, testEnv, type RunningApi, type TestEnv } from './support/harness.js';
import { launchChromium } from './support/browser.js';
import { createActiveCampaign, type TestCampaign } from './support/links.js';
import { bruteForce, generateHistory, insertHistory, type History } from './support/analytics-data.js';
import type { AttributedBy, ReferralStatus } from '#libs/referrals/index.js';
import type { WorldHistory } from '#libs/world/index.js';
import { testWorld } from './support/world.js';

type World = Awaited<ReturnType<typeof testWorld>>;

const SECRET_KEY = 'analytics-test-secret-key-0123456789';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2024-03-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

const STATS = `query($id: ID!, $from: DateTime, $to: DateTime) { campaignStats(campaignId: $id, from: $from, to: $to) {
  clicks humanClicks shares signups conversions revenue { amount currency } rewardCost { amount currency } advocates
  kFactor shareRate conversionRate returnOnRelationship cycleRestartRate promiseKeptRate } }`;
const CYCLE = `query($id: ID!) { cycle(campaignId: $id) { zmot fmot smot imot generations { generation advocates conversions } } }`;
const LEADERBOARD = `query($id: ID!, $first: Int) { leaderboard(campaignId: $id, first: $first) {
  rank conversions humanClicks shares rewards { amount currency } advocate { id imot { shares distinctVisitors channels activeDays score } } } }`;
const CHANNELS = `query($id: ID!) { channelReport(campaignId: $id) { channel shares humanClicks conversions preferredBy } }`;

async function sql(db: pg.Pool, text: string, params: unknown[] = []): Promise<Record<string, string>[]> {
  return (await db.query(text, params)).rows;
}

describe('analytics', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: pg.Pool;
  let world: World;

  beforeAll(async () => {
    env = testEnv({ SECRET_KEY });
    api = await startApi(env);
    db = pool(env);
    world = await testWorld(env);
  });
  afterAll(async () => {
    await api?.stop();
    await db?.end();
    await world?.close();
  });

  describe('a small hand-computed campaign', () => {
    let tenant: { tenantId: string; apiKey: string };
    let campaign: TestCampaign;
    const id: Record<string, string> = {};

    beforeAll(async () => {
      tenant = await createTenant(env, 'Analytics by hand');
      campaign = await createActiveCampaign(api, tenant.apiKey, {
        channels: ['email', 'whatsapp', 'x', 'copy'],
        advocateReward: { kind: 'FIXED', amount: 1000, currency: 'USD' },
        friendIncentive: { kind: 'PERCENT', percentBps: 1000, currency: 'USD' },
      });
      // The history, loaded through each owning repository's import (the world builder).
      const h: WorldHistory = { customers: [], advocates: [], clicks: [], shares: [], referrals: [], rewards: [], feedback: [] };
      const customer = (name: string, extra: { firstUse?: number; delight?: number } = {}) => {
        id[name] = randomUUID();
        h.customers!.push({
          id: id[name],
          externalId: `${name}-${randomUUID()}`,
          firstUseAt: extra.firstUse === undefined ? null : new Date(at(extra.firstUse)),
          delight: extra.delight === undefined ? null : { score: extra.delight, reasons: [] },
        });
      };
      const advocate = (name: string, customerName: string, generation: number, createdAt: number) => {
        id[name] = randomUUID();
        h.advocates!.push({
          id: id[name],
          customerId: id[customerName]!,
          code: `H${randomUUID().slice(0, 10)}`,
          portalToken: randomUUID(),
          generation,
          createdAt: new Date(at(createdAt)),
        });
      };
      for (const c of ['cA', 'cB', 'cC', 'f2', 'f4', 'f5']) customer(c);
      customer('f1', { firstUse: 6 * HOUR, delight: 85 });
      customer('f3', { firstUse: 7 * DAY, delight: 50 });
      advocate('A', 'cA', 1, 0);
      advocate('B', 'cB', 1, DAY);
      advocate('C', 'cC', 1, 40 * DAY);
      advocate('D', 'f1', 2, 10 * DAY);

      const click = (adv: string, ms: number, channel: string, visitor: string, kind: 'human' | 'bot' | 'preview' = 'human') =>
        h.clicks!.push({
          id: randomUUID(),
          at: Date.parse(at(ms)),
          tenantId: tenant.tenantId,
          advocateId: id[adv]!,
          campaignId: campaign.id,
          channel,
          visitorId: visitor,
          ipHash: null,
          uaClass: kind === 'human' ? 'desktop' : kind,
          referrerHost: null,
          kind,
          active: true,
        });
      click('A', HOUR, 'email', 'v1');
      click('A', HOUR + 10 * 60_000, 'email', 'v1'); // same visitor, same hour: one human click
      click('A', 3 * HOUR, 'whatsapp', 'v1');
      click('A', 2 * DAY, 'whatsapp', 'v2');
      click('A', 2 * DAY, 'whatsapp', 'bot-1', 'bot');
      click('A', 2 * DAY, 'whatsapp', 'preview-1', 'preview');
      click('B', 5 * DAY, 'x', 'v3');

      const share = (adv: string, ms: number, channel: string) =>
        h.shares!.push({ advocateId: id[adv]!, channel, at: new Date(at(ms)), source: 'event' });
      share('A', 0, 'email');
      share('A', 2 * DAY, 'whatsapp');
      share('C', 41 * DAY, 'x');
      share('D', 11 * DAY, 'email');

      const referral = (
        name: string,
        adv: string,
        friend: string,
        r: {
          status: ReferralStatus;
          by: AttributedBy;
          visitor?: string;
          created: number;
          converted?: number;
          amount?: number;
          currency?: string;
          refunded?: number;
        },
      ) => {
        id[name] = randomUUID();
        h.referrals!.push({
          id: id[name],
          advocateId: id[adv]!,
          referredCustomerId: id[friend]!,
          status: r.status,
          attributedBy: r.by,
          visitorId: r.visitor ?? null,
          orderId: r.amount ? `order-${name}` : null,
          amount: r.amount ?? null,
          currency: r.currency ?? null,
          refundedAmount: r.refunded ?? 0,
          convertedAt: r.converted === undefined ? null : new Date(at(r.converted)),
          createdAt: new Date(at(r.created)),
          riskDecision: 'ALLOW',
        });
      };
      referral('r1', 'A', 'f1', {
        status: 'CONVERTED',
        by: 'VISITOR_ID',
        visitor: 'v1',
        created: 4 * HOUR,
        converted: 5 * HOUR,
        amount: 10000,
        currency: 'USD',
        refunded: 2000,
      });
      referral('r2', 'A', 'f2', {
        status: 'REVERSED',
        by: 'VISITOR_ID',
        visitor: 'v2',
        created: 2 * DAY + HOUR,
        converted: 2 * DAY + 2 * HOUR,
        amount: 5000,
        currency: 'USD',
        refunded: 5000,
      });
      referral('r3', 'B', 'f3', {
        status: 'APPROVED',
        by: 'REFERRAL_CODE',
        created: 6 * DAY,
        converted: 6 * DAY,
        amount: 8000,
        currency: 'EUR',
      });
      referral('r4', 'B', 'f4', { status: 'LEAD', by: 'REFERRAL_CODE', created: 7 * DAY });
      referral('r5', 'A', 'f5', { status: 'REJECTED', by: 'REFERRAL_CODE', created: 8 * DAY });

      const reward = (
        ref: string,
        adv: string,
        kind: 'ADVOCATE' | 'FRIEND',
        amount: number,
        reversed: number,
        currency: string,
        created: number,
      ) =>
        h.rewards!.push({
          referralId: id[ref]!,
          advocateId: id[adv]!,
          kind,
          beneficiaryId: id[adv]!,
          amount,
          reversedAmount: reversed,
          currency,
          rule: { kind: 'FIXED', amount, percentBps: null, currency },
          orderId: null,
          createdAt: new Date(at(created)),
        });
      reward('r1', 'A', 'ADVOCATE', 1000, 0, 'USD', 5 * HOUR);
      reward('r1', 'A', 'FRIEND', 1000, 200, 'USD', 5 * HOUR);
      reward('r2', 'A', 'ADVOCATE', 1000, 1000, 'USD', 2 * DAY + 2 * HOUR);
      reward('r2', 'A', 'FRIEND', 500, 500, 'USD', 2 * DAY + 2 * HOUR);
      reward('r3', 'B', 'ADVOCATE', 1000, 0, 'USD', 6 * DAY);
      reward('r3', 'B', 'FRIEND', 800, 0, 'EUR', 6 * DAY);

      const feedback = (customerName: string, ms: number, met: boolean | null, preferred: string[] | null) =>
        h.feedback!.push({
          customerId: id[customerName]!,
          occurredAt: new Date(at(ms)),
          nps: 9,
          expectationMet: met,
          preferredChannels: preferred,
        });
      feedback('f1', DAY, true, ['email', 'TikTok']);
      feedback('f1', 3 * DAY, false, null); // a later answer: the first one counts
      feedback('f2', 3 * DAY, false, ['email']);
      feedback('f3', 8 * DAY, null, null);
      feedback('cA', 0, true, ['whatsapp']); // not referred: no part of promiseKeptRate
      await world.builder.importHistory(tenant.tenantId, campaign.id, h);
    });

    it('campaignStats: every figure, all time', async () => {
      const res = await gql(api, tenant.apiKey, STATS, { id: campaign.id });
      expect(res.errors).toBeUndefined();
      const s = res.data!.campaignStats;
      expect(s).toEqual({
        clicks: 7,
        humanClicks: 4,
        shares: 4,
        signups: 4,
        conversions: 2,
        revenue: [
          { amount: 8000, currency: 'EUR' },
          { amount: 8000, currency: 'USD' },
        ],
        rewardCost: [
          { amount: 800, currency: 'EUR' },
          { amount: 2800, currency: 'USD' },
        ],
        advocates: 4,
        kFactor: 0.5,
        shareRate: 0.75,
        conversionRate: 0.5,
        returnOnRelationship: expect.closeTo(8000 / 2800, 10),
        cycleRestartRate: 0.5,
        promiseKeptRate: 0.5,
      });
    });

    it('campaignStats over a period: each figure by its own moment, from included, to excluded', async () => {
      const res = await gql(api, tenant.apiKey, STATS, { id: campaign.id, from: at(DAY), to: at(7 * DAY) });
      expect(res.errors).toBeUndefined();
      expect(res.data!.campaignStats).toEqual({
        clicks: 4,
        humanClicks: 2,
        shares: 1,
        signups: 2,
        conversions: 1,
        revenue: [{ amount: 8000, currency: 'EUR' }],
        rewardCost: [
          { amount: 800, currency: 'EUR' },
          { amount: 1000, currency: 'USD' },
        ],
        advocates: 1,
        kFactor: 1,
        shareRate: 0,
        conversionRate: 0.5,
        returnOnRelationship: 0,
        cycleRestartRate: 0,
        promiseKeptRate: 0,
      });
    });

    it('ratios are null when there is nothing to divide by', async () => {
      const res = await gql(api, tenant.apiKey, STATS, { id: campaign.id, from: at(100 * DAY) });
      const s = res.data!.campaignStats;
      expect([s.kFactor, s.shareRate, s.conversionRate, s.returnOnRelationship, s.cycleRestartRate, s.promiseKeptRate]).toEqual([
        null,
        null,
        null,
        null,
        null,
        null,
      ]);
      expect(s.revenue).toEqual([]);
    });

    it('cycle: the four moments and the generations', async () => {
      const res = await gql(api, tenant.apiKey, CYCLE, { id: campaign.id });
      expect(res.errors).toBeUndefined();
      expect(res.data!.cycle).toEqual({
        zmot: 4,
        fmot: 2,
        smot: 1,
        imot: 1,
        generations: [
          { generation: 1, advocates: 3, conversions: 2 },
          { generation: 2, advocates: 1, conversions: 0 },
        ],
      });
    });

    it('leaderboard and IMOT: by conversions, then human clicks, then enrolment', async () => {
      const res = await gql(api, tenant.apiKey, LEADERBOARD, { id: campaign.id, first: 10 });
      expect(res.errors).toBeUndefined();
      const board = res.data!.leaderboard as { advocate: { id: string } }[];
      expect(board.map((e) => e.advocate.id)).toEqual([id.A, id.B, id.D, id.C]);
      expect(board[0]).toEqual({
        rank: 1,
        conversions: 1,
        humanClicks: 3,
        shares: 2,
        rewards: [{ amount: 1000, currency: 'USD' }],
        // 25·2/5 + 25·2/10 + 25·2/3 + 25·2/7 = 38.8
        advocate: { id: id.A, imot: { shares: 2, distinctVisitors: 2, channels: 2, activeDays: 2, score: 39 } },
      });
      expect(board[1]).toEqual({
        rank: 2,
        conversions: 1,
        humanClicks: 1,
        shares: 0,
        rewards: [{ amount: 1000, currency: 'USD' }],
        advocate: { id: id.B, imot: { shares: 0, distinctVisitors: 1, channels: 1, activeDays: 1, score: 14 } },
      });
      expect(board[3]).toMatchObject({ rank: 4, conversions: 0, humanClicks: 0, shares: 1, rewards: [] });
      const top = await gql(api, tenant.apiKey, LEADERBOARD, { id: campaign.id, first: 1 });
      expect((top.data!.leaderboard as unknown[]).length).toBe(1);
    });

    it('channelReport: results per channel next to stated preference; code conversions in "unknown"', async () => {
      const res = await gql(api, tenant.apiKey, CHANNELS, { id: campaign.id });
      expect(res.errors).toBeUndefined();
      expect(res.data!.channelReport).toEqual([
        { channel: 'email', shares: 2, humanClicks: 1, conversions: 0, preferredBy: 2 },
        { channel: 'whatsapp', shares: 1, humanClicks: 2, conversions: 1, preferredBy: 1 },
        { channel: 'x', shares: 1, humanClicks: 1, conversions: 0, preferredBy: 0 },
        { channel: 'copy', shares: 0, humanClicks: 0, conversions: 0, preferredBy: 0 },
        { channel: 'tiktok', shares: 0, humanClicks: 0, conversions: 0, preferredBy: 1 },
        { channel: 'unknown', shares: 0, humanClicks: 0, conversions: 1, preferredBy: 0 },
      ]);
    });

    it("another tenant's campaign is NOT_FOUND; a bad period is BAD_USER_INPUT", async () => {
      const other = await createTenant(env, 'Analytics other');
      for (const q of [STATS, CYCLE, LEADERBOARD, CHANNELS]) {
        const res = await gql(api, other.apiKey, q, { id: campaign.id });
        expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      }
      const link = await gql(api, other.apiKey, `mutation($id: ID!) { createDashboardLink(campaignId: $id) { url } }`, { id: campaign.id });
      expect(link.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const bad = await gql(api, tenant.apiKey, STATS, { id: campaign.id, from: at(2 * DAY), to: at(DAY) });
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('generated at scale', () => {
    let tenant: { tenantId: string; apiKey: string };
    let campaign: TestCampaign;
    let history: History;
    const channels = ['email', 'whatsapp', 'x', 'facebook', 'sms', 'copy'];

    beforeAll(async () => {
      tenant = await createTenant(env, 'Analytics at scale');
      campaign = await createActiveCampaign(api, tenant.apiKey, {
        name: 'Spring referrals',
        message: { headline: 'Give 10, get 10% off', body: 'Try it:' },
        channels,
        advocateReward: { kind: 'FIXED', amount: 1000, currency: 'USD' },
        friendIncentive: { kind: 'PERCENT', percentBps: 1000, currency: 'USD' },
      });
      history = generateHistory(20240301, 400);
      await insertHistory(world, tenant.tenantId, campaign.id, history);
      // Rows of another campaign of the same tenant must not leak into this one's figures.
      const otherCampaign = await createActiveCampaign(api, tenant.apiKey);
      await insertHistory(world, tenant.tenantId, otherCampaign.id, { ...generateHistory(7, 20), feedback: [] });
    });

    it('generates thousands of customers over several generations', () => {
      expect(history.customers.length).toBeGreaterThan(1500);
      expect(new Set(history.advocates.map((a) => a.generation)).size).toBeGreaterThanOrEqual(3);
      expect(history.referrals.some((r) => r.status === 'REVERSED')).toBe(true);
      expect(history.referrals.some((r) => r.refunded > 0 && r.status === 'CONVERTED')).toBe(true);
    });

    it('every figure matches a brute-force computation over the same rows', async () => {
      const now = Date.now();
      const periods: [number | null, number | null][] = [
        [null, null],
        [now - 60 * DAY, now - 10 * DAY],
        [now - 30 * DAY, null],
      ];
      for (const [from, to] of periods) {
        const expected = bruteForce(history, from, to, 'USD', channels);
        const res = await gql(api, tenant.apiKey, STATS, {
          id: campaign.id,
          from: from === null ? null : new Date(from).toISOString(),
          to: to === null ? null : new Date(to).toISOString(),
        });
        expect(res.errors).toBeUndefined();
        const { returnOnRelationship, ...rest } = res.data!.campaignStats;
        const { returnOnRelationship: ror, ...expectedRest } = expected.stats;
        expect(rest).toEqual(expectedRest);
        if (ror === null) expect(returnOnRelationship).toBeNull();
        else expect(returnOnRelationship).toBeCloseTo(ror, 9);
      }

      const expected = bruteForce(history, null, null, 'USD', channels);
      const cycle = await gql(api, tenant.apiKey, CYCLE, { id: campaign.id });
      expect(cycle.data!.cycle).toEqual(expected.cycle);

      const board = await gql(api, tenant.apiKey, LEADERBOARD, { id: campaign.id, first: 100 });
      expect(board.errors).toBeUndefined();
      const got = board.data!.leaderboard as { advocate: { id: string; imot: Record<string, number> }; [k: string]: unknown }[];
      expect(got.map(({ advocate, rank: _rank, ...rest }) => ({ advocateId: advocate.id, ...rest }))).toEqual(
        expected.leaderboard.slice(0, 100),
      );
      for (const entry of got) {
        const { score, ...facts } = entry.advocate.imot;
        expect(facts).toEqual(expected.imot.get(entry.advocate.id));
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(100);
      }

      const report = await gql(api, tenant.apiKey, CHANNELS, { id: campaign.id });
      const byName = (rows: { channel: string }[]) => [...rows].sort((a, b) => a.channel.localeCompare(b.channel));
      expect(byName(report.data!.channelReport)).toEqual(byName(expected.channels));
    });

    it('the number of SQL statements per request does not grow with the list size', async () => {
      const statements = async (query: string, variables: Record<string, unknown>) => {
        const res = await fetch(`${api.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.apiKey}` },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await res.json()) as { errors?: unknown; data: Record<string, unknown[] | { edges: unknown[] }> };
        expect(body.errors).toBeUndefined();
        const header = res.headers.get('x-sql-statements');
        expect(header).toMatch(/^\d+$/);
        return { count: Number(header), body };
      };
      const nested = `advocate { id code imot { score shares } balance { available currency } customer { id externalId } campaign { id } }`;
      const board = `query($id: ID!, $first: Int) { leaderboard(campaignId: $id, first: $first) { rank ${nested} } }`;
      const small = await statements(board, { id: campaign.id, first: 5 });
      const large = await statements(board, { id: campaign.id, first: 50 });
      expect((large.body.data.leaderboard as unknown[]).length).toBe(50);
      expect(large.count).toBe(small.count);
      expect(small.count).toBeGreaterThan(0);

      const list = `query($id: ID!, $first: Int) { advocates(campaignId: $id, first: $first) { edges { node {
        id imot { score activeDays } balance { pending currency } customer { id } campaign { id } } } } }`;
      const few = await statements(list, { id: campaign.id, first: 5 });
      const many = await statements(list, { id: campaign.id, first: 60 });
      expect((many.body.data.advocates as { edges: unknown[] }).edges.length).toBe(60);
      expect(many.count).toBe(few.count);
    });

    it('refuses an over-costly leaderboard before it runs', async () => {
      const res = await gql(
        api,
        tenant.apiKey,
        `query($id: ID!) { leaderboard(campaignId: $id, first: 1000) { rank advocate { id imot { score } customer { id externalId email } balance { pending available paid } } } }`,
        { id: campaign.id },
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.extensions?.reason).toBe('COST_LIMIT');
    });

    describe('dashboard', () => {
      const link = async (ttlMinutes?: number) => {
        const res = await gql(
          api,
          tenant.apiKey,
          `mutation($id: ID!, $ttl: Int) { createDashboardLink(campaignId: $id, ttlMinutes: $ttl) { url expiresAt } }`,
          { id: campaign.id, ttl: ttlMinutes ?? null },
        );
        expect(res.errors).toBeUndefined();
        const { url, expiresAt } = res.data!.createDashboardLink as { url: string; expiresAt: string };
        const parsed = new URL(url);
        return { path: `${parsed.pathname}${parsed.search}`, expiresAt: new Date(expiresAt), parsed };
      };

      it('a signed link valid 24 hours by default, or for ttlMinutes', async () => {
        const { parsed, expiresAt } = await link();
        expect(parsed.pathname).toBe(`/dashboard/${campaign.id}`);
        expect(parsed.searchParams.get('sig')).toMatch(/^[0-9a-f]{64}$/);
        expect(Number(parsed.searchParams.get('exp')) * 1000).toBe(expiresAt.getTime());
        expect(Math.abs(expiresAt.getTime() - Date.now() - DAY)).toBeLessThan(60_000);
        const short = await link(5);
        expect(Math.abs(short.expiresAt.getTime() - Date.now() - 5 * 60_000)).toBeLessThan(60_000);
        const bad = await gql(api, tenant.apiKey, `mutation($id: ID!) { createDashboardLink(campaignId: $id, ttlMinutes: 0) { url } }`, {
          id: campaign.id,
        });
        expect(bad.errors?.[0]?.extensions?.fields).toEqual([expect.objectContaining({ field: 'ttlMinutes' })]);
      });

      it('a tampered or expired link gets a 403 page', async () => {
        const { parsed } = await link();
        const sig = parsed.searchParams.get('sig')!;
        const exp = Number(parsed.searchParams.get('exp'));
        const get = (path: string) => fetch(`${api.url}${path}`);
        const flipped = `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`;
        const cases = [
          `/dashboard/${campaign.id}?exp=${exp}&sig=${flipped}`,
          `/dashboard/${campaign.id}?exp=${exp + 3600}&sig=${sig}`,
          `/dashboard/${campaign.id}?exp=${exp}`,
          `/dashboard/${randomUUID()}?exp=${exp}&sig=${sig}`,
          `/dashboard/not-a-uuid?exp=${exp}&sig=${sig}`,
        ];
        for (const path of cases) {
          const res = await get(path);
          expect(res.status).toBe(403);
          expect(res.headers.get('content-type')).toContain('text/html');
          expect(await res.text()).toContain('not valid');
        }
        const past = Math.floor(Date.now() / 1000) - 60;
        const expired = await get(
          `/dashboard/${campaign.id}?exp=${past}&sig=${signDashboard(SECRET_KEY, tenant.tenantId, campaign.id, past)}`,
        );
        expect(expired.status).toBe(403);
        expect(await expired.text()).toContain('has expired');
      });

      it('serves the page with no third-party anything', async () => {
        const { path } = await link();
        const res = await fetch(`${api.url}${path}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
        const html = await res.text();
        expect(html).toContain('Spring referrals');
        expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
        expect(html.match(/<svg/g)!.length).toBeGreaterThanOrEqual(3);
      });

      it('renders the funnel, generations, channels and leaderboard in a real browser', async () => {
        const { path } = await link();
        const expected = bruteForce(history, null, null, 'USD', channels);
        const browser = await launchChromium();
        try {
          const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
          const outside: string[] = [];
          await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, async (route) => {
            outside.push(route.request().url());
            await route.abort();
          });
          const page = await context.newPage();
          const violations: string[] = [];
          page.on('console', (m) => {
            if (m.type() === 'error') violations.push(m.text());
          });
          await page.goto(`${api.url}${path}`);
          expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Spring referrals');
          const funnel = page.getByRole('img', { name: /Cycle funnel/ });
          expect(await funnel.isVisible()).toBe(true);
          expect(await funnel.getAttribute('aria-labelledby')).toBe('funnel-title');
          expect(await page.locator('#funnel-title').textContent()).toBe(
            `Cycle funnel: ZMOT ${expected.cycle.zmot}, FMOT ${expected.cycle.fmot}, SMOT ${expected.cycle.smot}, IMOT ${expected.cycle.imot}`,
          );
          expect(await page.getByRole('img', { name: /Generations/ }).isVisible()).toBe(true);
          expect(await page.getByRole('heading', { name: 'Leaderboard' }).isVisible()).toBe(true);
          expect(await page.locator('table').last().locator('tbody tr').count()).toBe(10);
          const box = await funnel.boundingBox();
          expect(box!.width).toBeGreaterThan(300);
          expect(outside).toEqual([]);
          expect(violations).toEqual([]);
          await mkdir('test/artifacts', { recursive: true });
          await page.screenshot({ path: 'test/artifacts/dashboard.png', fullPage: true });
        } finally {
          await browser.close();
        }
      });
    });
  });

  it('npm run cli -- demo: a tenant with an active campaign and a history the dashboard can show', async () => {
    const { stdout, stderr, code } = await cli(['demo'], env);
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const out = JSON.parse(stdout) as { apiKey: string; tenantId: string; campaignId: string; sharePageUrl: string; dashboardUrl: string };
    expect(Object.keys(out).sort()).toEqual(['apiKey', 'campaignId', 'dashboardUrl', 'sharePageUrl', 'tenantId']);
    const local = (url: string) => `${api.url}${new URL(url).pathname}${new URL(url).search}`;
    const dashboard = await fetch(local(out.dashboardUrl));
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain('Bring a friend');
    expect((await fetch(local(out.sharePageUrl))).status).toBe(200);

    const res = await gql(
      api,
      out.apiKey,
      `query($id: ID!) { campaign(id: $id) { status } campaignStats(campaignId: $id) { conversions rewardCost { amount currency } }
         cycle(campaignId: $id) { generations { generation } } }`,
      { id: out.campaignId },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.campaign.status).toBe('ACTIVE');
    expect(res.data!.campaignStats.conversions).toBeGreaterThan(50);
    expect(res.data!.cycle.generations.length).toBeGreaterThanOrEqual(3);
    const [facts] = await sql(
      db,
      `SELECT count(*) FILTER (WHERE status = 'REVERSED') AS reversed, count(*) FILTER (WHERE status = 'REJECTED' AND risk_decision = 'BLOCK') AS fraud,
         count(*) FILTER (WHERE refunded_amount > 0 AND status = 'CONVERTED') AS partial
       FROM referrals WHERE tenant_id = $1`,
      [out.tenantId],
    );
    expect(Number(facts!.reversed)).toBeGreaterThan(0);
    expect(Number(facts!.fraud)).toBeGreaterThan(0);
    expect(Number(facts!.partial)).toBeGreaterThan(0);
    // Rewards went through the ledger: the campaign's expense account holds exactly the reward cost.
    const [expense] = await sql(
      db,
      `SELECT coalesce(sum(e.amount), 0)::text AS total FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
       WHERE a.tenant_id = $1 AND a.owner_type = 'campaign' AND a.kind = 'reward_expense' AND a.currency = 'USD'`,
      [out.tenantId],
    );
    const cost = (res.data!.campaignStats.rewardCost as { amount: number; currency: string }[]).find((m) => m.currency === 'USD')!.amount;
    expect(Math.abs(Number(expense!.total))).toBe(cost);
  });
});
