import { describe, expect, it } from '@jest/globals';
import { shareIntents, shareLink } from './share-intents.js';

const campaign = {
  channels: ['email', 'sms', 'whatsapp', 'x', 'facebook', 'linkedin', 'copy', 'mastodon', 'evil'],
  customChannels: [
    { name: 'mastodon', shareUrlTemplate: 'https://mastodon.social/share?text={text}%20{url}' },
    { name: 'evil', shareUrlTemplate: 'javascript:alert({url})' },
  ],
  message: { headline: 'Give 10 & get 10', body: 'Try it:' },
};

describe('shareIntents', () => {
  const links = shareIntents(campaign, 'ABC123', 'https://go.example.com/');
  const byChannel = Object.fromEntries(links.map((l) => [l.channel, l]));

  it('gives each channel its own tracked link', () => {
    expect(byChannel.x!.url).toBe('https://go.example.com/r/ABC123/x');
    expect(shareLink('https://go.example.com', 'ABC123')).toBe('https://go.example.com/r/ABC123');
  });

  it('builds every built-in intent with the message and the link encoded', () => {
    const u = encodeURIComponent;
    expect(byChannel.email!.shareUrl).toBe(
      `mailto:?subject=${u('Give 10 & get 10')}&body=${u('Try it:\n\nhttps://go.example.com/r/ABC123/email')}`,
    );
    expect(byChannel.sms!.shareUrl).toBe(`sms:?&body=${u('Try it: https://go.example.com/r/ABC123/sms')}`);
    expect(byChannel.whatsapp!.shareUrl).toBe(`https://wa.me/?text=${u('Try it: https://go.example.com/r/ABC123/whatsapp')}`);
    expect(byChannel.x!.shareUrl).toBe(
      `https://twitter.com/intent/tweet?text=${u('Try it:')}&url=${u('https://go.example.com/r/ABC123/x')}`,
    );
    expect(byChannel.facebook!.shareUrl).toBe(
      `https://www.facebook.com/sharer/sharer.php?u=${u('https://go.example.com/r/ABC123/facebook')}`,
    );
    expect(byChannel.linkedin!.shareUrl).toBe(
      `https://www.linkedin.com/sharing/share-offsite/?url=${u('https://go.example.com/r/ABC123/linkedin')}`,
    );
    expect(byChannel.copy!.shareUrl).toBe('https://go.example.com/r/ABC123/copy');
  });

  it('fills custom templates and drops any that would not be a safe URL', () => {
    expect(byChannel.mastodon!.shareUrl).toBe(
      `https://mastodon.social/share?text=${encodeURIComponent('Try it:')}%20${encodeURIComponent('https://go.example.com/r/ABC123/mastodon')}`,
    );
    expect(byChannel.evil).toBeUndefined();
  });
});
