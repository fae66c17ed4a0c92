import { describe, expect, it } from '@jest/globals';
import { CODE_ALPHABET, generateCode, generatePortalToken } from './codes.js';
import { shareIntents } from '#libs/links/index.js';

const campaign = {
  channels: ['email', 'sms', 'whatsapp', 'x', 'facebook', 'linkedin', 'copy', 'mastodon'],
  customChannels: [{ name: 'mastodon', shareUrlTemplate: 'https://mastodon.social/share?text={text}' }],
  message: { headline: 'Give 10, get 10', body: 'I love this & you will too' },
};

describe('Advocate.links (shareIntents)', () => {
  const links = Object.fromEntries(shareIntents(campaign, 'ABC234', 'https://go.example').map((l) => [l.channel, l]));
  const url = 'https://go.example/r/ABC234';

  it('tracks each channel on its own URL', () => {
    expect(links.email!.url).toBe(`${url}/email`);
    expect(links.copy!.shareUrl).toBe(`${url}/copy`);
  });

  it('renders the one message for each channel', () => {
    expect(links.email!.shareUrl).toBe(
      `mailto:?subject=Give%2010%2C%20get%2010&body=${encodeURIComponent(`I love this & you will too\n\n${url}/email`)}`,
    );
    expect(links.sms!.shareUrl).toMatch(/^sms:\?&body=I%20love/);
    expect(links.whatsapp!.shareUrl).toBe(`https://wa.me/?text=${encodeURIComponent(`I love this & you will too ${url}/whatsapp`)}`);
    expect(links.x!.shareUrl).toBe(
      `https://twitter.com/intent/tweet?text=${encodeURIComponent('I love this & you will too')}&url=${encodeURIComponent(`${url}/x`)}`,
    );
    expect(links.facebook!.shareUrl).toBe(`https://www.facebook.com/sharer/sharer.php?u=${encodeURIComponent(`${url}/facebook`)}`);
    expect(links.linkedin!.shareUrl).toBe(`https://www.linkedin.com/sharing/share-offsite/?url=${encodeURIComponent(`${url}/linkedin`)}`);
  });

  it('fills custom templates, keeping the link when the template has no {url}', () => {
    expect(links.mastodon!.shareUrl).toBe(
      `https://mastodon.social/share?text=${encodeURIComponent(`I love this & you will too ${url}/mastodon`)}`,
    );
  });
});

describe('codes', () => {
  it('are short, from the unambiguous alphabet, and differ', () => {
    const codes = Array.from({ length: 200 }, () => generateCode());
    for (const c of codes) expect(c).toMatch(new RegExp(`^[${CODE_ALPHABET}]{8}$`));
    expect(new Set(codes).size).toBe(codes.length);
    expect(CODE_ALPHABET).not.toMatch(/[01OIL]/);
  });

  it('portal tokens carry at least 128 bits', () => {
    expect(Buffer.from(generatePortalToken(), 'base64url').length).toBeGreaterThanOrEqual(16);
  });
});
