/**
 * The clients' cross-origin profile (load/clients/cors-preflight.ts, header-profiles.ts): headers as
 * Chromium adapts them, the preflight cache as Chromium keeps it, and — against real servers —
 * preflights sent, counted, cached and refused as a browser would, their bytes inside the socket
 * meter's count and split out exactly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHROMIUM_PREFLIGHT_CACHE, PreflightCache, corsGranted, preflightMaxAgeSeconds } from '../load/clients/cors-preflight.js';
import { authorizationValue, headersForRequest, preflightHeaders, resolveHeaderProfile, type CrossOrigin } from '../load/clients/header-profiles.js';
import { createPollClient } from '../load/clients/short-poll-client.js';
import { createLongPollClient } from '../load/clients/long-poll-client.js';
import { createSseClient } from '../load/clients/sse-client.js';
import { createWsClient } from '../load/clients/ws-client.js';
import type { ClientOptions } from '../load/clients/client-contract.js';
import { RecordingTracker, clientOptions, requestText, startServer, stopAfter, waitUntil } from './helpers/clients-harness.js';

const APP = 'https://app.example.com';
const SITE: CrossOrigin = { origin: APP, credentials: false };
const AUTH = authorizationValue(64);
const TEST_TIMEOUT_MS = 20_000;

test('the preflight cache is Chromium\'s: max-age capped at 7200 s, 5 s when absent or unreadable, 0 caches nothing, 1024 entries', () => {
  assert.equal(preflightMaxAgeSeconds('86400'), 7200);
  assert.equal(preflightMaxAgeSeconds('600'), 600);
  assert.equal(preflightMaxAgeSeconds(undefined), 5);
  assert.equal(preflightMaxAgeSeconds('soon'), 5);
  const cache = new PreflightCache();
  cache.store('/poll?since=1', '600', 0);
  assert.equal(cache.fresh('/poll?since=1', 599_999), true);
  assert.equal(cache.fresh('/poll?since=1', 600_000), false, 'expired');
  assert.equal(cache.fresh('/poll?since=2', 0), false, 'another URL is another entry');
  cache.store('/poll?since=3', '0', 0);
  assert.equal(cache.fresh('/poll?since=3', 0), false);
  for (let i = 0; i < CHROMIUM_PREFLIGHT_CACHE.maxEntries + 10; i++) cache.store(i, '7200', 1);
  assert.equal(cache.size, CHROMIUM_PREFLIGHT_CACHE.maxEntries);
  assert.equal(cache.fresh(0, 2), false, 'the oldest went first');
  assert.equal(cache.fresh(CHROMIUM_PREFLIGHT_CACHE.maxEntries + 9, 2), true);
});

test('an answer is readable only when CORS grants the page\'s origin (and credentials when sent)', () => {
  assert.equal(corsGranted(['Access-Control-Allow-Origin', APP], SITE), true);
  assert.equal(corsGranted(['access-control-allow-origin', '*'], SITE), true);
  assert.equal(corsGranted(['Access-Control-Allow-Origin', 'https://other.example'], SITE), false);
  assert.equal(corsGranted([], SITE), false);
  const credentials = { origin: APP, credentials: true };
  assert.equal(corsGranted(['Access-Control-Allow-Origin', '*', 'Access-Control-Allow-Credentials', 'true'], credentials), false);
  assert.equal(corsGranted(['Access-Control-Allow-Origin', APP], credentials), false);
  assert.equal(corsGranted(['Access-Control-Allow-Origin', APP, 'Access-Control-Allow-Credentials', 'true'], credentials), true);
});

test('cross-origin headers in the order headless Chromium sends them; the preflight carries no Cookie, Authorization or client hints', () => {
  const browser = resolveHeaderProfile('browser').headers;
  const names = (headers: ReadonlyArray<readonly [string, string]>) => headers.map(([name]) => name.toLowerCase());
  // Recorded from /usr/bin/chromium: a cross-origin fetch with an Authorization header, and its preflight (Host first, not listed).
  const chromiumFetch = ['connection', 'sec-ch-ua-platform', 'authorization', 'user-agent', 'sec-ch-ua', 'sec-ch-ua-mobile', 'accept', 'origin', 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest', 'referer', 'accept-encoding', 'accept-language'];
  const chromiumPreflight = ['connection', 'accept', 'access-control-request-method', 'access-control-request-headers', 'origin', 'user-agent', 'sec-fetch-mode', 'sec-fetch-site', 'sec-fetch-dest', 'referer', 'accept-encoding', 'accept-language'];
  const fetchHeaders = headersForRequest('fetch', browser, { crossOrigin: SITE, authorization: AUTH });
  assert.deepEqual(names(fetchHeaders), chromiumFetch, 'no Cookie without credentials');
  assert.deepEqual(fetchHeaders.find(([name]) => name === 'Sec-Fetch-Site'), ['Sec-Fetch-Site', 'same-site']);
  assert.deepEqual(names(headersForRequest('fetch', browser, { crossOrigin: { origin: APP, credentials: true } })).at(-1), 'cookie');
  assert.deepEqual(names(preflightHeaders(browser, SITE, 'GET', 'authorization')), chromiumPreflight);
  // EventSource cannot carry Authorization; a WebSocket handshake keeps one Origin and its Cookie.
  assert.ok(!names(headersForRequest('sse', browser, { crossOrigin: SITE, authorization: AUTH })).includes('authorization'));
  const ws = names(headersForRequest('ws', browser, { crossOrigin: SITE }));
  assert.equal(ws.filter((name) => name === 'origin').length, 1);
  assert.ok(ws.includes('cookie'));
  const publish = names(headersForRequest('publish', browser, { crossOrigin: SITE, authorization: AUTH }));
  assert.equal(publish.filter((name) => name === 'origin').length, 1);
  // The minimal profile gains exactly what CORS needs.
  assert.deepEqual(headersForRequest('fetch', [], { crossOrigin: SITE, authorization: AUTH }), [['Authorization', AUTH], ['Origin', APP]]);
  assert.deepEqual(preflightHeaders([], SITE, 'GET', 'authorization').map(([name]) => name), ['Access-Control-Request-Method', 'Access-Control-Request-Headers', 'Origin']);
  assert.equal(AUTH.length, 64);
  assert.throws(() => authorizationValue(3), RangeError);
});

function crossOriginOptions(url: string, tracker: RecordingTracker, extra: Partial<ClientOptions> = {}, intervalMs = 40): ClientOptions {
  return { ...clientOptions(url, tracker, [], intervalMs), crossOrigin: SITE, ...extra };
}

test('short polling, non-simple: one preflight per new URL (the cursor is in it), cache hits while it stays; bytes split out exactly', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await startServer(t, { transports: ['poll'], allowedOrigins: [APP] });
  const host = `127.0.0.1:${server.port}`;
  const tracker = new RecordingTracker(0);
  const client = stopAfter(t, createPollClient(crossOriginOptions(server.url, tracker, { authorization: AUTH })));
  await client.start();
  await waitUntil(() => tracker.preflightCacheHits >= 3, 'polls at an unchanged cursor');
  assert.equal(tracker.preflights, 1, 'one URL so far: /poll?since=0');
  server.publish('x'.repeat(20));
  await waitUntil(() => tracker.seqs.length === 1 && tracker.requestCursors.at(-1) === 1 && tracker.preflightCacheHits >= 5, 'polls from since=1');
  await client.stop();
  assert.deepEqual(tracker.errors, []);
  assert.equal(tracker.preflights, 2, 'since=0 and since=1');
  assert.equal(server.stats().corsPreflights, 2, 'the server granted each');

  // Every byte written is a poll or a preflight, each written out by hand.
  const preflightText = requestText('OPTIONS', '/poll?since=0', host, [['Access-Control-Request-Method', 'GET'], ['Access-Control-Request-Headers', 'authorization'], ['Origin', APP]]);
  const sample = client.wireSample();
  assert.equal(sample.preflightRequestBytes, Buffer.byteLength(preflightText));
  let written = tracker.preflights * Buffer.byteLength(preflightText);
  for (const cursor of tracker.requestCursors) written += Buffer.byteLength(requestText('GET', `/poll?since=${cursor}`, host, [['Authorization', AUTH], ['Origin', APP]]));
  assert.equal(client.wire().writtenBytes, written);
  const report = tracker.delivery.report().totals;
  assert.equal(report.preflights, 2);
  assert.equal(report.preflightUpBytes, 2 * Buffer.byteLength(preflightText));
  assert.equal(report.preflightDownBytes, 2 * (sample.preflightResponseBytes ?? -1));
  assert.match(String(sample.preflightResponseBytes), /^\d{3}$/);
});

test('with Access-Control-Max-Age 0 every non-simple request is preflighted; long-polls always are (their cursor moves)', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const uncached = await startServer(t, { transports: ['poll'], allowedOrigins: [APP], corsMaxAgeSeconds: 0 });
  const pollTracker = new RecordingTracker(0);
  const poll = stopAfter(t, createPollClient(crossOriginOptions(uncached.url, pollTracker, { authorization: AUTH })));
  await poll.start();
  await waitUntil(() => pollTracker.requestCursors.length >= 5, 'five polls');
  await poll.stop();
  assert.equal(pollTracker.preflightCacheHits, 0);
  assert.equal(pollTracker.preflights, pollTracker.requestCursors.length);

  const cached = await startServer(t, { transports: ['longpoll'], allowedOrigins: [APP], holdMs: 2000 });
  const tracker = new RecordingTracker(0);
  const longpoll = stopAfter(t, createLongPollClient(crossOriginOptions(cached.url, tracker, { authorization: AUTH })));
  cached.publish('a');
  await longpoll.start();
  for (const data of ['b', 'c', 'd']) {
    const seen = tracker.seqs.length;
    cached.publish(data);
    await waitUntil(() => tracker.seqs.length > seen, `message ${data}`);
  }
  await longpoll.stop();
  assert.deepEqual(tracker.seqs, [1, 2, 3, 4]);
  assert.deepEqual(tracker.errors, []);
  assert.equal(tracker.preflights, tracker.requestCursors.length, 'a new cursor each time: no cache hit');
  // The server may have granted one more: a preflight whose answer was on its way when the client stopped.
  const granted = cached.stats().corsPreflights ?? 0;
  assert.ok(granted === tracker.preflights || granted === tracker.preflights + 1, `server granted ${granted}, client saw ${tracker.preflights}`);
});

test('the JSON publish is preflighted once, then its fixed URL stays in the cache', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await startServer(t, { transports: ['sse'], allowedOrigins: [APP] });
  const tracker = new RecordingTracker(0);
  const client = stopAfter(t, createSseClient(crossOriginOptions(server.url, tracker)));
  await client.start();
  for (let i = 0; i < 3; i++) {
    client.publish(`up-${i}`);
    await waitUntil(() => tracker.seqs.length > i, `published message ${i + 1}`);
  }
  assert.deepEqual(tracker.errors, []);
  assert.equal(tracker.preflights, 1);
  assert.equal(tracker.preflightCacheHits, 2);
  assert.equal(server.stats().published.upstream, 3);
  assert.ok((client.wireSample().publishDownBytes ?? 0) > 0);
});

test('a browser-like client refuses what CORS does not grant: preflight 403, ungranted answers, a refused handshake', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const elsewhere = await startServer(t, { allowedOrigins: ['https://other.example'] });
  const open = await startServer(t);
  const code = async (client: { start(): Promise<void>; stop(): Promise<void> }): Promise<string> => {
    try {
      await client.start();
      return 'started';
    } catch (error) {
      return (error as { code?: string }).code ?? 'no code';
    } finally {
      await client.stop();
    }
  };
  assert.equal(await code(createPollClient(crossOriginOptions(elsewhere.url, new RecordingTracker(0), { authorization: AUTH }))), 'cors_preflight_403');
  assert.equal(await code(createPollClient(crossOriginOptions(elsewhere.url, new RecordingTracker(0)))), 'cors_blocked');
  assert.equal(await code(createSseClient(crossOriginOptions(open.url, new RecordingTracker(0)))), 'cors_blocked');
  assert.equal(await code(createSseClient(crossOriginOptions(elsewhere.url, new RecordingTracker(0)))), 'http_403');
  assert.equal(await code(createWsClient(crossOriginOptions(elsewhere.url, new RecordingTracker(0)))), 'http_403');
  assert.equal(await code(createWsClient(crossOriginOptions(open.url, new RecordingTracker(0)))), 'started');
  assert.equal(elsewhere.stats().originRejected, 3);
});
