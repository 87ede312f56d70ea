/**
 * The `browser` header profile over HTTP/2 kept in step with a real browser: headless Chromium
 * (Debian's, through playwright-core) fetches and opens an EventSource against a Node HTTP/2 TLS
 * server on 127.0.0.1 that records the fields as it receives them; the profile's requests as the
 * h2 clients send them must carry the same fields in the same order — pseudo-headers included —
 * less the Cookie (the test page has none) and the values that name the browser's build.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { headersForRequest, resolveHeaderProfile } from '../load/clients/header-profiles.js';
import { headerLines } from '../load/clients/http-connection.js';
import { toH2Request } from '../load/clients/h2-connection.js';
import { selfSignedIdentity } from '../servers/tls-identity.js';

const CHROMIUM = '/usr/bin/chromium';

test("the browser profile over h2 sends what headless Chromium sends: the same fields in the same order, pseudo-headers first in Chromium's order", { timeout: 90_000, skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing` }, async (t) => {
  const identity = await selfSignedIdentity('127.0.0.1');
  const seen = new Map<string, string[]>();
  const server = http2.createSecureServer({ key: identity.key, cert: identity.cert }, (request, response) => {
    seen.set(request.url.split('?')[0] ?? '', request.rawHeaders);
    if (request.url === '/') {
      response.setHeader('content-type', 'text/html');
      response.end('<!doctype html><title>feed</title>');
    } else if (request.url.startsWith('/sse')) {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: {"seq":1}\n\n');
    } else {
      response.setHeader('content-type', 'application/json');
      response.end('[]');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session: http2.ServerHttp2Session) => sessions.add(session));
  t.after(() => {
    for (const session of sessions) session.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const spki = new X509Certificate(identity.cert).publicKey.export({ type: 'spki', format: 'der' });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', `--ignore-certificate-errors-spki-list=${createHash('sha256').update(spki).digest('base64')}`],
    timeout: 30_000,
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  await page.evaluate(`(async () => {
    const bounded = (promise) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 5 s')), 5000))]);
    await bounded((await fetch('/poll?since=0')).text());
    await bounded(new Promise((resolve, reject) => { const s = new EventSource('/sse?since=0'); s.onmessage = () => { s.close(); resolve(); }; s.onerror = () => reject(new Error('EventSource error')); }));
  })()`);

  const profile = resolveHeaderProfile('browser').headers;
  const host = origin.slice('https://'.length);
  for (const [path, kind] of [['/poll', 'fetch'], ['/sse', 'sse']] as const) {
    const raw = seen.get(path);
    assert.ok(raw !== undefined, `Chromium requested ${path}`);
    const chromiumNames = raw.filter((_, i) => i % 2 === 0);
    const ours = toH2Request([`GET ${path}?since=0 HTTP/1.1\r\n${headerLines(host, headersForRequest(kind, profile, { http2: true }))}\r\n`], 'https').headers;
    assert.deepEqual(Object.keys(ours).filter((name) => name !== 'cookie'), chromiumNames, `${path}: field names and order`);
    // Values that do not name the browser's build or this page agree exactly.
    const chromiumValue = (name: string) => raw[raw.indexOf(name) + 1];
    for (const name of ['accept', 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest', 'accept-encoding', 'priority', 'sec-ch-ua-mobile', 'sec-ch-ua-platform', ':method', ':scheme']) {
      if (chromiumNames.includes(name)) assert.equal(String(ours[name]), chromiumValue(name), `${path}: ${name}`);
    }
  }
});
