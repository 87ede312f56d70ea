/**
 * CORS on the HTTP transports and /publish (servers/cors.ts): the allow-list grants, preflights
 * are answered as configured, and bad CORS input is refused with a reason and counted.
 * The browser's side of it is in browser-cors.test.ts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import type { ErrorBody } from '../servers/contract.js';
import { CORS_ALLOWED_HEADERS } from '../servers/cors.js';
import { SERVER_DEFAULTS } from '../servers/server.js';
import { startServer, upgradeRefusal, WsClient } from './helpers/server-harness.js';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example';

/** One raw request (for what fetch will not send: repeated headers); resolves with the answer's text. */
async function rawRequest(url: string, head: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port) });
  await once(socket, 'connect');
  socket.end(`${head}Host: ${hostname}:${port}\r\nConnection: close\r\n\r\n`);
  let text = '';
  for await (const chunk of socket) text += String(chunk);
  return text;
}

function preflight(url: string, origin: string, method: string, headers?: string): Promise<Response> {
  const asked: Record<string, string> = { origin, 'access-control-request-method': method };
  if (headers !== undefined) asked['access-control-request-headers'] = headers;
  return fetch(url, { method: 'OPTIONS', headers: asked });
}

async function refusal(response: Response): Promise<ErrorBody & { status: number }> {
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  return { status: response.status, ...((await response.json()) as ErrorBody) };
}

test('an allowed origin is echoed with Vary: Origin on poll, long-poll, SSE and publish; credentials only when configured', async (t) => {
  const server = await startServer(t, { allowedOrigins: [APP], rate: 20 });
  const headers = { origin: APP };
  const responses = [
    await fetch(`${server.url}/poll?since=0`, { headers }),
    // Answered at once (history after 0 exists) and held (a cursor at the head): both on the raw response.
    await fetch(`${server.url}/longpoll?since=0`, { headers }),
    await fetch(`${server.url}/longpoll?since=${server.healthz().seq}`, { headers }),
    await fetch(`${server.url}/publish`, { method: 'POST', headers, body: '{"data":"x"}' }),
  ];
  const sseAbort = new AbortController();
  responses.push(await fetch(`${server.url}/sse`, { headers, signal: sseAbort.signal }));
  for (const response of responses) {
    assert.equal(response.status, 200, response.url);
    assert.equal(response.headers.get('access-control-allow-origin'), APP, response.url);
    assert.match(response.headers.get('vary') ?? '', /Origin/, response.url);
    assert.equal(response.headers.get('access-control-allow-credentials'), null, response.url);
  }
  sseAbort.abort();

  const withCredentials = await startServer(t, { allowedOrigins: [APP], corsCredentials: true });
  const answer = await fetch(`${withCredentials.url}/poll`, { headers });
  assert.equal(answer.headers.get('access-control-allow-credentials'), 'true');
  const granted = await preflight(`${withCredentials.url}/poll?since=1`, APP, 'GET', 'authorization');
  assert.equal(granted.headers.get('access-control-allow-credentials'), 'true');
});

test('a preflight is answered 204 with the allowed methods and headers and the configured max-age, and counted', async (t) => {
  const server = await startServer(t, { allowedOrigins: [APP] });
  const granted = await preflight(`${server.url}/poll?since=7`, APP, 'GET', 'authorization');
  assert.equal(granted.status, 204);
  assert.equal(granted.headers.get('access-control-allow-origin'), APP);
  assert.equal(granted.headers.get('access-control-allow-methods'), 'GET, POST');
  assert.equal(granted.headers.get('access-control-allow-headers'), CORS_ALLOWED_HEADERS.join(', '));
  assert.equal(granted.headers.get('access-control-max-age'), String(SERVER_DEFAULTS.corsMaxAgeSeconds));
  const publish = await preflight(`${server.url}/publish`, APP, 'POST', 'content-type,authorization');
  assert.equal(publish.status, 204);
  const sse = await preflight(`${server.url}/sse`, APP, 'GET', 'last-event-id');
  assert.equal(sse.status, 204);
  assert.equal(server.stats().corsPreflights, 3);

  const uncached = await startServer(t, { allowedOrigins: [APP], corsMaxAgeSeconds: 0 });
  assert.equal((await preflight(`${uncached.url}/poll`, APP, 'GET', 'authorization')).headers.get('access-control-max-age'), '0');
});

test('a disallowed origin gets no grant: polls answer without CORS headers, SSE, publish and WebSocket 403, preflights 403', async (t) => {
  const server = await startServer(t, { allowedOrigins: [APP] });
  const headers = { origin: EVIL };
  server.publish('so that a long-poll from 0 is answered at once');
  for (const path of ['/poll', '/longpoll?since=0']) {
    const response = await fetch(`${server.url}${path}`, { headers });
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get('access-control-allow-origin'), null, path);
  }
  assert.equal((await refusal(await fetch(`${server.url}/sse`, { headers }))).error, 'forbidden-origin');
  assert.equal((await refusal(await fetch(`${server.url}/publish`, { method: 'POST', headers, body: '{"data":"x"}' }))).status, 403);
  assert.equal((await upgradeRefusal(`${server.url}/ws`, headers)).status, 403);
  const refused = await refusal(await preflight(`${server.url}/poll`, EVIL, 'GET', 'authorization'));
  assert.deepEqual([refused.status, refused.error], [403, 'forbidden-origin']);
  assert.equal(server.stats().originRejected, 4);
  assert.equal(server.stats().corsPreflights, 0);

  // With no list at all nothing is checked, and nothing cross-origin is granted either.
  const open = await startServer(t);
  assert.equal((await fetch(`${open.url}/poll`, { headers })).headers.get('access-control-allow-origin'), null);
  const noGrant = await refusal(await preflight(`${open.url}/poll`, APP, 'GET'));
  assert.equal(noGrant.status, 403);
  assert.match(noGrant.reason, /--origin/);
});

test('bad CORS input is refused with a reason and counted: methods or headers not allowed, malformed or many origins', async (t) => {
  const server = await startServer(t, { allowedOrigins: [APP] });
  const cases: Array<[Promise<Response>, number, string, RegExp]> = [
    [preflight(`${server.url}/poll`, APP, 'DELETE'), 403, 'cors-preflight-refused', /does not allow method "DELETE": it answers GET/],
    [preflight(`${server.url}/publish`, APP, 'GET'), 403, 'cors-preflight-refused', /it answers POST/],
    [preflight(`${server.url}/poll`, APP, 'GET', 'authorization, x-secret'), 403, 'cors-preflight-refused', /"x-secret" is not allowed/],
    [fetch(`${server.url}/poll`, { method: 'OPTIONS' }), 400, 'bad-request', /Access-Control-Request-Method/],
    [preflight(`${server.url}/nowhere`, APP, 'GET'), 404, 'not-found', /no route \/nowhere/],
    [fetch(`${server.url}/poll`, { headers: { origin: 'app.example.com' } }), 400, 'bad-origin', /not a serialized origin/],
    [fetch(`${server.url}/sse`, { headers: { origin: `${APP}/path` } }), 400, 'bad-origin', /not a serialized origin/],
    [fetch(`${server.url}/poll`, { headers: { origin: `${APP} ${EVIL}` } }), 400, 'bad-origin', /lists 2 origins/],
    [preflight(`${server.url}/poll`, `${APP}, ${EVIL}`, 'GET'), 400, 'bad-origin', /lists 2 origins/],
  ];
  for (const [pending, status, error, reason] of cases) {
    const answer = await refusal(await pending);
    assert.deepEqual([answer.status, answer.error], [status, error], answer.reason);
    assert.match(answer.reason, reason);
  }
  const repeated = await rawRequest(server.url, `GET /poll HTTP/1.1\r\nOrigin: ${APP}\r\nOrigin: ${EVIL}\r\n`);
  assert.match(repeated, /^HTTP\/1\.1 400 /);
  assert.match(repeated, /2 Origin headers/);
  const wsMany = await upgradeRefusal(`${server.url}/ws`, { origin: `${APP} ${EVIL}` });
  assert.equal(wsMany.status, 400);
  assert.match(wsMany.body, /lists 2 origins/);

  const stats = server.stats();
  assert.equal(stats.badRequests, cases.length + 2);
  assert.equal(stats.originRejected, 0);
  assert.equal(stats.corsPreflights, 0);
  // The server still serves a well-behaved cross-origin client afterwards.
  const ws = await WsClient.connect(`${server.url}/ws`, { headers: { origin: APP } });
  ws.close();
  assert.equal((await fetch(`${server.url}/poll`, { headers: { origin: APP } })).headers.get('access-control-allow-origin'), APP);
});
