import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HtmlSafeString, join, safe } from 'escape-html-template-tag';

// The library's default export, written out: its types read as CommonJS under NodeNext, so a
// default import would not type-check; the named class is the same tag.
const html = (parts: TemplateStringsArray, ...values: unknown[]): HtmlSafeString => new HtmlSafeString(parts, values);

/**
 * Server-rendered pages are written with one tagged template, `html`, that escapes every value it
 * interpolates (text and quoted attributes alike) unless the value is itself an `html` fragment or
 * marked `safe` (trusted markup only: our own SVG, our own script and stylesheets).
 */
export { html, join, safe, HtmlSafeString as Html };

const sheets = new Map<string, string>();

/** A stylesheet of this app, read once (`npm run build` copies the .css files beside the compiled code). */
export function stylesheet(url: URL): HtmlSafeString {
  const path = fileURLToPath(url);
  let css = sheets.get(path);
  if (css === undefined) sheets.set(path, (css = readFileSync(path, 'utf8')));
  return safe(css);
}
