import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { UnsafeUrlError, parseWebhookUrl, resolveWebhookHost } from './webhook-address.js';

/** How much of a receiver's answer is read and kept in the delivery log. */
export const MAX_RESPONSE_BYTES = 4096;

export interface SendOptions {
  timeoutMs: number;
  allowPrivateNetworks: boolean;
}

export interface SendResult {
  statusCode: number | null;
  responseTimeMs: number;
  responseBody: string | null;
  error: string | null;
}

/**
 * POSTs one delivery. The host is resolved and checked here, at delivery time, and the connection
 * goes to the checked address (a custom `lookup`), so DNS cannot be switched to a private address
 * between check and connect. Redirects are not followed; the answer is read up to 4 KiB; the whole
 * exchange is bounded by the timeout. Never throws: failures come back as `error`.
 */
export async function sendWebhook(
  rawUrl: string,
  headers: Record<string, string>,
  body: string,
  options: SendOptions,
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let resolved;
  let url: URL;
  try {
    url = parseWebhookUrl(rawUrl);
    resolved = await resolveWebhookHost(url, options.allowPrivateNetworks);
  } catch (error) {
    const message = error instanceof UnsafeUrlError ? `refused: ${error.message}` : String(error);
    return { statusCode: null, responseTimeMs: elapsed(), responseBody: null, error: message };
  }
  const result = await post(url, pinnedLookup(resolved.address, resolved.family), headers, body, options.timeoutMs);
  return { ...result, responseTimeMs: elapsed() };
}

/** A DNS lookup that answers the address we checked. Node may ask for every address (autoSelectFamily); either way it gets that one. */
function pinnedLookup(address: string, family: number): LookupFunction {
  return ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (opts?.all) cb(null, [{ address, family }]);
    else cb(null, address, family);
  }) as unknown as LookupFunction;
}

/** One POST over a fresh connection, its answer read up to MAX_RESPONSE_BYTES, bounded by the timeout. */
function post(
  url: URL,
  lookup: LookupFunction,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<Omit<SendResult, 'responseTimeMs'>> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'responseTimeMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'POST',
        lookup,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: false, // a fresh connection per delivery: no pooled socket to a previously checked address
      },
      (res: IncomingMessage) => readAnswer(res, finish),
    );
    const timer = setTimeout(() => {
      finish({ statusCode: null, responseBody: null, error: `timed out after ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => finish({ statusCode: null, responseBody: null, error: error.code ?? error.message }));
    req.end(body);
  });
}

/** Reads the answer up to MAX_RESPONSE_BYTES (the rest is not read). */
function readAnswer(res: IncomingMessage, finish: (result: Omit<SendResult, 'responseTimeMs'>) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const done = () => {
    const text = Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8').replace(/\0/g, '');
    finish({ statusCode: res.statusCode ?? null, responseBody: text, error: null });
    res.destroy();
  };
  res.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_RESPONSE_BYTES) done();
  });
  res.on('end', done);
  res.on('error', done);
}
