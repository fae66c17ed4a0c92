import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { decodeHTML } from 'entities';
import { mkdir } from 'node:fs/promises';
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
import { launchChromium } from './support/browser.js';
import { click, createActiveCampaign, insertAdvocate, setStatus, type TestCampaign } from './support/links.js';

jest.setTimeout(90_000);

async function shares(db: pg.Pool, advocateId: string): Promise<{ channel: string; source: string }[]> {
  const { rows } = await db.query(`SELECT channel, source FROM shares WHERE advocate_id = $1 ORDER BY occurred_at`, [advocateId]);
  return rows;
}

describe('share page', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: RunningProcess;
  let db: pg.Pool;
  let tenant: { tenantId: string; apiKey: string };
  let campaign: TestCampaign;

  beforeAll(async () => {
    env = testEnv();
    [api, worker] = await Promise.all([startApi(env), startWorker(env)]);
    db = pool(env);
    tenant = await createTenant(env, 'Share page');
    campaign = await createActiveCampaign(api, tenant.apiKey, {
      message: { headline: 'Give <b>10</b> & get "10"', body: 'I love this shop <script>alert(1)</script>, try it:' },
      channels: ['email', 'sms', 'whatsapp', 'x', 'facebook', 'linkedin', 'copy'],
      customChannels: [{ name: 'mastodon', shareUrlTemplate: 'https://mastodon.social/share?text={text}%20{url}' }],
    });
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await db?.end();
  });

  it('shows the message, the link, a share button per channel, a QR code and progress; escaped, first name only', async () => {
    const advocate = await insertAdvocate(env, tenant.tenantId, campaign.id, { name: 'Ada Lovelace', email: 'ada@example.com' });
    // Two human clicks, one bot: the page counts the human ones.
    await click(api, `/r/${advocate.code}`);
    await click(api, `/r/${advocate.code}/x`);
    await click(api, `/r/${advocate.code}`, { 'user-agent': 'curl/8.0' });
    await eventually(async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM clicks WHERE advocate_id = $1`, [advocate.id]);
      return rows[0].n === 3;
    });

    const res = await fetch(`${api.url}/a/${advocate.portalToken}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('name="viewport"');
    expect(html).toContain('Give &lt;b&gt;10&lt;&#x2F;b&gt; &amp; get &quot;10&quot;');
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('Hi Ada,');
    expect(html).not.toContain('Lovelace');
    expect(html).not.toContain('ada@example.com');
    // What the browser reads: attribute values decoded.
    const page = decodeHTML(html);
    expect(page).toContain(`/r/${advocate.code}/copy`);
    expect(page).toMatch(/<svg[^>]*viewBox/);
    expect(page).toContain('https://wa.me/?text=');
    expect(page).toContain('https://twitter.com/intent/tweet?text=');
    expect(page).toContain('mailto:?subject=');
    expect(page).toContain('sms:?&body=');
    expect(page).toContain('https://www.facebook.com/sharer/sharer.php?u=');
    expect(page).toContain('https://www.linkedin.com/sharing/share-offsite/?url=');
    expect(page).toContain(`https://mastodon.social/share?text=`);
    expect(html).toMatch(/<dt>Clicks<\/dt><dd>2<\/dd>/);
    expect(html).toContain('$0.00');
  });

  it('answers an unknown token with a 404 page', async () => {
    const res = await fetch(`${api.url}/a/not-a-real-token-123`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('does not exist');
  });

  it('records shares from the page buttons, refusing channels the campaign does not have', async () => {
    const advocate = await insertAdvocate(env, tenant.tenantId, campaign.id);
    const post = (channel: unknown) =>
      fetch(`${api.url}/a/${advocate.portalToken}/share`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channel }),
      });
    expect((await post('whatsapp')).status).toBe(202);
    expect((await post('mastodon')).status).toBe(202);
    const bad = await post('myspace');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { fields: { field: string }[] } }).error.fields[0]!.field).toBe('channel');
    expect(
      (
        await fetch(`${api.url}/a/nope-nope-nope/share`, {
          method: 'POST',
          body: '{"channel":"x"}',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(404);
    expect(await shares(db, advocate.id)).toEqual([
      { channel: 'whatsapp', source: 'page' },
      { channel: 'mastodon', source: 'page' },
    ]);
  });

  it('hides the share buttons of a campaign that is not running', async () => {
    const paused = await createActiveCampaign(api, tenant.apiKey);
    const advocate = await insertAdvocate(env, tenant.tenantId, paused.id);
    await setStatus(api, tenant.apiKey, paused.id, 'PAUSED');
    const html = await (await fetch(`${api.url}/a/${advocate.portalToken}`)).text();
    expect(html).toContain('not running');
    expect(html).not.toContain('wa.me');
  });

  it('works in a real browser: copy the link, press a share button, the share is recorded', async () => {
    const advocate = await insertAdvocate(env, tenant.tenantId, campaign.id, { name: 'Grace' });
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: api.url });
      // Nothing leaves the machine: share intents to other sites are answered here.
      const intents: string[] = [];
      await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, async (route) => {
        intents.push(route.request().url());
        await route.fulfill({ status: 200, contentType: 'text/html', body: '<title>intent</title>' });
      });
      const page = await context.newPage();
      await page.goto(`${api.url}/a/${advocate.portalToken}`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Give <b>10</b> & get "10"');

      await page.getByRole('button', { name: 'Copy link' }).click();
      await page.getByText('Link copied to the clipboard.').waitFor();
      const copied = (await page.evaluate('navigator.clipboard.readText()')) as string;
      expect(copied).toBe(await page.inputValue('#link'));
      expect(copied).toMatch(new RegExp(`/r/${advocate.code}/copy$`));

      const [popup] = await Promise.all([context.waitForEvent('page'), page.getByRole('link', { name: 'Share by WhatsApp' }).click()]);
      await popup.waitForLoadState();
      expect(intents.some((u) => u.startsWith('https://wa.me/?text='))).toBe(true);

      await eventually(async () => (await shares(db, advocate.id)).length === 2, 10_000, 'two shares recorded');
      expect((await shares(db, advocate.id)).map((s) => s.channel).sort()).toEqual(['copy', 'whatsapp']);

      await mkdir('test/artifacts', { recursive: true });
      await page.screenshot({ path: 'test/artifacts/share-page.png', fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
