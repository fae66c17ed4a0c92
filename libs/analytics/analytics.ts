import type { Money } from '#libs/campaigns/index.js';

/** A period of time, start included, end excluded; either end open. */
export interface Period {
  from: Date | null;
  to: Date | null;
}

/** What campaignStats counts before the ratios (see README, "Analytics: definitions"). */
export interface StatCounts {
  clicks: number;
  humanClicks: number;
  shares: number;
  signups: number;
  conversions: number;
  advocates: number;
  sharingAdvocates: number;
  referredConverted: number;
  restarted: number;
  answered: number;
  kept: number;
}

export interface CampaignStats {
  clicks: number;
  humanClicks: number;
  shares: number;
  signups: number;
  conversions: number;
  revenue: Money[];
  rewardCost: Money[];
  advocates: number;
  kFactor: number | null;
  shareRate: number | null;
  conversionRate: number | null;
  returnOnRelationship: number | null;
  cycleRestartRate: number | null;
  promiseKeptRate: number | null;
}

export interface GenerationStat {
  generation: number;
  advocates: number;
  conversions: number;
}

export interface Cycle {
  zmot: number;
  fmot: number;
  smot: number;
  imot: number;
  generations: GenerationStat[];
}

export interface ImotFacts {
  shares: number;
  distinctVisitors: number;
  channels: number;
  activeDays: number;
}

export interface Imot extends ImotFacts {
  score: number;
}

export interface LeaderRow {
  advocateId: string;
  conversions: number;
  humanClicks: number;
  shares: number;
  rewards: Money[];
}

export interface ChannelResult {
  channel: string;
  shares: number;
  humanClicks: number;
  conversions: number;
  preferredBy: number;
}

/** The channel of conversions no click explains (attributed by referral or coupon code). */
export const UNKNOWN_CHANNEL = 'unknown';

/** A customer is delighted at or above this delight score (0-100). */
export const DELIGHTED_SCORE = 70;

/** numerator ÷ denominator; null when there is nothing to divide by. */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

/** The ratios of campaignStats, from its counts and money; ROR in `rorCurrency`. */
export function campaignStats(c: StatCounts, revenue: Money[], rewardCost: Money[], rorCurrency: string): CampaignStats {
  const cost = rewardCost.find((m) => m.currency === rorCurrency)?.amount ?? 0;
  const earned = revenue.find((m) => m.currency === rorCurrency)?.amount ?? 0;
  return {
    clicks: c.clicks,
    humanClicks: c.humanClicks,
    shares: c.shares,
    signups: c.signups,
    conversions: c.conversions,
    revenue,
    rewardCost,
    advocates: c.advocates,
    kFactor: ratio(c.conversions, c.advocates),
    shareRate: ratio(c.sharingAdvocates, c.advocates),
    conversionRate: ratio(c.conversions, c.humanClicks),
    returnOnRelationship: cost > 0 ? earned / cost : null,
    cycleRestartRate: ratio(c.restarted, c.referredConverted),
    promiseKeptRate: ratio(c.kept, c.answered),
  };
}

/** Each part saturates: 5 shares, 10 people, 3 channels, 7 active days each earn the part's full 25 points. */
export const IMOT_TARGETS: ImotFacts = { shares: 5, distinctVisitors: 10, channels: 3, activeDays: 7 };

/**
 * The IMOT score, 0-100: 25 points for each of more than once (shares), more than one person
 * (distinct visitors), more than one way (channels) and over time (active days), each part
 * growing linearly up to its target and no further, so no single habit buys the whole score.
 */
export function imotScore(f: ImotFacts): number {
  const part = (value: number, target: number) => (25 * Math.min(value, target)) / target;
  return Math.round(
    part(f.shares, IMOT_TARGETS.shares) +
      part(f.distinctVisitors, IMOT_TARGETS.distinctVisitors) +
      part(f.channels, IMOT_TARGETS.channels) +
      part(f.activeDays, IMOT_TARGETS.activeDays),
  );
}

/** Campaign channels first (in the campaign's order), then other channels by name, the unknown bucket last. */
export function orderChannels(rows: ChannelResult[], campaignChannels: readonly string[]): ChannelResult[] {
  const rank = (c: string) =>
    c === UNKNOWN_CHANNEL ? Number.MAX_SAFE_INTEGER : campaignChannels.indexOf(c) === -1 ? 1e9 : campaignChannels.indexOf(c);
  return [...rows].sort((a, b) => rank(a.channel) - rank(b.channel) || a.channel.localeCompare(b.channel));
}
