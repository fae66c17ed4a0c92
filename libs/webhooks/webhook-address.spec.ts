import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isPrivateAddress, parseWebhookUrl, resolveWebhookHost } from './webhook-address.js';
import { sendWebhook } from './webhook-sender.js';

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '0.0.0.0',
    '100.64.0.1',
    '::1',
    '::',
    'fd00::1',
    'fc12::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '64:ff9b::10.0.0.1',
    'not-an-ip',
    // IPv6 forms of loopback and private IPv4 addresses
    '::7f00:1', // IPv4-compatible 127.0.0.1
    '::127.0.0.1',
    '::a00:1', // IPv4-compatible 10.0.0.1
    '::ffff:0:7f00:1', // IPv4-translated (RFC 6145)
    '2002:7f00:1::', // 6to4 of 127.0.0.1
    '2002:a9fe:a9fe::1', // 6to4 of 169.254.169.254
    '2002:c0a8:101::1', // 6to4 of 192.168.1.1
    '64:ff9b::7f00:1', // NAT64 of 127.0.0.1
    '64:ff9b:1::7f00:1', // local-use NAT64 (RFC 8215)
    '64:ff9b:1::808:808',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
    'fe80::1%eth0',
    'fec0::1', // site-local
    'ff02::1',
    '2001:db8::1', // documentation
    '0.1.2.3',
    '192.0.0.8',
    '198.18.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '[::1]',
  ])('refuses %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'])(
    'allows %s',
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );
});

describe('resolveWebhookHost', () => {
  it('refuses non-http schemes', () => {
    expect(() => parseWebhookUrl('ftp://example.com/')).toThrow(/http/);
    expect(() => parseWebhookUrl('file:///etc/passwd')).toThrow(/http/);
    expect(() => parseWebhookUrl('not a url')).toThrow(/absolute/);
  });

  it('refuses private literals and names that resolve to them, unless allowed', async () => {
    await expect(resolveWebhookHost(new URL('http://127.0.0.1:9/'), false)).rejects.toThrow(/private/);
    await expect(resolveWebhookHost(new URL('http://[::1]/'), false)).rejects.toThrow(/private/);
    await expect(resolveWebhookHost(new URL('http://localhost/'), false)).rejects.toThrow(/private/);
    // However the URL writes it, the host is the address the URL parser makes of it.
    for (const url of [
      'http://[::7f00:1]/',
      'http://[::127.0.0.1]/',
      'http://[2002:7f00:1::]/',
      'http://[64:ff9b:1::7f00:1]/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://[::ffff:a9fe:a9fe]/',
    ]) {
      await expect(resolveWebhookHost(parseWebhookUrl(url), false)).rejects.toThrow(/private/);
    }
    await expect(resolveWebhookHost(new URL('http://127.0.0.1:9/'), true)).resolves.toEqual({ address: '127.0.0.1', family: 4 });
  });
});

describe('sendWebhook', () => {
  it('refuses a private address at delivery time: the request never leaves', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const refused = await sendWebhook(`http://127.0.0.1:${port}/`, {}, '{}', { timeoutMs: 2000, allowPrivateNetworks: false });
      expect(refused.statusCode).toBeNull();
      expect(refused.error).toMatch(/^refused: /);
      expect(hits).toBe(0);
      const allowed = await sendWebhook(`http://localhost:${port}/`, {}, '{}', { timeoutMs: 2000, allowPrivateNetworks: true });
      expect(allowed).toMatchObject({ statusCode: 200, responseBody: 'ok', error: null });
      expect(hits).toBe(1);
    } finally {
      server.close();
    }
  });

  it('reads at most 4 KiB of the answer and times out a slow receiver', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/slow') return; // never answers
      res.end('x'.repeat(100_000));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const big = await sendWebhook(`http://127.0.0.1:${port}/big`, {}, '{}', { timeoutMs: 2000, allowPrivateNetworks: true });
      expect(big.statusCode).toBe(200);
      expect(big.responseBody!.length).toBe(4096);
      const slow = await sendWebhook(`http://127.0.0.1:${port}/slow`, {}, '{}', { timeoutMs: 200, allowPrivateNetworks: true });
      expect(slow).toMatchObject({ statusCode: null, error: 'timed out after 200 ms' });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
