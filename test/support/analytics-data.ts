import { randomBytes, randomUUID } from 'node:crypto';
import type { World } from '#libs/world/index.js';

/**
 * A generated campaign history (several generations, clicks, shares, referrals, refunds, fraud),
 * kept in memory and loaded through the repositories' bulk imports (the world builder); `bruteForce` recomputes every figure from these
 * rows in plain TypeScript, following the README's definitions.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;
const CHANNELS = ['email', 'whatsapp', 'x', 'facebook', 'sms', 'copy'];
type Status = 'LEAD' | 'CONVERTED' | 'APPROVED' | 'REJECTED' | 'REVERSED';

export interface Customer {
  id: string;
  generation: number;
  firstUseAt: number | null;
  delight: number | null;
  referredBy: string | null;
}
export interface Advocate {
  id: string;
  customerId: string;
  generation: number;
  createdAt: number;
  code: string;
}
export interface Click {
  id: string;
  at: number;
  advocateId: string;
  channel: string;
  visitor: string;
  kind: 'human' | 'bot' | 'preview';
}
export interface Share {
  advocateId: string;
  channel: string;
  at: number;
}
export interface Referral {
  id: string;
  advocateId: string;
  customerId: string;
  status: Status;
  attributedBy: 'VISITOR_ID' | 'REFERRAL_CODE';
  visitor: string | null;
  amount: number | null;
  currency: string | null;
  refunded: number;
  convertedAt: number | null;
  createdAt: number;
}
export interface Reward {
  referralId: string;
  advocateId: string;
  kind: 'ADVOCATE' | 'FRIEND';
  beneficiary: string;
  amount: number;
  reversed: number;
  currency: string;
  createdAt: number;
}
export interface Feedback {
  customerId: string;
  at: number;
  expectationMet: boolean | null;
  preferred: string[] | null;
}

export interface History {
  customers: Customer[];
  advocates: Advocate[];
  clicks: Click[];
  shares: Share[];
  referrals: Referral[];
  rewards: Reward[];
  feedback: Feedback[];
}

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed with its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateHistory(seed: number, seeds: number, now = Date.now()): History {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const h: History = { customers: [], advocates: [], clicks: [], shares: [], referrals: [], rewards: [], feedback: [] };
  const start = now - 150 * DAY;
  let tick = 0;
  // Distinct instants (ms) so orderings never tie.
  const at = (t: number) => Math.min(now - 1000, Math.floor(t)) + (tick++ % 997);

  const addAdvocate = (customer: Customer, generation: number, createdAt: number) => {
    const a: Advocate = {
      id: randomUUID(),
      customerId: customer.id,
      generation,
      createdAt: at(createdAt),
      code: `G${randomBytes(6).toString('hex')}`,
    };
    h.advocates.push(a);
    return a;
  };
  const addFeedback = (c: Customer, after: number) => {
    const roll = r();
    if (roll < 0.25) return;
    const answers = roll < 0.4 ? 2 : 1;
    for (let i = 0; i < answers; i++) {
      h.feedback.push({
        customerId: c.id,
        at: at(after + (i + 1) * int(1, 5) * DAY),
        expectationMet: r() < 0.15 ? null : r() < 0.7,
        preferred: r() < 0.5 ? Array.from(new Set([pick(CHANNELS), pick([...CHANNELS, 'tiktok', 'Instagram'])])) : null,
      });
    }
  };

  let frontier: Advocate[] = [];
  for (let i = 0; i < seeds; i++) {
    const c: Customer = { id: randomUUID(), generation: 0, firstUseAt: at(start - 10 * DAY), delight: int(60, 100), referredBy: null };
    h.customers.push(c);
    addFeedback(c, start - 20 * DAY);
    frontier.push(addAdvocate(c, 1, start + r() * 60 * DAY));
  }
  // Customers who never became advocates, with preferences too.
  for (let i = 0; i < seeds / 2; i++) {
    const c: Customer = { id: randomUUID(), generation: 0, firstUseAt: null, delight: null, referredBy: null };
    h.customers.push(c);
    addFeedback(c, start);
  }

  while (frontier.length > 0) {
    const next: Advocate[] = [];
    for (const a of frontier) {
      const span = now - a.createdAt;
      const shareCount = r() < 0.2 ? 0 : int(1, 7);
      for (let s = 0; s < shareCount; s++) h.shares.push({ advocateId: a.id, channel: pick(CHANNELS), at: at(a.createdAt + r() * span) });
      const visitors = shareCount === 0 ? int(0, 2) : int(1, 8);
      for (let v = 0; v < visitors; v++) {
        const visitor = `v-${randomBytes(6).toString('hex')}`;
        const channel = pick(CHANNELS);
        const first = a.createdAt + r() * span * 0.9;
        const repeats = int(1, 4);
        let last = first;
        for (let k = 0; k < repeats; k++) {
          // Repeats within the hour count once; some come back days later.
          last = at(k === 0 ? first : last + (r() < 0.6 ? r() * 30 * 60_000 : r() * 5 * DAY));
          h.clicks.push({
            id: randomUUID(),
            at: last,
            advocateId: a.id,
            channel: r() < 0.8 ? channel : pick(CHANNELS),
            visitor,
            kind: 'human',
          });
        }
        if (r() < 0.15)
          h.clicks.push({
            id: randomUUID(),
            at: at(first),
            advocateId: a.id,
            channel,
            visitor: `bot-${visitor}`,
            kind: r() < 0.5 ? 'bot' : 'preview',
          });
        if (r() < 0.45) addReferral(a, 'VISITOR_ID', visitor, last + int(1, 120) * 60_000, next);
      }
      if (r() < 0.2) addReferral(a, 'REFERRAL_CODE', null, a.createdAt + r() * span, next);
    }
    frontier = next.length > 3 ? next : [];
  }

  function addReferral(a: Advocate, by: Referral['attributedBy'], visitor: string | null, createdAt: number, next: Advocate[]) {
    const roll = r();
    const status: Referral['status'] =
      roll < 0.15 ? 'LEAD' : roll < 0.65 ? 'CONVERTED' : roll < 0.75 ? 'APPROVED' : roll < 0.87 ? 'REJECTED' : 'REVERSED';
    const c: Customer = {
      id: randomUUID(),
      generation: a.generation + 1,
      firstUseAt: null,
      delight: null,
      referredBy: status === 'REJECTED' ? null : a.id,
    };
    h.customers.push(c);
    const created = at(createdAt);
    const bought = status !== 'LEAD';
    const currency = r() < 0.8 ? 'USD' : 'EUR';
    const amount = bought ? int(20, 300) * 100 : null;
    const convertedAt = bought ? at(created + r() * 3 * DAY) : null;
    const refunded = status === 'REVERSED' ? amount! : bought && status !== 'REJECTED' && r() < 0.15 ? Math.floor(amount! * r() * 0.8) : 0;
    const ref: Referral = {
      id: randomUUID(),
      advocateId: a.id,
      customerId: c.id,
      status,
      attributedBy: by,
      visitor,
      amount,
      currency: bought ? currency : null,
      refunded,
      convertedAt,
      createdAt: created,
    };
    h.referrals.push(ref);
    if ((bought && status !== 'REJECTED') || (status === 'REJECTED' && bought && r() < 0.5)) {
      // Advocate: 10 USD fixed (reversed on a full refund or rejection); friend: 10% of the order, pro rata.
      const full = status === 'REVERSED' || status === 'REJECTED';
      h.rewards.push({
        referralId: ref.id,
        advocateId: a.id,
        kind: 'ADVOCATE',
        beneficiary: a.id,
        amount: 1000,
        reversed: full ? 1000 : 0,
        currency: 'USD',
        createdAt: at(convertedAt! + 60_000),
      });
      const friend = Math.floor(amount! / 10);
      h.rewards.push({
        referralId: ref.id,
        advocateId: a.id,
        kind: 'FRIEND',
        beneficiary: c.id,
        amount: friend,
        reversed: full ? friend : Math.floor((friend * refunded) / amount!),
        currency: currency,
        createdAt: at(convertedAt! + 60_000),
      });
    }
    if (!bought || status === 'REJECTED') return;
    if (r() < 0.8) c.firstUseAt = at(convertedAt! + r() * 2 * DAY);
    c.delight = c.firstUseAt ? int(20, 100) : null;
    addFeedback(c, c.firstUseAt ?? convertedAt!);
    if ((c.delight ?? 0) >= 70 && r() < 0.6) next.push(addAdvocate(c, a.generation + 1, (c.firstUseAt ?? convertedAt!) + r() * 5 * DAY));
  }
  return h;
}

/** Writes the history into `campaignId` of `tenantId`, through each owning repository's bulk import (the world builder). */
export async function insertHistory(world: World, tenantId: string, campaignId: string, h: History): Promise<void> {
  const date = (t: number) => new Date(t);
  await world.builder.importHistory(tenantId, campaignId, {
    customers: h.customers.map((c) => ({
      id: c.id,
      externalId: `gen-${c.id}`,
      generation: c.generation,
      firstUseAt: c.firstUseAt === null ? null : date(c.firstUseAt),
      delight: c.delight === null ? null : { score: c.delight, reasons: [] },
    })),
    advocates: h.advocates.map((a) => ({
      id: a.id,
      customerId: a.customerId,
      code: a.code,
      portalToken: randomBytes(18).toString('base64url'),
      generation: a.generation,
      createdAt: date(a.createdAt),
    })),
    referrers: h.customers.filter((c) => c.referredBy).map((c) => ({ customerId: c.id, advocateId: c.referredBy! })),
    clicks: h.clicks.map((k) => ({
      id: k.id,
      at: k.at,
      tenantId,
      advocateId: k.advocateId,
      campaignId,
      channel: k.channel,
      visitorId: k.visitor,
      ipHash: null,
      uaClass: k.kind === 'human' ? 'desktop' : k.kind,
      referrerHost: null,
      kind: k.kind,
      active: true,
    })),
    shares: h.shares.map((x) => ({ advocateId: x.advocateId, channel: x.channel, at: date(x.at), source: 'event' })),
    referrals: h.referrals.map((x) => ({
      id: x.id,
      advocateId: x.advocateId,
      referredCustomerId: x.customerId,
      status: x.status,
      attributedBy: x.attributedBy,
      visitorId: x.visitor,
      orderId: x.amount === null ? null : `order-${x.id}`,
      amount: x.amount,
      currency: x.currency,
      refundedAmount: x.refunded,
      convertedAt: x.convertedAt === null ? null : date(x.convertedAt),
      createdAt: date(x.createdAt),
      riskDecision: x.status === 'REJECTED' ? 'BLOCK' : 'ALLOW',
    })),
    rewards: h.rewards.map((w) => ({
      referralId: w.referralId,
      advocateId: w.advocateId,
      kind: w.kind,
      beneficiaryId: w.beneficiary,
      amount: w.amount,
      reversedAmount: w.reversed,
      currency: w.currency,
      rule: { kind: 'FIXED', amount: w.amount, percentBps: null, currency: w.currency },
      orderId: null,
      createdAt: date(w.createdAt),
    })),
    feedback: h.feedback.map((f) => ({
      customerId: f.customerId,
      occurredAt: date(f.at),
      expectationMet: f.expectationMet,
      preferredChannels: f.preferred,
    })),
  });
}

type Money = { amount: number; currency: string };
const inWin = (t: number | null, from: number | null, to: number | null) =>
  t !== null && (from === null || t >= from) && (to === null || t < to);
const converted = (x: Referral) => x.status === 'CONVERTED' || x.status === 'APPROVED';
const hourKey = (k: Click) => `${k.visitor}|${Math.floor(k.at / HOUR)}`;
function sumBy<T>(xs: T[], key: (x: T) => string, value: (x: T) => number, dropZero: boolean): Money[] {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + value(x));
  return [...m]
    .filter(([, v]) => !dropZero || v !== 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, amount]) => ({ amount, currency }));
}
const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

/** Every figure, from the generated rows, by the README's definitions. */
export function bruteForce(h: History, from: number | null, to: number | null, rorCurrency: string, campaignChannels: string[]) {
  const clicks = h.clicks.filter((k) => inWin(k.at, from, to));
  const human = clicks.filter((k) => k.kind === 'human');
  const shares = h.shares.filter((s) => inWin(s.at, from, to));
  const conv = h.referrals.filter((x) => converted(x) && inWin(x.convertedAt, from, to));
  const advocates = h.advocates.filter((a) => inWin(a.createdAt, from, to));
  const referred = new Set(h.referrals.filter((x) => x.status !== 'REJECTED' && inWin(x.createdAt, from, to)).map((x) => x.customerId));
  const advocateCustomers = new Set(h.advocates.map((a) => a.customerId));
  const firstAnswer = new Map<string, Feedback>();
  for (const f of [...h.feedback].sort((a, b) => a.at - b.at))
    if (f.expectationMet !== null && !firstAnswer.has(f.customerId)) firstAnswer.set(f.customerId, f);
  const answered = [...referred].filter((c) => firstAnswer.has(c));
  const revenue = sumBy(
    conv.filter((x) => x.amount !== null),
    (x) => x.currency!,
    (x) => x.amount! - x.refunded,
    true,
  );
  const rewardCost = sumBy(
    h.rewards.filter((w) => inWin(w.createdAt, from, to)),
    (w) => w.currency,
    (w) => w.amount - w.reversed,
    true,
  );
  const cost = rewardCost.find((m) => m.currency === rorCurrency)?.amount ?? 0;
  const sharing = advocates.filter((a) => shares.some((s) => s.advocateId === a.id));
  const restarted = conv.filter((x) => advocateCustomers.has(x.customerId));
  const stats = {
    clicks: clicks.length,
    humanClicks: new Set(human.map(hourKey)).size,
    shares: shares.length,
    signups: referred.size,
    conversions: conv.length,
    revenue,
    rewardCost,
    advocates: advocates.length,
    kFactor: ratio(conv.length, advocates.length),
    shareRate: ratio(sharing.length, advocates.length),
    conversionRate: ratio(conv.length, new Set(human.map(hourKey)).size),
    returnOnRelationship: cost > 0 ? (revenue.find((m) => m.currency === rorCurrency)?.amount ?? 0) / cost : null,
    cycleRestartRate: ratio(restarted.length, conv.length),
    promiseKeptRate: ratio(answered.filter((c) => firstAnswer.get(c)!.expectationMet).length, answered.length),
  };

  // Cycle and per-advocate figures are all time.
  const allConv = h.referrals.filter(converted);
  const customers = new Map(h.customers.map((c) => [c.id, c]));
  const advocateOf = new Map(h.advocates.map((a) => [a.customerId, a]));
  const sharers = new Set(h.shares.map((s) => s.advocateId));
  const allHuman = h.clicks.filter((k) => k.kind === 'human');
  const gens = new Map<number, { generation: number; advocates: number; conversions: number }>();
  const advById = new Map(h.advocates.map((a) => [a.id, a]));
  for (const a of h.advocates) {
    const g = gens.get(a.generation) ?? { generation: a.generation, advocates: 0, conversions: 0 };
    g.advocates++;
    gens.set(a.generation, g);
  }
  for (const x of allConv) gens.get(advById.get(x.advocateId)!.generation)!.conversions++;
  const cycle = {
    zmot: new Set(allHuman.map(hourKey)).size,
    fmot: allConv.length,
    smot: allConv.filter((x) => {
      const c = customers.get(x.customerId)!;
      return c.firstUseAt !== null && (c.delight ?? -1) >= 70;
    }).length,
    imot: allConv.filter((x) => advocateOf.has(x.customerId) && sharers.has(advocateOf.get(x.customerId)!.id)).length,
    generations: [...gens.values()].sort((a, b) => a.generation - b.generation),
  };

  const imot = new Map<string, { shares: number; distinctVisitors: number; channels: number; activeDays: number }>();
  for (const a of h.advocates) {
    const s = h.shares.filter((x) => x.advocateId === a.id);
    const k = allHuman.filter((x) => x.advocateId === a.id);
    imot.set(a.id, {
      shares: s.length,
      distinctVisitors: new Set(k.map((x) => x.visitor)).size,
      channels: new Set([...s.map((x) => x.channel), ...k.map((x) => x.channel)]).size,
      activeDays: new Set([...s.map((x) => Math.floor(x.at / DAY)), ...k.map((x) => Math.floor(x.at / DAY))]).size,
    });
  }

  const leaderboard = h.advocates
    .map((a) => ({
      advocateId: a.id,
      createdAt: a.createdAt,
      conversions: allConv.filter((x) => x.advocateId === a.id).length,
      humanClicks: new Set(allHuman.filter((k) => k.advocateId === a.id).map(hourKey)).size,
      shares: h.shares.filter((s) => s.advocateId === a.id).length,
      rewards: sumBy(
        h.rewards.filter((w) => w.advocateId === a.id && w.kind === 'ADVOCATE'),
        (w) => w.currency,
        (w) => w.amount - w.reversed,
        false,
      ),
    }))
    .sort(
      (a, b) =>
        b.conversions - a.conversions ||
        b.humanClicks - a.humanClicks ||
        a.createdAt - b.createdAt ||
        (a.advocateId < b.advocateId ? -1 : 1),
    )
    .map(({ createdAt: _, ...rest }) => rest);

  const channelOf = (x: Referral): string => {
    if (x.attributedBy !== 'VISITOR_ID') return 'unknown';
    const ks = allHuman
      .filter((k) => k.visitor === x.visitor && k.advocateId === x.advocateId && k.at <= x.createdAt)
      .sort((a, b) => b.at - a.at);
    return ks[0]?.channel ?? 'unknown';
  };
  const rows = new Map<string, { channel: string; shares: number; humanClicks: number; conversions: number; preferredBy: number }>();
  const row = (channel: string) => {
    const r = rows.get(channel) ?? { channel, shares: 0, humanClicks: 0, conversions: 0, preferredBy: 0 };
    rows.set(channel, r);
    return r;
  };
  for (const c of campaignChannels) row(c);
  for (const s of h.shares) row(s.channel).shares++;
  const perChannel = new Map<string, Set<string>>();
  for (const k of allHuman) perChannel.set(k.channel, (perChannel.get(k.channel) ?? new Set()).add(hourKey(k)));
  for (const [c, set] of perChannel) row(c).humanClicks = set.size;
  for (const x of allConv) row(channelOf(x)).conversions++;
  const preferred = new Map<string, Set<string>>();
  for (const f of h.feedback)
    for (const p of f.preferred ?? []) preferred.set(p.toLowerCase(), (preferred.get(p.toLowerCase()) ?? new Set()).add(f.customerId));
  for (const [c, set] of preferred) row(c).preferredBy = set.size;

  return { stats, cycle, imot, leaderboard, channels: [...rows.values()] };
}
