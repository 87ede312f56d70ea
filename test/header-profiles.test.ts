/**
 * Header profiles: the exact bytes of a poll request under each profile (the polling figures
 * depend on them), the Cookie sized exactly, and the per-request-kind variants.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_COOKIE_BYTES, cookieValue, headersForRequest, resolveHeaderProfile } from '../load/clients/header-profiles.js';
import { CursorRequest } from '../load/clients/http-connection.js';
import { Value } from '@sinclair/typebox/value';
import { HeaderProfileSchema } from '../load/results/results-schema.js';

const HOST = '127.0.0.1:8080';

function pollRequest(name: 'minimal' | 'browser', cookieBytes?: number): Buffer {
  const profile = resolveHeaderProfile(name, cookieBytes);
  return new CursorRequest('/poll', HOST, headersForRequest('fetch', profile.headers)).bytes(0);
}

test('header-profiles: a minimal poll request is the request line and Host: 52 bytes', () => {
  const bytes = pollRequest('minimal');
  assert.equal(bytes.toString('latin1'), 'GET /poll?since=0 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n');
  assert.equal(bytes.length, 52);
});

test('header-profiles: a browser poll request is 516 bytes + Cookie line (1,126 bytes with the default 600-byte Cookie)', () => {
  assert.equal(DEFAULT_COOKIE_BYTES, 600);
  const withoutCookie =
    'GET /poll?since=0 HTTP/1.1\r\n' +
    'Host: 127.0.0.1:8080\r\n' +
    'Connection: keep-alive\r\n' +
    'sec-ch-ua-platform: "Linux"\r\n' +
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36\r\n' +
    'sec-ch-ua: "Not)A;Brand";v="8", "Chromium";v="138", "Google Chrome";v="138"\r\n' +
    'sec-ch-ua-mobile: ?0\r\n' +
    'Accept: */*\r\n' +
    'Sec-Fetch-Site: same-origin\r\n' +
    'Sec-Fetch-Mode: cors\r\n' +
    'Sec-Fetch-Dest: empty\r\n' +
    'Referer: https://app.example.com/\r\n' +
    'Accept-Encoding: gzip, deflate, br, zstd\r\n' +
    'Accept-Language: en-US,en;q=0.9\r\n';
  assert.equal(pollRequest('browser', 0).toString('latin1'), `${withoutCookie}\r\n`);
  assert.equal(pollRequest('browser', 0).length, 516);
  const text = pollRequest('browser').toString('latin1');
  assert.ok(text.startsWith(withoutCookie));
  assert.match(text.slice(withoutCookie.length), /^Cookie: sessionid=[^\r\n]+\r\n\r\n$/);
  assert.equal(pollRequest('browser').length, 516 + 'Cookie: \r\n'.length + 600);
  assert.equal(pollRequest('browser').length, 1126);
  assert.equal(pollRequest('browser', 1000).length, 1526);
});

test('header-profiles: the Cookie value is exactly cookieBytes bytes, for every size', () => {
  for (let bytes = 0; bytes <= 3000; bytes++) {
    const value = cookieValue(bytes);
    assert.equal(Buffer.byteLength(value), bytes);
    assert.match(value, /^[\x21-\x7e ]*$/); // printable ASCII: a valid header value
  }
  assert.throws(() => cookieValue(-1), /cookieBytes -1/);
});

test('header-profiles: profiles validate against the results schema and name their source', () => {
  for (const name of ['minimal', 'browser'] as const) {
    const profile = resolveHeaderProfile(name);
    assert.ok(Value.Check(HeaderProfileSchema, profile), name);
    assert.ok(profile.source.length > 20);
  }
  assert.deepEqual(resolveHeaderProfile('minimal').headers, []);
  assert.equal(resolveHeaderProfile('minimal', 900).cookieBytes, 0);
  const custom = resolveHeaderProfile('browser', 10, new URL('http://127.0.0.1:9/app'));
  assert.deepEqual(
    custom.headers.find(([name]) => name === 'Referer'),
    ['Referer', 'http://127.0.0.1:9/'],
  );
});

test('header-profiles: per request kind — SSE Accept, WebSocket handshake, POST Origin', () => {
  const names = (kind: Parameters<typeof headersForRequest>[0], profile: 'minimal' | 'browser') =>
    headersForRequest(kind, resolveHeaderProfile(profile).headers).map(([name, value]) => `${name}: ${value}`);
  assert.deepEqual(names('sse', 'minimal'), ['Accept: text/event-stream']);
  assert.deepEqual(names('ws', 'minimal'), []);
  assert.deepEqual(names('publish', 'minimal'), []);
  const sse = names('sse', 'browser');
  assert.ok(sse.includes('Accept: text/event-stream') && !sse.includes('Accept: */*'));
  assert.ok(sse.includes('Cache-Control: no-cache') && sse.includes('Pragma: no-cache'));
  const ws = names('ws', 'browser');
  assert.ok(ws.includes('Origin: https://app.example.com'));
  assert.ok(!ws.some((line) => /^(Accept:|Connection:|Referer:|Sec-Fetch-|sec-ch-ua)/i.test(line)), ws.join('|'));
  assert.ok(ws.some((line) => line.startsWith('Cookie: ')));
  const publish = names('publish', 'browser');
  assert.ok(publish.includes('Origin: https://app.example.com'));
  assert.equal(publish.length, resolveHeaderProfile('browser').headers.length + 1);
});
