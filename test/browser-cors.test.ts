/**
 * Cross-origin in a real browser: Debian's chromium (playwright-core) on a page served from a
 * second local origin reads the feed from `wirebench serve --origin <that origin>` over fetch
 * (poll, long-poll, a non-simple poll that needs a preflight, a JSON publish), EventSource and
 * WebSocket; the same page from an origin not on the list is blocked on the HTTP transports and
 * refused on the WebSocket. Two origins from one page server: http://127.0.0.1:P is allowed,
 * http://localhost:P is not (another host, so another origin). Everything on loopback.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import type { Healthz, ServerStats } from '../servers/contract.js';
import { headersForRequest, preflightHeaders, resolveHeaderProfile } from '../load/clients/header-profiles.js';
import { startServerProcess, type ServerProcess } from '../load/run/server-process.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * The page's script: each read resolves with what the page could read (a count or a seq) or
 * "blocked: …" with the browser's error. Every wait is bounded.
 */
const PAGE = `<!doctype html><meta charset="utf-8"><title>cross-origin reader</title><script>
async function readFeed(base) {
  const out = {};
  const bounded = (promise) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 5 s')), 5000))]);
  const attempt = async (name, read) => {
    try { out[name] = await bounded(read()); } catch (error) { out[name] = 'blocked: ' + String(error); }
  };
  const json = async (response) => { if (!response.ok) throw new Error('status ' + response.status); return response.json(); };
  await attempt('poll', async () => (await json(await fetch(base + '/poll?since=0'))).length);
  await attempt('longpoll', async () => (await json(await fetch(base + '/longpoll?since=0'))).length);
  await attempt('pollWithAuthorization', async () => (await json(await fetch(base + '/poll?since=1', { headers: { Authorization: 'Bearer t0k3n' } }))).length);
  await attempt('publish', async () => (await json(await fetch(base + '/publish', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"data":"from the page"}' }))).seq);
  await attempt('eventSource', () => new Promise((resolve, reject) => {
    const source = new EventSource(base + '/sse?since=0');
    source.onmessage = (event) => { source.close(); resolve(JSON.parse(event.data).seq); };
    source.onerror = () => { source.close(); reject(new Error('EventSource error, readyState ' + source.readyState)); };
  }));
  await attempt('webSocket', () => new Promise((resolve, reject) => {
    const socket = new WebSocket(base.replace('http:', 'ws:') + '/ws?since=0');
    socket.onmessage = (event) => { socket.close(); resolve(JSON.parse(event.data).seq); };
    socket.onclose = (event) => reject(new Error('WebSocket closed ' + event.code));
  }));
  return out;
}
</script>`;

let browser: Browser | undefined;
let pages: http.Server | undefined;
let pagePort = 0;
let feed: ServerProcess | undefined;

before(async () => {
  pages = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(PAGE);
  });
  pages.listen(0, '127.0.0.1');
  await once(pages, 'listening');
  pagePort = (pages.address() as AddressInfo).port;
  feed = await startServerProcess({ transport: 'all', rate: 20, size: 16, holdMs: 5000, heartbeatMs: 0, server: { allowedOrigins: [`http://127.0.0.1:${pagePort}`] } });
  // Messages exist, so reads from since=0 are answered at once.
  const deadline = Date.now() + 10_000;
  while (((await (await fetch(`${feed.url}/healthz`)).json()) as Healthz).seq < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
});

after(async () => {
  await browser?.close();
  await feed?.stop();
  pages?.close();
});

async function readFrom(pageOrigin: string): Promise<Record<string, number | string>> {
  assert.ok(browser, `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  const page = await browser.newPage();
  try {
    await page.goto(`${pageOrigin}/`, { timeout: 15_000 });
    return await page.evaluate(async (base) => (globalThis as unknown as { readFeed(base: string): Promise<Record<string, number | string>> }).readFeed(base), feed!.url);
  } finally {
    await page.close();
  }
}

const stats = async (): Promise<ServerStats> => (await (await fetch(`${feed!.url}/stats`)).json()) as ServerStats;

test('a page on an allowed origin reads the feed over fetch (poll, long-poll, with a preflight), EventSource and WebSocket, and publishes', async () => {
  const before = await stats();
  const read = await readFrom(`http://127.0.0.1:${pagePort}`);
  for (const name of ['poll', 'longpoll', 'pollWithAuthorization', 'publish', 'eventSource', 'webSocket']) {
    assert.equal(typeof read[name], 'number', `${name}: ${String(read[name])}`);
    assert.ok((read[name] as number) >= 1, `${name}: ${String(read[name])}`);
  }
  const now = await stats();
  // The Authorization poll and the JSON publish are not simple requests: one preflight each.
  assert.equal((now.corsPreflights ?? 0) - (before.corsPreflights ?? 0), 2);
  assert.equal(now.originRejected - before.originRejected, 0);
});

test('a page on an origin not on the list is blocked on the HTTP transports and refused on the WebSocket', async () => {
  const before = await stats();
  const read = await readFrom(`http://localhost:${pagePort}`);
  for (const name of ['poll', 'longpoll', 'pollWithAuthorization', 'publish', 'eventSource', 'webSocket']) {
    assert.match(String(read[name]), /^blocked: /, `${name}: ${String(read[name])}`);
  }
  assert.match(String(read.poll), /Failed to fetch/);
  assert.match(String(read.webSocket), /closed 1006/);
  const now = await stats();
  // Refused by the server: the two preflights, the EventSource request and the WebSocket handshake.
  // (The simple polls were answered — without a grant, so the browser kept them from the page.)
  assert.equal(now.originRejected - before.originRejected, 4);
  assert.equal((now.corsPreflights ?? 0) - (before.corsPreflights ?? 0), 0);
});

test('the clients\' cross-origin requests and preflight carry the headers headless Chromium sends, in its order', async () => {
  assert.ok(browser, `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  // A server that records what arrives and grants everything, on another port (another origin).
  const seen: Array<{ method: string; names: string[] }> = [];
  const recorder = http.createServer((request, response) => {
    seen.push({ method: request.method ?? '', names: request.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase()).filter((name) => name !== 'host') });
    response.setHeader('access-control-allow-origin', request.headers.origin ?? '*');
    response.setHeader('access-control-allow-headers', 'authorization');
    response.setHeader('access-control-max-age', '600');
    if (request.url?.startsWith('/sse')) {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end('id: 1\ndata: {}\n\n');
      return;
    }
    response.writeHead(request.method === 'OPTIONS' ? 204 : 200, { 'content-type': 'application/json' });
    response.end(request.method === 'OPTIONS' ? undefined : '[]');
  });
  recorder.listen(0, '127.0.0.1');
  await once(recorder, 'listening');
  const base = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${pagePort}/`, { timeout: 15_000 });
    await page.evaluate(async (url) => {
      await fetch(`${url}/poll?since=1`, { headers: { Authorization: 'Bearer t0k3n' } });
      await new Promise<void>((resolve) => {
        const source = new EventSource(`${url}/sse?since=0`);
        source.onmessage = () => {
          source.close();
          resolve();
        };
      });
    }, base);
  } finally {
    await page.close();
    recorder.close();
  }
  const site = { crossOrigin: { origin: 'https://app.example.com', credentials: false }, authorization: 'Bearer t0k3n' };
  const profile = resolveHeaderProfile('browser').headers;
  const names = (headers: ReadonlyArray<readonly [string, string]>) => headers.map(([name]) => name.toLowerCase());
  const [preflight, poll, sse] = seen;
  assert.equal(preflight?.method, 'OPTIONS');
  assert.deepEqual(preflight.names, names(preflightHeaders(profile, site.crossOrigin, 'GET', 'authorization')));
  assert.deepEqual(poll?.names, names(headersForRequest('fetch', profile, site)).filter((name) => name !== 'cookie'));
  // EventSource: the same headers (what the bytes depend on); Chromium orders a few differently.
  assert.deepEqual([...(sse?.names ?? [])].sort(), names(headersForRequest('sse', profile, site)).filter((name) => name !== 'cookie').sort());
});
