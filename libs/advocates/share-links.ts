import type { Campaign } from '#libs/campaigns/index.js';
import type { ShareLink } from './advocate.js';

const enc = encodeURIComponent;

type Render = (url: string, message: Campaign['message']) => string;

/** The built-in channels' share intents. */
const BUILT_IN: Record<string, Render> = {
  email: (url, m) => `mailto:?subject=${enc(m.headline)}&body=${enc(`${m.body}\n\n${url}`)}`,
  // `?&body=` is understood by both iOS and Android messaging apps.
  sms: (url, m) => `sms:?&body=${enc(`${m.body} ${url}`)}`,
  whatsapp: (url, m) => `https://wa.me/?text=${enc(`${m.body} ${url}`)}`,
  x: (url, m) => `https://twitter.com/intent/tweet?text=${enc(m.body)}&url=${enc(url)}`,
  facebook: (url) => `https://www.facebook.com/sharer/sharer.php?u=${enc(url)}`,
  linkedin: (url) => `https://www.linkedin.com/sharing/share-offsite/?url=${enc(url)}`,
  copy: (url) => url,
};

/**
 * A custom channel's template: `{url}` is the tracked link and `{text}` the message, both
 * URL-encoded. A template without `{url}` gets the link inside `{text}`, so it is never lost.
 */
export function renderTemplate(template: string, url: string, message: Campaign['message']): string {
  const text = template.includes('{url}') ? message.body : `${message.body} ${url}`;
  return template.replaceAll('{url}', enc(url)).replaceAll('{text}', enc(text));
}

export function trackedUrl(publicUrl: string, code: string, channel: string): string {
  return `${publicUrl}/r/${enc(code)}/${enc(channel)}`;
}

/** One link per channel of the campaign; channels are data, so a new custom channel needs no code. */
export function shareLinks(
  publicUrl: string,
  code: string,
  campaign: Pick<Campaign, 'channels' | 'customChannels' | 'message'>,
): ShareLink[] {
  const custom = new Map(campaign.customChannels.map((c) => [c.name, c.shareUrlTemplate]));
  return campaign.channels.map((channel) => {
    const url = trackedUrl(publicUrl, code, channel);
    const template = custom.get(channel);
    const builtIn = BUILT_IN[channel];
    const shareUrl = template ? renderTemplate(template, url, campaign.message) : builtIn ? builtIn(url, campaign.message) : url;
    return { channel, url, shareUrl };
  });
}

export function portalUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/a/${token}`;
}
