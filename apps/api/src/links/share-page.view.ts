import type { SharePage } from '#libs/portal/index.js';
import { esc, layout } from './html.js';

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
const SCRIPT = `(function(){
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
})();`;

export function renderSharePage(page: SharePage, token: string, nonce: string): string {
  const { campaign, progress } = page;
  const running = campaign.status === 'ACTIVE';
  const hasCopy = page.links.some((l) => l.channel === 'copy');
  const buttons = page.links
    .filter((l) => l.channel !== 'copy')
    .map((l) => {
      const web = /^https?:/i.test(l.shareUrl);
      const label = channelLabel(l.channel);
      return `<li><a class="btn" href="${esc(l.shareUrl)}" data-channel="${esc(l.channel)}"${
        web ? ' target="_blank" rel="noopener noreferrer"' : ''
      } aria-label="Share by ${esc(label)}">${esc(label)}</a></li>`;
    })
    .join('\n');
  const main = `<p class="muted">${page.firstName ? `Hi ${esc(page.firstName)}, here is your link` : 'Here is your link'}</p>
<h1>${esc(campaign.message.headline)}</h1>
<p class="message">${esc(campaign.message.body)}</p>
${running ? '' : '<p class="notice" role="status">This campaign is not running at the moment; your link still works, but nothing is being tracked.</p>'}
<section id="share" data-endpoint="/a/${esc(encodeURIComponent(token))}/share" aria-labelledby="link-label">
<h2 id="link-label">Your link</h2>
<div class="linkrow">
<input id="link" type="text" readonly value="${esc(page.link)}" aria-labelledby="link-label">
<button id="copy" type="button" class="primary"${hasCopy ? ' data-channel="copy"' : ''}>Copy link</button>
</div>
<p id="copy-status" class="status" role="status" aria-live="polite"></p>
${buttons ? `<h2 id="channels-label">Share it</h2>\n<ul class="channels" aria-labelledby="channels-label">\n${buttons}\n</ul>` : ''}
</section>
<h2 id="qr-label">QR code</h2>
<div class="qr" role="img" aria-labelledby="qr-label">${page.qrSvg}</div>
<h2 id="progress-label">Your progress</h2>
<dl class="stats" aria-labelledby="progress-label">
<div><dt>Clicks</dt><dd>${esc(progress.clicks)}</dd></div>
<div><dt>Friends signed up</dt><dd>${esc(progress.signups)}</dd></div>
<div><dt>Purchases</dt><dd>${esc(progress.conversions)}</dd></div>
<div><dt>Rewards</dt><dd>${esc(money(progress.balance.amount, progress.balance.currency))}</dd></div>
</dl>`;
  return layout(campaign.message.headline, main, nonce, SCRIPT);
}
