import type { CampaignStats, ChannelResult, Cycle, Imot, LeaderRow } from '#libs/analytics/index.js';
import type { Campaign, Money } from '#libs/campaigns/index.js';
import { esc, layout } from '../links/html.js';

export interface DashboardData {
  campaign: Campaign;
  stats: CampaignStats;
  cycle: Cycle;
  channels: ChannelResult[];
  leaders: (LeaderRow & { code: string; generation: number; imot: Imot })[];
  generatedAt: Date;
}

const COLORS = { zmot: '#6366f1', fmot: '#0ea5e9', smot: '#10b981', imot: '#f59e0b' };

const int = (n: number) => new Intl.NumberFormat('en').format(n);
const pct = (r: number | null) => (r === null ? '–' : `${(r * 100).toFixed(r < 0.1 ? 1 : 0)}%`);
const times = (r: number | null) => (r === null ? '–' : `${r.toFixed(2)}×`);

function money(m: Money): string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency: m.currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(m.amount / 10 ** digits);
}
const moneyList = (list: Money[]) => (list.length ? list.map(money).join(' · ') : '–');
const moneyLines = (list: Money[]) => (list.length ? list.map((m) => esc(money(m))).join('<br>') : '–');

/** ZMOT → FMOT → SMOT → IMOT as a centred funnel, each step with its share of the step before. */
function funnel(cycle: Cycle): string {
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
  const rows = steps
    .map((s, i) => {
      const w = width(s.value);
      const x = 210 + (W - 420 - w) / 2;
      const y = i * H;
      const prev = i > 0 ? steps[i - 1]!.value : null;
      const rate = prev === null ? '' : prev === 0 ? '' : `${((s.value / prev) * 100).toFixed(0)}% of ${steps[i - 1]!.label}`;
      return `<g>
<rect x="${x.toFixed(1)}" y="${y + 6}" width="${w.toFixed(1)}" height="${H - 12}" rx="8" fill="${COLORS[s.key]}"/>
<text x="12" y="${y + 28}" class="svg-strong">${s.label}</text>
<text x="12" y="${y + 46}" class="svg-muted">${esc(s.sub)}</text>
<text x="${W / 2}" y="${y + H / 2 + 6}" text-anchor="middle" class="svg-value">${int(s.value)}</text>
<text x="${W - 12}" y="${y + H / 2 + 5}" text-anchor="end" class="svg-muted">${esc(rate)}</text>
</g>`;
    })
    .join('\n');
  return `<svg viewBox="0 0 ${W} ${steps.length * H}" role="img" aria-labelledby="funnel-title" class="chart">
<title id="funnel-title">Cycle funnel: ${steps.map((s) => `${s.label} ${s.value}`).join(', ')}</title>
${rows}
</svg>`;
}

/** Advocates and their conversions per generation, as paired columns. */
function generations(cycle: Cycle): string {
  const gens = cycle.generations;
  if (gens.length === 0) return '<p class="muted">No advocates yet.</p>';
  const W = 640;
  const H = 220;
  const base = H - 36;
  const max = Math.max(1, ...gens.map((g) => Math.max(g.advocates, g.conversions)));
  const slot = (W - 40) / gens.length;
  const bar = Math.min(48, slot / 3);
  const cols = gens
    .map((g, i) => {
      const x = 40 + i * slot + slot / 2 - bar - 2;
      const ha = (g.advocates / max) * (base - 24);
      const hc = (g.conversions / max) * (base - 24);
      return `<g>
<rect x="${x.toFixed(1)}" y="${(base - ha).toFixed(1)}" width="${bar.toFixed(1)}" height="${ha.toFixed(1)}" rx="4" fill="${COLORS.zmot}"/>
<rect x="${(x + bar + 4).toFixed(1)}" y="${(base - hc).toFixed(1)}" width="${bar.toFixed(1)}" height="${hc.toFixed(1)}" rx="4" fill="${COLORS.smot}"/>
<text x="${(x + bar / 2).toFixed(1)}" y="${(base - ha - 6).toFixed(1)}" text-anchor="middle" class="svg-small">${int(g.advocates)}</text>
<text x="${(x + bar * 1.5 + 4).toFixed(1)}" y="${(base - hc - 6).toFixed(1)}" text-anchor="middle" class="svg-small">${int(g.conversions)}</text>
<text x="${(x + bar + 2).toFixed(1)}" y="${base + 22}" text-anchor="middle" class="svg-muted">Generation ${g.generation}</text>
</g>`;
    })
    .join('\n');
  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="gen-title" class="chart">
<title id="gen-title">Generations: ${gens.map((g) => `generation ${g.generation}, ${g.advocates} advocates, ${g.conversions} conversions`).join('; ')}</title>
<line x1="30" y1="${base}" x2="${W - 10}" y2="${base}" class="svg-axis"/>
${cols}
</svg>
<p class="legend"><span class="dot zmot"></span>Advocates <span class="dot smot"></span>Conversions they brought</p>`;
}

/** Per channel: its share of conversions and clicks against its share of stated preferences. */
function channelChart(channels: ChannelResult[]): string {
  const rows = channels.filter((c) => c.shares + c.humanClicks + c.conversions + c.preferredBy > 0);
  if (rows.length === 0) return '<p class="muted">No channel activity yet.</p>';
  const total = (f: (c: ChannelResult) => number) =>
    Math.max(
      1,
      rows.reduce((s, c) => s + f(c), 0),
    );
  const tc = total((c) => c.conversions);
  const tk = total((c) => c.humanClicks);
  const tp = total((c) => c.preferredBy);
  const W = 560;
  const RH = 50;
  const left = 100;
  const biggest = Math.max(...rows.flatMap((c) => [c.conversions / tc, c.humanClicks / tk, c.preferredBy / tp]), 0.01);
  // Bars scale to the largest share, so differences between channels stay visible.
  const span = (W - left - 50) / biggest;
  const body = rows
    .map((c, i) => {
      const y = i * RH + 8;
      const bars = [
        { v: c.conversions / tc, fill: COLORS.smot, n: c.conversions },
        { v: c.humanClicks / tk, fill: COLORS.zmot, n: c.humanClicks },
        { v: c.preferredBy / tp, fill: '#a8a29e', n: c.preferredBy },
      ];
      return `<g>
<text x="${left - 12}" y="${y + 22}" text-anchor="end" class="svg-strong">${esc(c.channel)}</text>
${bars
  .map(
    (b, j) =>
      `<rect x="${left}" y="${y + j * 13}" width="${Math.max(2, b.v * span).toFixed(1)}" height="11" rx="3" fill="${b.fill}"/>` +
      `<text x="${(left + Math.max(2, b.v * span) + 6).toFixed(1)}" y="${y + j * 13 + 10}" class="svg-tiny">${(b.v * 100).toFixed(0)}%</text>`,
  )
  .join('\n')}
</g>`;
    })
    .join('\n');
  return `<svg viewBox="0 0 ${W} ${rows.length * RH + 8}" role="img" aria-labelledby="ch-title" class="chart">
<title id="ch-title">Share of conversions, human clicks and stated preference per channel</title>
${body}
</svg>
<p class="legend"><span class="dot smot"></span>Share of conversions <span class="dot zmot"></span>Share of human clicks <span class="dot pref"></span>Share of customers who prefer it</p>`;
}

function kpis(s: CampaignStats): string {
  // [title, value (HTML, escaped), note]
  const cards: [string, string, string][] = [
    ['Advocates', esc(int(s.advocates)), `${int(s.shares)} shares`],
    ['Human clicks', esc(int(s.humanClicks)), `${int(s.clicks)} recorded in all`],
    ['Conversions', esc(int(s.conversions)), `${int(s.signups)} signups`],
    ['Revenue', moneyLines(s.revenue), 'net of refunds'],
    ['Return on relationship', esc(times(s.returnOnRelationship)), `reward cost ${moneyList(s.rewardCost)}`],
    ['K-factor', esc(s.kFactor === null ? '–' : s.kFactor.toFixed(2)), 'conversions per advocate'],
    ['Share rate', esc(pct(s.shareRate)), 'advocates who shared'],
    ['Conversion rate', esc(pct(s.conversionRate)), 'of human clicks'],
    ['Promise kept', esc(pct(s.promiseKeptRate)), 'said it matched what they were told'],
    ['Cycle restart', esc(pct(s.cycleRestartRate)), 'referred buyers who became advocates'],
  ];
  return `<dl class="kpis">${cards.map(([t, v, sub]) => `<div><dt>${esc(t)}</dt><dd${v.includes('<br>') ? ' class="multi"' : ''}>${v}</dd><p>${esc(sub)}</p></div>`).join('')}</dl>`;
}

function leaderboard(leaders: DashboardData['leaders']): string {
  if (leaders.length === 0) return '<p class="muted">No advocates yet.</p>';
  const rows = leaders
    .map(
      (
        l,
        i,
      ) => `<tr><td>${i + 1}</td><td><code>${esc(l.code)}</code></td><td class="num">${l.generation}</td><td class="num">${int(l.conversions)}</td>
<td class="num">${int(l.humanClicks)}</td><td class="num">${int(l.shares)}</td><td class="num">${esc(moneyList(l.rewards))}</td>
<td><svg viewBox="0 0 100 10" class="meter" role="img" aria-label="IMOT ${l.imot.score} of 100"><rect width="100" height="10" rx="5" class="meter-bg"/><rect width="${l.imot.score}" height="10" rx="5" fill="${COLORS.imot}"/></svg> <span class="num">${l.imot.score}</span></td></tr>`,
    )
    .join('\n');
  return `<table><thead><tr><th>#</th><th>Advocate</th><th class="num">Gen.</th><th class="num">Conversions</th><th class="num">Human clicks</th>
<th class="num">Shares</th><th class="num">Rewards</th><th>IMOT score</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

function channelTable(channels: ChannelResult[]): string {
  return `<table><thead><tr><th>Channel</th><th class="num">Shares</th><th class="num">Human clicks</th><th class="num">Conversions</th><th class="num">Preferred by</th></tr></thead><tbody>
${channels
  .map(
    (c) =>
      `<tr><td>${esc(c.channel)}</td><td class="num">${int(c.shares)}</td><td class="num">${int(c.humanClicks)}</td><td class="num">${int(c.conversions)}</td><td class="num">${int(c.preferredBy)}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`;
}

export function renderDashboard(d: DashboardData, nonce: string): string {
  const main = `<header class="top">
<div><p class="eyebrow">Truthloop · campaign dashboard</p><h1>${esc(d.campaign.name)}</h1>
<p class="muted">${esc(d.campaign.message.headline)}</p></div>
<p class="badge ${d.campaign.status === 'ACTIVE' ? 'on' : ''}">${esc(d.campaign.status)}</p>
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
<footer class="muted">All time · generated ${esc(d.generatedAt.toISOString().slice(0, 16).replace('T', ' '))} UTC · figures defined in the README (Analytics: definitions)</footer>`;
  return page(`${d.campaign.name} · dashboard`, main, nonce);
}

export function linkRefusedPage(nonce: string, expired: boolean): string {
  const main = `<section class="panel narrow"><h1>${expired ? 'This dashboard link has expired' : 'This dashboard link is not valid'}</h1>
<p class="muted">${expired ? 'Dashboard links are valid for a limited time.' : 'It may have been changed or mistyped.'} Ask for a new link (the <code>createDashboardLink</code> mutation).</p></section>`;
  return page('Link refused', main, nonce);
}

function page(title: string, main: string, nonce: string): string {
  return layout(title, main, nonce, { style: STYLE, mainClass: '' });
}

const STYLE = `
:root{color-scheme:light;--bg:#f5f5f4;--card:#fff;--fg:#1c1917;--muted:#57534e;--line:#e7e5e4}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:24px}
main{max-width:1120px;margin:0 auto}
h1{font-size:1.75rem;line-height:1.2;margin:0 0 4px}
h2{font-size:1.05rem;margin:0 0 4px}
p{margin:0 0 8px}
.muted{color:var(--muted)}
.eyebrow{text-transform:uppercase;letter-spacing:.08em;font-size:.75rem;color:var(--muted);margin:0 0 4px}
.top{display:flex;justify-content:space-between;align-items:flex-start;gap:16px;margin-bottom:20px}
.badge{border:1px solid var(--line);border-radius:999px;padding:4px 12px;font-weight:600;font-size:.8rem;background:var(--card)}
.badge.on{background:#dcfce7;border-color:#86efac;color:#166534}
.kpis{display:grid;grid-template-columns:repeat(5,1fr);gap:12px;margin:0 0 16px}
@media (max-width:900px){.kpis{grid-template-columns:repeat(2,1fr)}}
.kpis div{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:14px 16px}
.kpis dt{font-size:.8rem;color:var(--muted)}
.kpis dd{margin:2px 0;font-size:1.5rem;font-weight:700;letter-spacing:-.01em}
.kpis dd.multi{font-size:1.1rem;line-height:1.3}
.kpis p{font-size:.8rem;color:var(--muted);margin:0}
.panel{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:18px 20px;margin-bottom:16px}
.panel.narrow{max-width:560px;margin:48px auto}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
.chart{width:100%;height:auto;display:block;margin-top:8px}
.svg-strong{font:600 14px system-ui,sans-serif;fill:var(--fg)}
.svg-value{font:700 18px system-ui,sans-serif;fill:#fff}
.svg-muted{font:12px system-ui,sans-serif;fill:var(--muted)}
.svg-small{font:600 12px system-ui,sans-serif;fill:var(--fg)}
.svg-tiny{font:11px system-ui,sans-serif;fill:var(--muted)}
.svg-axis{stroke:var(--line);stroke-width:1}
.legend{font-size:.8rem;color:var(--muted);margin-top:8px}
.dot{display:inline-block;width:10px;height:10px;border-radius:3px;margin:0 4px 0 12px;vertical-align:-1px}
.dot.zmot{background:${COLORS.zmot}}.dot.smot{background:${COLORS.smot}}.dot.pref{background:#a8a29e}
table{width:100%;border-collapse:collapse;margin-top:8px;font-size:.9rem}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid var(--line)}
th{font-size:.75rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums}
td .num{display:inline-block;min-width:2ch}
.meter{width:100px;height:10px;vertical-align:middle}
.meter-bg{fill:var(--line)}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--bg);padding:2px 6px;border-radius:6px}
footer{font-size:.8rem;margin:8px 0 24px}
`;
