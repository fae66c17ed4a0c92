import { describe, expect, it } from '@jest/globals';
import { classifyAgent, referrerHost } from './click.js';
import { referralDestination } from './redirect.service.js';

describe('classifyAgent', () => {
  it('tells link previews, bots and people apart', () => {
    expect(classifyAgent('Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)').kind).toBe('preview');
    expect(classifyAgent('facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)').kind).toBe('preview');
    expect(classifyAgent('WhatsApp/2.23.20.0').kind).toBe('preview');
    expect(classifyAgent('Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)').kind).toBe('preview');
    expect(classifyAgent('TelegramBot (like TwitterBot)').kind).toBe('preview');
    expect(classifyAgent('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)').kind).toBe('bot');
    expect(classifyAgent('curl/8.4.0').kind).toBe('bot');
    expect(classifyAgent(undefined).kind).toBe('bot');
    const iphone =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
    expect(classifyAgent(iphone)).toEqual({ kind: 'human', uaClass: 'mobile' });
    const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
    expect(classifyAgent(chrome)).toEqual({ kind: 'human', uaClass: 'desktop' });
  });
});

describe('referrerHost', () => {
  it('keeps only the host', () => {
    expect(referrerHost('https://Mail.Example.org:8443/inbox/1?u=someone')).toBe('mail.example.org');
    expect(referrerHost('not a url')).toBeNull();
    expect(referrerHost(undefined)).toBeNull();
  });
});

describe('referralDestination', () => {
  it('keeps the destination’s own parameters and fragment, and replaces ours', () => {
    const link = {
      code: 'ABC',
      tenantId: 't',
      advocateId: 'a',
      campaignId: 'c',
      campaignSlug: 'spring',
      campaignStatus: 'ACTIVE' as const,
      destinationUrl: 'https://shop.example.com/p?x=1&utm_source=old&tl_vid=stale#frag',
      channels: [],
    };
    const [prefix, hash] = referralDestination(link, 'email');
    expect(prefix).toBe('https://shop.example.com/p?x=1&utm_source=truthloop&ref=ABC&utm_medium=email&utm_campaign=spring');
    expect(hash).toBe('#frag');
  });
});
