import type { CampaignStats, ChannelResult, Cycle, Imot, LeaderRow } from '#libs/analytics/index.js';
import type { Campaign, Money } from '#libs/campaigns/index.js';
import { layout } from '../pages/layout.js';
import { html, join, stylesheet, type Html } from '../pages/template.js';

export interface DashboardData {
  campaign: Campaign;
  stats: CampaignStats;
  cycle: Cycle;
  channels: ChannelResult[];
  leaders: (LeaderRow & { code: string; generation: number; imot: Imot })[];
  generatedAt: Date;
}

const int = (n: number) => new Intl.NumberFormat('en').format(n);
const pct = (r: number | null) => (r === null ? '–' : `${(r * 100).toFixed(r < 0.1 ? 1 : 0)}%`);
const times = (r: number | null) => (r === null ? '–' : `${r.toFixed(2)}×`);

function money(m: Money): string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency: m.currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(m.amount / 10 ** digits);
}
const moneyList = (list: Money[]) => (list.length ? list.map(money).join(' · ') : '–');
const moneyLines = (list: Money[]): Html | string =>
  list.length
    ? join(
        list.map((m) => html`${money(m)}`),
        html`<br>`,
      )
    : '–';

const f1 = (n: number) => n.toFixed(1);

/** ZMOT → FMOT → SMOT → IMOT as a centred funnel, each step with its share of the step before. */
function funnel(cycle: Cycle): Html {
  const steps = [
    { key: 'zmot', label: 'ZMOT', sub: 'human clicks', value: cycle.zmot },
    { key: 'fmot', label: 'FMOT', sub: 'conversions', value: cycle.fmot },
    { key: 'smot', label: 'SMOT', sub: 'delighted at first use', value: cycle.smot },
    { key: 'imot', label: 'IMOT', sub: 'became advocates and shared', value: cycle.imot },
  ] as const;
  const W = 1000;
  const H = 58;
  const max = Math.max(1, cycle.zmot);
  // Square-root widths keep small later steps visible next to many clicks.
  const width = (v: number) => Math.max(48, Math.sqrt(v / max) * (W - 420));
  const rows = steps.map((s, i) => {
    const w = width(s.value);
    const x = 210 + (W - 420 - w) / 2;
    const y = i * H;
    const prev = i > 0 ? steps[i - 1]! : null;
    const rate = prev && prev.value > 0 ? `${((s.value / prev.value) * 100).toFixed(0)}% of ${prev.label}` : '';
    return html`<g>
<rect x="${f1(x)}" y="${y + 6}" width="${f1(w)}" height="${H - 12}" rx="8" class="fill-${s.key}"/>
<text x="12" y="${y + 28}" class="svg-strong">${s.label}</text>
<text x="12" y="${y + 46}" class="svg-muted">${s.sub}</text>
<text x="${W / 2}" y="${y + H / 2 + 6}" text-anchor="middle" class="svg-value">${int(s.value)}</text>
<text x="${W - 12}" y="${y + H / 2 + 5}" text-anchor="end" class="svg-muted">${rate}</text>
</g>\n`;
  });
  return html`<svg viewBox="0 0 ${W} ${steps.length * H}" role="img" aria-labelledby="funnel-title" class="chart">
<title id="funnel-title">Cycle funnel: ${steps.map((s) => `${s.label} ${s.value}`).join(', ')}</title>
${rows}</svg>`;
}

/** Advocates and their conversions per generation, as paired columns. */
function generations(cycle: Cycle): Html {
  const gens = cycle.generations;
  if (gens.length === 0) return html`<p class="muted">No advocates yet.</p>`;
  const W = 640;
  const H = 220;
  const base = H - 36;
  const max = Math.max(1, ...gens.map((g) => Math.max(g.advocates, g.conversions)));
  const slot = (W - 40) / gens.length;
  const bar = Math.min(48, slot / 3);
  const cols = gens.map((g, i) => {
    const x = 40 + i * slot + slot / 2 - bar - 2;
    const ha = (g.advocates / max) * (base - 24);
    const hc = (g.conversions / max) * (base - 24);
    return html`<g>
<rect x="${f1(x)}" y="${f1(base - ha)}" width="${f1(bar)}" height="${f1(ha)}" rx="4" class="fill-zmot"/>
<rect x="${f1(x + bar + 4)}" y="${f1(base - hc)}" width="${f1(bar)}" height="${f1(hc)}" rx="4" class="fill-smot"/>
<text x="${f1(x + bar / 2)}" y="${f1(base - ha - 6)}" text-anchor="middle" class="svg-small">${int(g.advocates)}</text>
<text x="${f1(x + bar * 1.5 + 4)}" y="${f1(base - hc - 6)}" text-anchor="middle" class="svg-small">${int(g.conversions)}</text>
<text x="${f1(x + bar + 2)}" y="${base + 22}" text-anchor="middle" class="svg-muted">Generation ${g.generation}</text>
</g>\n`;
  });
  const title = gens.map((g) => `generation ${g.generation}, ${g.advocates} advocates, ${g.conversions} conversions`).join('; ');
  return html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="gen-title" class="chart">
<title id="gen-title">Generations: ${title}</title>
<line x1="30" y1="${base}" x2="${W - 10}" y2="${base}" class="svg-axis"/>
${cols}</svg>
<p class="legend"><span class="dot zmot"></span>Advocates <span class="dot smot"></span>Conversions they brought</p>`;
}

/** Per channel: its share of conversions and clicks against its share of stated preferences. */
function channelChart(channels: ChannelResult[]): Html {
  const rows = channels.filter((c) => c.shares + c.humanClicks + c.conversions + c.preferredBy > 0);
  if (rows.length === 0) return html`<p class="muted">No channel activity yet.</p>`;
  const total = (f: (c: ChannelResult) => number) =>
    Math.max(
      1,
      rows.reduce((s, c) => s + f(c), 0),
    );
  const [tc, tk, tp] = [total((c) => c.conversions), total((c) => c.humanClicks), total((c) => c.preferredBy)];
  const W = 560;
  const RH = 50;
  const left = 100;
  const biggest = Math.max(...rows.flatMap((c) => [c.conversions / tc, c.humanClicks / tk, c.preferredBy / tp]), 0.01);
  // Bars scale to the largest share, so differences between channels stay visible.
  const span = (W - left - 50) / biggest;
  const body = rows.map((c, i) => {
    const y = i * RH + 8;
    const bars = [
      { v: c.conversions / tc, fill: 'smot' },
      { v: c.humanClicks / tk, fill: 'zmot' },
      { v: c.preferredBy / tp, fill: 'pref' },
    ].map(
      (b, j) => html`<rect x="${left}" y="${y + j * 13}" width="${f1(Math.max(2, b.v * span))}" height="11" rx="3" class="fill-${b.fill}"/>
<text x="${f1(left + Math.max(2, b.v * span) + 6)}" y="${y + j * 13 + 10}" class="svg-tiny">${(b.v * 100).toFixed(0)}%</text>\n`,
    );
    return html`<g>
<text x="${left - 12}" y="${y + 22}" text-anchor="end" class="svg-strong">${c.channel}</text>
${bars}</g>\n`;
  });
  return html`<svg viewBox="0 0 ${W} ${rows.length * RH + 8}" role="img" aria-labelledby="ch-title" class="chart">
<title id="ch-title">Share of conversions, human clicks and stated preference per channel</title>
${body}</svg>
<p class="legend"><span class="dot smot"></span>Share of conversions <span class="dot zmot"></span>Share of human clicks <span class="dot pref"></span>Share of customers who prefer it</p>`;
}

function kpis(s: CampaignStats): Html {
  const cards: [title: string, value: Html | string, note: string][] = [
    ['Advocates', int(s.advocates), `${int(s.shares)} shares`],
    ['Human clicks', int(s.humanClicks), `${int(s.clicks)} recorded in all`],
    ['Conversions', int(s.conversions), `${int(s.signups)} signups`],
    ['Revenue', moneyLines(s.revenue), 'net of refunds'],
    ['Return on relationship', times(s.returnOnRelationship), `reward cost ${moneyList(s.rewardCost)}`],
    ['K-factor', s.kFactor === null ? '–' : s.kFactor.toFixed(2), 'conversions per advocate'],
    ['Share rate', pct(s.shareRate), 'advocates who shared'],
    ['Conversion rate', pct(s.conversionRate), 'of human clicks'],
    ['Promise kept', pct(s.promiseKeptRate), 'said it matched what they were told'],
    ['Cycle restart', pct(s.cycleRestartRate), 'referred buyers who became advocates'],
  ];
  const multi = s.revenue.length > 1 ? 'Revenue' : null;
  const items = cards.map(
    ([t, v, sub]) => html`<div><dt>${t}</dt><dd${t === multi ? html` class="multi"` : ''}>${v}</dd><p>${sub}</p></div>`,
  );
  return html`<dl class="kpis">${items}</dl>`;
}

function leaderboard(leaders: DashboardData['leaders']): Html {
  if (leaders.length === 0) return html`<p class="muted">No advocates yet.</p>`;
  const rows = leaders.map(
    (
      l,
      i,
    ) => html`<tr><td>${i + 1}</td><td><code>${l.code}</code></td><td class="num">${l.generation}</td><td class="num">${int(l.conversions)}</td>
<td class="num">${int(l.humanClicks)}</td><td class="num">${int(l.shares)}</td><td class="num">${moneyList(l.rewards)}</td>
<td><svg viewBox="0 0 100 10" class="meter" role="img" aria-label="IMOT ${l.imot.score} of 100"><rect width="100" height="10" rx="5" class="meter-bg"/><rect width="${l.imot.score}" height="10" rx="5" class="fill-imot"/></svg> <span class="num">${l.imot.score}</span></td></tr>\n`,
  );
  return html`<table><thead><tr><th>#</th><th>Advocate</th><th class="num">Gen.</th><th class="num">Conversions</th><th class="num">Human clicks</th>
<th class="num">Shares</th><th class="num">Rewards</th><th>IMOT score</th></tr></thead><tbody>
${rows}</tbody></table>`;
}

function channelTable(channels: ChannelResult[]): Html {
  const rows = channels.map(
    (c) =>
      html`<tr><td>${c.channel}</td><td class="num">${int(c.shares)}</td><td class="num">${int(c.humanClicks)}</td><td class="num">${int(c.conversions)}</td><td class="num">${int(c.preferredBy)}</td></tr>\n`,
  );
  return html`<table><thead><tr><th>Channel</th><th class="num">Shares</th><th class="num">Human clicks</th><th class="num">Conversions</th><th class="num">Preferred by</th></tr></thead><tbody>
${rows}</tbody></table>`;
}

export function renderDashboard(d: DashboardData, nonce: string): string {
  const main = html`<header class="top">
<div><p class="eyebrow">Truthloop · campaign dashboard</p><h1>${d.campaign.name}</h1>
<p class="muted">${d.campaign.message.headline}</p></div>
<p class="badge${d.campaign.status === 'ACTIVE' ? ' on' : ''}">${d.campaign.status}</p>
</header>
${kpis(d.stats)}
<section class="panel"><h2>The cycle</h2><p class="muted">A friend's click (ZMOT), a purchase (FMOT), delight at first use (SMOT), and sharing in turn (IMOT).</p>
${funnel(d.cycle)}</section>
<div class="grid">
<section class="panel"><h2>Generations</h2><p class="muted">Each referred customer who becomes an advocate starts the next generation.</p>${generations(d.cycle)}</section>
<section class="panel"><h2>Channels: results against stated preference</h2>${channelChart(d.channels)}</section>
</div>
<section class="panel"><h2>Channel details</h2>${channelTable(d.channels)}</section>
<section class="panel"><h2>Leaderboard</h2>${leaderboard(d.leaders)}</section>
<footer class="muted">All time · generated ${d.generatedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC · figures defined in the README (Analytics: definitions)</footer>`;
  return page(`${d.campaign.name} · dashboard`, main, nonce);
}

export function linkRefusedPage(nonce: string, expired: boolean): string {
  const main = html`<section class="panel narrow"><h1>${expired ? 'This dashboard link has expired' : 'This dashboard link is not valid'}</h1>
<p class="muted">${expired ? 'Dashboard links are valid for a limited time.' : 'It may have been changed or mistyped.'} Ask for a new link (the <code>createDashboardLink</code> mutation).</p></section>`;
  return page('Link refused', main, nonce);
}

function page(title: string, main: Html, nonce: string): string {
  return layout(title, main, nonce, { style: stylesheet(new URL('./dashboard.css', import.meta.url)), mainClass: '' });
}
