import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** IPv6 ranges that carry an IPv4 address in their last 32 bits: the IPv4 address is what gets reached. */
const EMBEDS_IPV4_AT_END = new Set(['ipv4Mapped', 'rfc6145', 'rfc6052']);

/** The IPv4 address inside bits `from`..`from + 31` of an IPv6 address. */
function ipv4At(address: ipaddr.IPv6, from: number): ipaddr.IPv4 {
  const bytes = address.toByteArray();
  return new ipaddr.IPv4(bytes.slice(from / 8, from / 8 + 4));
}

function isPublicIpv4(address: ipaddr.IPv4): boolean {
  // ipaddr.js names every special-purpose block (private, loopback, linkLocal, carrierGradeNat,
  // reserved, multicast, broadcast, unspecified, ...); only the rest is public.
  return address.range() === 'unicast';
}

const LOCAL_USE_NAT64 = ipaddr.IPv6.parseCIDR('64:ff9b:1::/48');

function isPublicIpv6(address: ipaddr.IPv6): boolean {
  const range = address.range();
  // Teredo hides its client's IPv4 address (inverted); the local-use NAT64 prefix 64:ff9b:1::/48
  // (RFC 8215) translates into networks of the operator's choosing: neither can be checked.
  if (range === 'teredo' || address.match(LOCAL_USE_NAT64)) return false;
  if (EMBEDS_IPV4_AT_END.has(range)) return isPublicIpv4(ipv4At(address, 96));
  if (range === '6to4') return isPublicIpv4(ipv4At(address, 16));
  // IPv4-compatible (::a.b.c.d, deprecated) holds loopback and private forms such as ::7f00:1.
  if (address.parts.slice(0, 6).every((p) => p === 0)) return false;
  return range === 'unicast';
}

/**
 * True unless the address is public unicast, classified with ipaddr.js: private, loopback,
 * link-local, unique-local, carrier-grade NAT, reserved, multicast and unspecified addresses are
 * refused in every IPv4 and IPv6 form (IPv4-mapped, IPv4-compatible, IPv4-translated, 6to4, NAT64,
 * Teredo). Anything that is not an address is refused too.
 */
export function isPrivateAddress(address: string): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address.replace(/^\[(.*)\]$/, '$1'));
  } catch {
    return true;
  }
  return parsed.kind() === 'ipv4' ? !isPublicIpv4(parsed as ipaddr.IPv4) : !isPublicIpv6(parsed as ipaddr.IPv6);
}

export class UnsafeUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeUrlError';
  }
}

/** Checks the scheme; returns the parsed URL. */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError('must be an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UnsafeUrlError('must be an http or https URL');
  return url;
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

/**
 * Resolves the URL's host and checks every address it resolves to (one private answer is enough to
 * refuse: DNS rebinding). Returns the address to connect to, so the checked address is the one used.
 */
export async function resolveWebhookHost(url: URL, allowPrivate: boolean): Promise<ResolvedAddress> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(host);
  let addresses: ResolvedAddress[];
  if (family !== 0) addresses = [{ address: host, family }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new UnsafeUrlError(`host ${host} does not resolve`);
    }
  }
  if (addresses.length === 0) throw new UnsafeUrlError(`host ${host} does not resolve`);
  if (!allowPrivate) {
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) throw new UnsafeUrlError(`${bad.address} is a private, loopback or link-local address`);
  }
  return addresses[0]!;
}
