import type { SharePage } from '#libs/portal/index.js';
import { layout } from '../pages/layout.js';
import { html, safe, type Html } from '../pages/template.js';

const LABELS: Record<string, string> = {
  email: 'Email',
  sms: 'Text message',
  whatsapp: 'WhatsApp',
  x: 'X',
  facebook: 'Facebook',
  linkedin: 'LinkedIn',
};

function channelLabel(channel: string): string {
  return LABELS[channel] ?? channel.charAt(0).toUpperCase() + channel.slice(1).replace(/[-_]/g, ' ');
}

function money(amount: number, currency: string): string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** digits);
}

// Copy with the Clipboard API, else a selection and execCommand; each button press records a share.
const SCRIPT = safe(`(function(){
var d=document,root=d.getElementById('share'),endpoint=root.getAttribute('data-endpoint');
function record(ch){try{fetch(endpoint,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({channel:ch}),keepalive:true,credentials:'same-origin'});}catch(e){}}
var input=d.getElementById('link'),copy=d.getElementById('copy'),status=d.getElementById('copy-status');
function done(){status.textContent='Link copied to the clipboard.';copy.textContent='Copied';setTimeout(function(){copy.textContent='Copy link';},2000);}
function fallback(){input.focus();input.select();try{if(!d.execCommand('copy'))throw 0;done();}catch(e){status.textContent='Select the link and copy it.';}}
copy.addEventListener('click',function(){
if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(input.value).then(done,fallback);}else{fallback();}
if(copy.getAttribute('data-channel'))record('copy');
});
var links=d.querySelectorAll('a[data-channel]');
for(var i=0;i<links.length;i++){links[i].addEventListener('click',function(ev){record(ev.currentTarget.getAttribute('data-channel'));});}
})();`);

export function renderSharePage(page: SharePage, token: string, nonce: string): string {
  const { campaign } = page;
  const hasCopy = page.links.some((l) => l.channel === 'copy');
  const main = html`<p class="muted">${page.firstName ? html`Hi ${page.firstName}, here is your link` : 'Here is your link'}</p>
<h1>${campaign.message.headline}</h1>
<p class="message">${campaign.message.body}</p>
${campaign.status === 'ACTIVE' ? '' : html`<p class="notice" role="status">This campaign is not running at the moment; your link still works, but nothing is being tracked.</p>`}
<section id="share" data-endpoint="/a/${encodeURIComponent(token)}/share" aria-labelledby="link-label">
<h2 id="link-label">Your link</h2>
<div class="linkrow">
<input id="link" type="text" readonly value="${page.link}" aria-labelledby="link-label">
<button id="copy" type="button" class="primary"${hasCopy ? html` data-channel="copy"` : ''}>Copy link</button>
</div>
<p id="copy-status" class="status" role="status" aria-live="polite"></p>
${shareButtons(page)}
</section>
<h2 id="qr-label">QR code</h2>
<div class="qr" role="img" aria-labelledby="qr-label">${safe(page.qrSvg)}</div>
${progress(page)}`;
  return layout(campaign.message.headline, main, nonce, { script: SCRIPT });
}

/** One button per channel (the copy button stands apart). */
function shareButtons(page: SharePage): Html | string {
  const buttons = page.links
    .filter((l) => l.channel !== 'copy')
    .map((l) => {
      const label = channelLabel(l.channel);
      const newTab = /^https?:/i.test(l.shareUrl) ? html` target="_blank" rel="noopener noreferrer"` : '';
      return html`<li><a class="btn" href="${l.shareUrl}" data-channel="${l.channel}"${newTab} aria-label="Share by ${label}">${label}</a></li>
`;
    });
  return buttons.length
    ? html`<h2 id="channels-label">Share it</h2>
<ul class="channels" aria-labelledby="channels-label">
${buttons}</ul>`
    : '';
}

function progress({ progress: p }: SharePage): Html {
  return html`<h2 id="progress-label">Your progress</h2>
<dl class="stats" aria-labelledby="progress-label">
<div><dt>Clicks</dt><dd>${p.clicks}</dd></div>
<div><dt>Friends signed up</dt><dd>${p.signups}</dd></div>
<div><dt>Purchases</dt><dd>${p.conversions}</dd></div>
<div><dt>Rewards</dt><dd>${money(p.balance.amount, p.balance.currency)}</dd></div>
</dl>`;
}
