import type { Campaign } from '#libs/campaigns/index.js';

export interface ChannelLink {
  channel: string;
  /** The advocate's tracked link for this channel (`/r/:code/:channel`). */
  url: string;
  /** Where the channel's share button goes: a share intent with the message and link filled in. */
  shareUrl: string;
}

export type IntentCampaign = Pick<Campaign, 'channels' | 'customChannels' | 'message'>;

const SAFE_PROTOCOLS = ['http:', 'https:', 'mailto:', 'sms:'];

/** The advocate's link without a channel; clicks on it count as channel `link`. */
export function shareLink(publicUrl: string, code: string, channel?: string): string {
  const base = `${publicUrl.replace(/\/+$/, '')}/r/${encodeURIComponent(code)}`;
  return channel ? `${base}/${encodeURIComponent(channel)}` : base;
}

function builtInIntent(channel: string, url: string, headline: string, body: string): string | undefined {
  const e = encodeURIComponent;
  switch (channel) {
    case 'email':
      return `mailto:?subject=${e(headline)}&body=${e(`${body}\n\n${url}`)}`;
    case 'sms':
      return `sms:?&body=${e(`${body} ${url}`)}`;
    case 'whatsapp':
      return `https://wa.me/?text=${e(`${body} ${url}`)}`;
    case 'x':
      return `https://twitter.com/intent/tweet?text=${e(body)}&url=${e(url)}`;
    case 'facebook':
      return `https://www.facebook.com/sharer/sharer.php?u=${e(url)}`;
    case 'linkedin':
      return `https://www.linkedin.com/sharing/share-offsite/?url=${e(url)}`;
    case 'copy':
      return url;
    default:
      return undefined;
  }
}

/**
 * One link and share intent per channel of the campaign, in the campaign's order. A pure
 * function of (campaign, code, publicUrl): the share page and GraphQL `Advocate.links` agree.
 */
export function shareIntents(campaign: IntentCampaign, code: string, publicUrl: string): ChannelLink[] {
  const { headline, body } = campaign.message;
  const links: ChannelLink[] = [];
  for (const channel of campaign.channels) {
    const url = shareLink(publicUrl, code, channel);
    const custom = campaign.customChannels.find((c) => c.name === channel);
    const shareUrl = custom ? renderTemplate(custom.shareUrlTemplate, url, body) : builtInIntent(channel, url, headline, body);
    if (shareUrl === undefined || !hasSafeProtocol(shareUrl)) continue;
    links.push({ channel, url, shareUrl });
  }
  return links;
}

/**
 * A custom channel's template: `{url}` is the tracked link and `{text}` the message, both
 * URL-encoded. A template without `{url}` gets the link inside `{text}`, so it is never lost.
 */
export function renderTemplate(template: string, url: string, body: string): string {
  const text = template.includes('{url}') ? body : `${body} ${url}`;
  return template.replaceAll('{url}', encodeURIComponent(url)).replaceAll('{text}', encodeURIComponent(text));
}

/** Templates are validated on input; this keeps a `javascript:` URL out of any href regardless. */
function hasSafeProtocol(url: string): boolean {
  try {
    return SAFE_PROTOCOLS.includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

/** The advocate's share page. */
export function portalUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/a/${token}`;
}
