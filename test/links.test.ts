import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type pg from 'pg';
import {
  createTenant,
  eventually,
  pool,
  startApi,
  startWorker,
  testEnv,
  type RunningApi,
  type RunningProcess,
  type TestEnv,
} from './support/harness.js';
import { clickCount, clickRows, click, createActiveCampaign, insertAdvocate, setStatus, type TestCampaign } from './support/links.js';

const SLACK_PREVIEW = 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

function cookieValue(res: Response): string {
  const header = res.headers.get('set-cookie') ?? '';
  return /tl_vid=([^;]+)/.exec(header)?.[1] ?? '';
}

// Real processes start and stop here; jest's 5 s default is too short for that.
jest.setTimeout(90_000);

describe('links: redirect and clicks', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: RunningProcess;
  let db: pg.Pool;
  let tenant: { tenantId: string; apiKey: string };
  let campaign: TestCampaign;

  beforeAll(async () => {
    // The test plays the proxy in front of the API (X-Forwarded-Proto: https).
    env = testEnv({ TRUST_PROXY: 'loopback' });
    [api, worker] = await Promise.all([startApi(env), startWorker(env)]);
    db = pool(env);
    tenant = await createTenant(env, 'Links');
    campaign = await createActiveCampaign(api, tenant.apiKey, { channels: ['email', 'whatsapp', 'x', 'copy'] });
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await db?.end();
  });

  describe('the redirect', () => {
    it('sends the friend to the destination with the referral parameters and a visitor cookie', async () => {
      const advocate = await insertAdvocate(env, tenant.tenantId, campaign.id);
      const res = await click(api, `/r/${advocate.code}`);
      expect(res.status).toBe(302);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const location = new URL(res.headers.get('location')!);
      expect(location.origin + location.pathname).toBe('https://shop.example.com/welcome');
      expect(location.hash).toBe('#top');
      const vid = cookieValue(res);
      expect(vid).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
      expect(Object.fromEntries(location.searchParams)).toEqual({
        src: 'partner',
        ref: advocate.code,
        utm_source: 'truthloop',
        utm_medium: 'link',
        utm_campaign: campaign.slug,
        tl_vid: vid,
      });
      const cookie = res.headers.get('set-cookie')!;
      expect(cookie).toContain('Path=/');
      expect(cookie).toContain('Max-Age=31536000');
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Lax');
      expect(cookie).not.toContain('Secure');
    });

    it('names the channel, keeps the visitor, marks the cookie Secure behind https and ignores code case', async () => {
      const advocate = await insertAdvocate(env, tenant.tenantId, campaign.id);
      const first = await click(api, `/r/${advocate.code}/whatsapp`, { 'x-forwarded-proto': 'https' });
      const vid = cookieValue(first);
      expect(first.headers.get('set-cookie')).toContain('; Secure');
      expect(new URL(first.headers.get('location')!).searchParams.get('utm_medium')).toBe('whatsapp');

      const again = await click(api, `/r/${advocate.code.toLowerCase()}/x`, { cookie: `other=1; tl_vid=${vid}` });
      const location = new URL(again.headers.get('location')!);
      expect(location.searchParams.get('tl_vid')).toBe(vid);
      expect(location.searchParams.get('utm_medium')).toBe('x');
      expect(location.searchParams.get('ref')).toBe(advocate.code);
      expect(cookieValue(again)).toBe(vid);

      // A channel the campaign does not have still redirects; it counts as a plain link click.
      const unknown = await click(api, `/r/${advocate.code}/myspace`);
      expect(unknown.status).toBe(302);
      expect(new URL(unknown.headers.get('location')!).searchParams.get('utm_medium')).toBe('link');

      await eventually(async () => (await clickCount(db, advocate.id)) === 3, 20_000, 'three clicks stored');
      const rows = await clickRows(db, advocate.id);
      expect(rows.map((r) => r.channel)).toEqual(['whatsapp', 'x', 'link']);
      expect(rows[0]!.visitor_id).toBe(vid);
      expect(rows[1]!.visitor_id).toBe(vid);
    });

    it('answers an unknown code with a 404 page', async () => {
      const res = await click(api, '/r/NO-SUCH-CODE');
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('text/html');
      const html = await res.text();
      expect(html).toContain('<html lang="en">');
      expect(html).toContain('does not exist');
    });
  });

  describe('click records', () => {
    it('stores bots and link previews apart from human clicks, and nothing for HEAD', async () => {
      const advocate = await insertAdvocate(env, tenant.tenantId, campaign.id);
      const head = await click(api, `/r/${advocate.code}`, {}, 'HEAD');
      expect(head.status).toBe(302);
      expect(head.headers.get('location')).toContain(`ref=${advocate.code}`);
      await click(api, `/r/${advocate.code}/email`, { 'user-agent': IPHONE, referer: 'https://mail.example.org/inbox/123?u=someone' });
      await click(api, `/r/${advocate.code}`, { 'user-agent': SLACK_PREVIEW });
      await click(api, `/r/${advocate.code}`, { 'user-agent': GOOGLEBOT });
      await click(api, `/r/${advocate.code}`, {
        'user-agent':
          'Mozilla/5.0 (Macintosh) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0',
      });

      await eventually(async () => (await clickCount(db, advocate.id)) === 4, 20_000, 'four clicks stored');
      const rows = await clickRows(db, advocate.id);
      expect(rows.map((r) => r.kind)).toEqual(['human', 'preview', 'bot', 'preview']);
      const human = rows[0]!;
      expect(human).toMatchObject({ channel: 'email', ua_class: 'mobile', referrer_host: 'mail.example.org', active: true });
      expect(human.tenant_id).toBe(tenant.tenantId);
      expect(human.campaign_id).toBe(campaign.id);
      expect(human.ip_hash).toMatch(/^[0-9a-f]{64}$/);
      // The IP is kept only as a keyed hash.
      expect(JSON.stringify(rows)).not.toContain('127.0.0.1');
      const humans = await db.query(`SELECT count(*)::int AS n FROM clicks WHERE advocate_id = $1 AND kind = 'human'`, [advocate.id]);
      expect(humans.rows[0].n).toBe(1);
    });

    it('reports redirect latency and the click buffer depth on /metrics', async () => {
      const body = await (await fetch(`${api.url}/metrics`)).text();
      expect(body).toMatch(/truthloop_redirect_duration_seconds_count \d+/);
      expect(body).toMatch(/truthloop_click_buffer_depth \d+/);
    });
  });

  describe('paused and ended campaigns', () => {
    it('redirects without referral parameters within seconds on every API process, and records inactive clicks', async () => {
      const other = await startApi(env);
      try {
        const paused = await createActiveCampaign(api, tenant.apiKey);
        const advocate = await insertAdvocate(env, tenant.tenantId, paused.id);
        // Warm both processes' caches and the Redis copy.
        for (const a of [api, other]) expect((await click(a, `/r/${advocate.code}`)).headers.get('location')).toContain('ref=');

        await setStatus(api, tenant.apiKey, paused.id, 'PAUSED');
        for (const a of [api, other]) {
          await eventually(
            async () =>
              (await click(a, `/r/${advocate.code}/email`)).headers.get('location') === 'https://shop.example.com/welcome?src=partner#top',
            15_000,
            'the paused campaign to redirect without parameters',
          );
        }
        await setStatus(api, tenant.apiKey, paused.id, 'ENDED');
        // CONTRACT.md: an ended campaign's codes answer 404 (the click is still recorded, inactive).
        await eventually(
          async () => (await click(other, `/r/${advocate.code}`)).status === 404 || undefined,
          15_000,
          'the ended campaign to 404',
        );

        // Both processes' clicks flushed: at least the three made after the change.
        await eventually(
          async () => (await clickRows(db, advocate.id)).filter((r) => r.active === false).length >= 3 || undefined,
          20_000,
          'inactive clicks',
        );
        const rows = await clickRows(db, advocate.id);
        // Active until the change reached each process (the polling above), then inactive.
        expect(rows.slice(0, 2).every((r) => r.active === true)).toBe(true);
        expect(rows.at(-1)!.active).toBe(false);
        expect(rows.filter((r) => r.active === false).length).toBeGreaterThanOrEqual(3);
      } finally {
        await other.stop();
      }
    });
  });

  describe('no click is lost', () => {
    it('stores exactly N rows for N clicks, across a restart of the API before the flush', async () => {
      // An environment of its own, so no worker flushes until the API has restarted.
      const own = testEnv();
      let first: RunningApi | undefined = await startApi(own);
      let second: RunningApi | undefined;
      let ownWorker: RunningProcess | undefined;
      try {
        const advocate = await insertAdvocate(env, tenant.tenantId, campaign.id);
        const N = 300;
        for (let i = 0; i < N; i += 50) {
          const batch = await Promise.all(Array.from({ length: 50 }, () => click(first!, `/r/${advocate.code}`)));
          expect(batch.every((r) => r.status === 302)).toBe(true);
        }
        // SIGTERM: graceful shutdown sends what the process still holds to Redis.
        await first.stop();
        expect(first.output()).not.toContain('could not be buffered');
        first = undefined;
        second = await startApi(own);
        const M = 40;
        await Promise.all(Array.from({ length: M }, () => click(second!, `/r/${advocate.code}/x`)));
        expect(await clickCount(db, advocate.id)).toBe(0);

        ownWorker = await startWorker(own);
        await eventually(async () => (await clickCount(db, advocate.id)) >= N + M, 30_000, `${N + M} clicks stored`);
        // Several flushes later, still exactly one row per click.
        await new Promise((r) => setTimeout(r, 2500));
        expect(await clickCount(db, advocate.id)).toBe(N + M);
      } finally {
        await Promise.all([first?.stop(), second?.stop(), ownWorker?.stop()]);
      }
    });

    it('stores exactly N rows for N clicks spread over two API processes', async () => {
      const other = await startApi(env);
      try {
        const advocate = await insertAdvocate(env, tenant.tenantId, campaign.id);
        const N = 200;
        const responses = await Promise.all(Array.from({ length: N }, (_, i) => click(i % 2 ? api : other, `/r/${advocate.code}`)));
        expect(responses.every((r) => r.status === 302)).toBe(true);
        await eventually(async () => (await clickCount(db, advocate.id)) >= N, 30_000, `${N} clicks stored`);
        await new Promise((r) => setTimeout(r, 2500));
        expect(await clickCount(db, advocate.id)).toBe(N);
      } finally {
        await other.stop();
      }
    });
  });

  describe('codes', () => {
    it('are unique across tenants, whatever the case', async () => {
      const advocate = await insertAdvocate(env, tenant.tenantId, campaign.id, { code: 'SharedVanity' });
      const otherTenant = await createTenant(env, 'Other brand');
      const otherCampaign = await createActiveCampaign(api, otherTenant.apiKey);
      await expect(insertAdvocate(env, otherTenant.tenantId, otherCampaign.id, { code: 'sharedvanity' })).rejects.toThrow(/taken/);
      const res = await click(api, '/r/SHAREDVANITY');
      expect(new URL(res.headers.get('location')!).searchParams.get('ref')).toBe(advocate.code);
    });
  });
});
