import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { IpHasher } from './ip-hasher.js';
import { ClickBuffer } from './click-buffer.js';
import { classifyAgent, referrerHost } from './click.js';
import { DEFAULT_CHANNEL, type ResolvedLink } from './link.js';
import { LinkResolver, type LinkEntry } from './link-resolver.js';

export interface RedirectRequest {
  code: string;
  channel?: string;
  /** HEAD answers like GET but records nothing. */
  head: boolean;
  cookie?: string;
  userAgent?: string;
  referer?: string;
  ip: string;
  /** The request came over https (directly or per X-Forwarded-Proto). */
  secure: boolean;
}

export type RedirectOutcome = { status: 302; location: string; setCookie: string } | { status: 404 };

export const VISITOR_COOKIE = 'tl_vid';
export const VISITOR_IN_COOKIE = /(?:^|;\s*)tl_vid=([A-Za-z0-9_-]{16,64})\s*(?:;|$)/;
const ONE_YEAR_S = 365 * 24 * 3600;

/** The destination with the referral parameters, split where `tl_vid` goes (before any #fragment). */
export function referralDestination(link: ResolvedLink, channel: string): [string, string] {
  const url = new URL(link.destinationUrl);
  const hash = url.hash;
  url.hash = '';
  url.searchParams.set('ref', link.code);
  url.searchParams.set('utm_source', 'truthloop');
  url.searchParams.set('utm_medium', channel);
  url.searchParams.set('utm_campaign', link.campaignSlug);
  url.searchParams.delete(VISITOR_COOKIE);
  return [url.toString(), hash];
}

/** Decides the answer to `/r/:code[/:channel]` and buffers the click; never waits on PostgreSQL. */
@Injectable()
export class RedirectService {
  constructor(
    private readonly resolver: LinkResolver,
    private readonly buffer: ClickBuffer,
    private readonly ips: IpHasher,
  ) {}

  /** Synchronous when the code is cached (the common case); a promise otherwise. */
  redirect(req: RedirectRequest): RedirectOutcome | Promise<RedirectOutcome> {
    const entry = this.resolver.entry(req.code);
    return entry instanceof Promise ? entry.then((e) => this.answer(e, req)) : this.answer(entry, req);
  }

  private answer(entry: LinkEntry, req: RedirectRequest): RedirectOutcome {
    const link = entry.link;
    if (!link) return { status: 404 };
    const visitorId = (req.cookie && VISITOR_IN_COOKIE.exec(req.cookie)?.[1]) || randomUUID();
    const channel = req.channel && link.channels.includes(req.channel) ? req.channel : DEFAULT_CHANNEL;
    const active = link.campaignStatus === 'ACTIVE';
    // An ended campaign's links are gone (CONTRACT.md: 404); a paused one still leads to the brand.
    const ended = link.campaignStatus === 'ENDED';
    let location = link.destinationUrl;
    if (active) {
      let prepared = entry.prepared.get(channel);
      if (!prepared) entry.prepared.set(channel, (prepared = referralDestination(link, channel)));
      location = `${prepared[0]}&${VISITOR_COOKIE}=${visitorId}${prepared[1]}`;
    }
    if (!req.head) {
      const agent = classifyAgent(req.userAgent);
      this.buffer.push({
        id: randomUUID(),
        at: Date.now(),
        tenantId: link.tenantId,
        advocateId: link.advocateId,
        campaignId: link.campaignId,
        channel,
        visitorId,
        ipHash: req.ip ? this.ips.hash(req.ip) : null,
        uaClass: agent.uaClass,
        referrerHost: referrerHost(req.referer),
        kind: agent.kind,
        active,
      });
    }
    if (ended) return { status: 404 };
    const setCookie = `${VISITOR_COOKIE}=${visitorId}; Path=/; Max-Age=${ONE_YEAR_S}; HttpOnly; SameSite=Lax${req.secure ? '; Secure' : ''}`;
    return { status: 302, location, setCookie };
  }
}
