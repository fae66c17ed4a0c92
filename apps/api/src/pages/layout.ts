import { html, stylesheet, type Html } from './template.js';

export interface LayoutOptions {
  /** The page's own script (trusted, ours), run with this response's nonce. */
  script?: Html;
  /** The page's own stylesheet (default: the share page's brand-neutral card). */
  style?: Html;
  mainClass?: string;
}

/** The brand-neutral frame shared by the share page, the dashboard and their error pages. */
export function layout(title: string, main: Html, nonce: string, options: LayoutOptions = {}): string {
  const { script, style = stylesheet(new URL('./page.css', import.meta.url)), mainClass = 'card' } = options;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style nonce="${nonce}">${style}</style>
</head>
<body>
<main${mainClass ? html` class="${mainClass}"` : ''}>
${main}
</main>
${script ? html`<script nonce="${nonce}">${script}</script>` : ''}
</body>
</html>
`.toString();
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
    html`<h1>This ${what} does not exist</h1>
<p class="muted">It may have been mistyped, or it is no longer in use. Check the address, or ask the person who shared it with you.</p>`,
    nonce,
  );
}

export function errorPage(nonce: string): string {
  return layout('Something went wrong', html`<h1>Something went wrong</h1><p class="muted">Please try again in a moment.</p>`, nonce);
}

export function tooManyPage(nonce: string): string {
  return layout(
    'Too many requests',
    html`<h1>Too many requests</h1><p class="muted">Please wait a minute, then open the link again.</p>`,
    nonce,
  );
}
