/** Escapes text for HTML element content and quoted attribute values. */
export function esc(value: string | number): string {
  return String(value).replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface LayoutOptions {
  script?: string;
  /** The page's own stylesheet (default: the share page's brand-neutral card). */
  style?: string;
  mainClass?: string;
}

/** The brand-neutral frame shared by the share page, the dashboard and their error pages. */
export function layout(title: string, main: string, nonce: string, options: LayoutOptions | string = {}): string {
  const { script = '', style = STYLE, mainClass = 'card' } = typeof options === 'string' ? { script: options } : options;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style nonce="${nonce}">${style}</style>
</head>
<body>
<main${mainClass ? ` class="${mainClass}"` : ''}>
${main}
</main>
${script ? `<script nonce="${nonce}">${script}</script>` : ''}
</body>
</html>
`;
}

/** No third-party anything; inline code only with this response's nonce; no referrer leaks the token. */
export function pageHeaders(nonce: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  };
}

export function notFoundPage(nonce: string, what = 'link'): string {
  return layout(
    'Not found',
    `<h1>This ${esc(what)} does not exist</h1>
<p class="muted">It may have been mistyped, or it is no longer in use. Check the address, or ask the person who shared it with you.</p>`,
    nonce,
  );
}

export function tooManyPage(nonce: string): string {
  return layout(
    'Too many requests',
    `<h1>Too many requests</h1><p class="muted">Please wait a minute, then open the link again.</p>`,
    nonce,
  );
}

export function errorPage(nonce: string): string {
  return layout('Something went wrong', `<h1>Something went wrong</h1><p class="muted">Please try again in a moment.</p>`, nonce);
}

const STYLE = `
:root{color-scheme:light dark;--bg:#f5f5f4;--card:#fff;--fg:#1c1917;--muted:#57534e;--line:#e7e5e4;--accent:#1d4ed8;--accent-fg:#fff}
@media (prefers-color-scheme:dark){:root{--bg:#1c1917;--card:#292524;--fg:#fafaf9;--muted:#d6d3d1;--line:#44403c;--accent:#93c5fd;--accent-fg:#1c1917}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:16px}
.card{max-width:560px;margin:24px auto;background:var(--card);border:1px solid var(--line);border-radius:16px;padding:24px}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 12px}
h2{font-size:1rem;margin:24px 0 8px}
p{margin:0 0 12px}
.muted{color:var(--muted)}
.message{white-space:pre-line}
.linkrow{display:flex;gap:8px;flex-wrap:wrap}
.linkrow input{flex:1 1 220px;min-width:0;font:inherit;padding:10px 12px;border:1px solid var(--line);border-radius:10px;background:var(--bg);color:var(--fg)}
button,.btn{font:inherit;font-weight:600;text-align:center;display:inline-flex;align-items:center;justify-content:center;min-height:44px;padding:10px 16px;border-radius:10px;border:1px solid var(--line);background:var(--card);color:var(--fg);text-decoration:none;cursor:pointer}
button.primary{background:var(--accent);color:var(--accent-fg);border-color:var(--accent)}
button:focus-visible,.btn:focus-visible,input:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.channels{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px;padding:0;margin:0;list-style:none}
.channels .btn{width:100%}
.qr{display:flex;justify-content:center;margin:8px 0}
.qr svg{width:180px;height:180px;background:#fff;border-radius:8px}
.stats{display:grid;grid-template-columns:repeat(2,1fr);gap:8px;margin:0}
.stats div{border:1px solid var(--line);border-radius:10px;padding:10px 12px}
.stats dt{font-size:.85rem;color:var(--muted)}
.stats dd{margin:0;font-size:1.25rem;font-weight:700}
.status{min-height:1.5em;margin-top:6px;color:var(--muted)}
.notice{border-left:4px solid var(--accent);padding:8px 12px;background:var(--bg);border-radius:6px}
`;
