import { isbot } from 'isbot';

export const CLICK_KINDS = ['human', 'bot', 'preview'] as const;
export type ClickKind = (typeof CLICK_KINDS)[number];
export type UaClass = 'mobile' | 'tablet' | 'desktop' | 'bot' | 'preview' | 'unknown';

/** One click as buffered in Redis and stored in `clicks`. */
export interface Click {
  id: string;
  /** Epoch milliseconds. */
  at: number;
  tenantId: string;
  advocateId: string;
  campaignId: string;
  channel: string;
  visitorId: string;
  ipHash: string | null;
  uaClass: UaClass;
  referrerHost: string | null;
  kind: ClickKind;
  active: boolean;
}

/**
 * Agents that fetch a link to draw a preview card when it is pasted into a chat or post. Many
 * are also in isbot's list; they are checked first so previews are told apart from crawlers.
 */
const PREVIEW_AGENTS =
  /slackbot-linkexpanding|slack-imgproxy|facebookexternalhit|facebot|twitterbot|whatsapp\/|telegrambot|discordbot|linkedinbot|skypeuripreview|applebot|linkpreview|iframely|embedly|pinterestbot|redditbot|bitlybot|vkshare|mastodon\/|bluesky cardyb|zoombot|kakaotalk-scrap|google-pagerenderer/i;

const MOBILE = /mobile|iphone|ipod|android.*mobile|windows phone|blackberry|opera mini/i;
const TABLET = /ipad|tablet|android(?!.*mobile)|kindle|silk/i;

export interface AgentClass {
  kind: ClickKind;
  uaClass: UaClass;
}

// User agents repeat a lot; classifying each distinct one once keeps regexes off the hot path.
const agentCache = new Map<string, AgentClass>();
const AGENT_CACHE_MAX = 2000;

export function classifyAgent(userAgent: string | undefined): AgentClass {
  const ua = userAgent ?? '';
  const cached = agentCache.get(ua);
  if (cached) return cached;
  const result = classifyUncached(ua);
  if (agentCache.size >= AGENT_CACHE_MAX) agentCache.clear();
  agentCache.set(ua, result);
  return result;
}

function classifyUncached(ua: string): AgentClass {
  if (PREVIEW_AGENTS.test(ua)) return { kind: 'preview', uaClass: 'preview' };
  // No user agent at all is a script, not a person's browser.
  if (ua.trim() === '' || isbot(ua)) return { kind: 'bot', uaClass: 'bot' };
  if (TABLET.test(ua)) return { kind: 'human', uaClass: 'tablet' };
  if (MOBILE.test(ua)) return { kind: 'human', uaClass: 'mobile' };
  if (/mozilla|opera|applewebkit|gecko/i.test(ua)) return { kind: 'human', uaClass: 'desktop' };
  return { kind: 'human', uaClass: 'unknown' };
}

const REFERRER_HOST = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^/:?#]+)/i;

/** Only the host of the referrer: the path may carry someone's personal data. */
export function referrerHost(referer: string | undefined): string | null {
  if (!referer) return null;
  const m = REFERRER_HOST.exec(referer);
  return m ? m[1]!.toLowerCase().slice(0, 253) : null;
}
