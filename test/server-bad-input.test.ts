/**
 * Bad input is answered with a 4xx and a JSON reason (or a WebSocket close code), counted in
 * /stats, and never disturbs the clients that behave.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { WS_CLOSE, type ErrorBody } from '../servers/contract.js';
import { createWirebenchServer, ServerOptionsError } from '../servers/server.js';
import { startServer, upgradeRefusal, waitUntil, WsClient } from './helpers/server-harness.js';

async function errorOf(response: Response): Promise<ErrorBody & { status: number }> {
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await response.json()) as ErrorBody;
  assert.equal(typeof body.error, 'string');
  assert.equal(typeof body.reason, 'string');
  return { status: response.status, ...body };
}

test('a since that is not a non-negative integer is a 400 on every route', async (t) => {
  const server = await startServer(t);
  for (const bad of ['abc', '-1', '1.5', '1e3', '99999999999999999']) {
    for (const path of ['/poll', '/longpoll', '/sse']) {
      const error = await errorOf(await fetch(`${server.url}${path}?since=${encodeURIComponent(bad)}`));
      assert.equal(error.status, 400, `${path}?since=${bad}`);
      assert.equal(error.error, 'bad-cursor');
      assert.match(error.reason, /since=.* is not a non-negative integer/);
    }
    const refused = await upgradeRefusal(`${server.url}/ws?since=${encodeURIComponent(bad)}`);
    assert.equal(refused.status, 400);
    assert.equal((JSON.parse(refused.body) as ErrorBody).error, 'bad-cursor');
  }
  const repeated = await errorOf(await fetch(`${server.url}/poll?since=1&since=2`));
  assert.equal(repeated.status, 400);
  assert.equal((await upgradeRefusal(`${server.url}/ws?since=1&since=2`)).status, 400);
  const badLastEventId = await errorOf(await fetch(`${server.url}/sse`, { headers: { 'last-event-id': 'nope' } }));
  assert.equal(badLastEventId.status, 400);
  assert.equal(server.stats().badRequests, 5 * 4 + 3);
});

test('unknown routes are a JSON 404, also for upgrades; routes of transports not served are 404', async (t) => {
  const server = await startServer(t, { transports: ['sse'] });
  const error = await errorOf(await fetch(`${server.url}/nope`));
  assert.equal(error.status, 404);
  assert.equal(error.error, 'not-found');
  for (const path of ['/poll', '/longpoll', '/ws']) assert.equal((await fetch(`${server.url}${path}`)).status, 404, path);
  assert.equal((await upgradeRefusal(`${server.url}/ws`)).status, 404);
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  assert.equal((await fetch(`${server.url}/stats`)).status, 200);
});

test('/publish: over the limit is 413, malformed JSON or shape is 400', async (t) => {
  const server = await startServer(t, { publishLimitBytes: 1024 });
  const post = (body: string, type = 'application/json'): Promise<Response> => fetch(`${server.url}/publish`, { method: 'POST', headers: { 'content-type': type }, body });

  const tooLarge = await errorOf(await post(JSON.stringify({ data: 'x'.repeat(2000) })));
  assert.equal(tooLarge.status, 413);
  assert.equal(tooLarge.error, 'payload-too-large');
  assert.match(tooLarge.reason, /1024 bytes/);
  for (const body of ['{not json', '[]', '"x"', '{"data":5}', '{"data":"x","sent":"soon"}', '{"data":"x","sent":-1}']) {
    const error = await errorOf(await post(body));
    assert.equal(error.status, 400, body);
    assert.equal(error.error, 'bad-request');
  }
  const empty = await fetch(`${server.url}/publish`, { method: 'POST' });
  assert.equal(empty.status, 400);
  // Any content type is read as the JSON text it carries (fetch sends text/plain for strings).
  const plain = await post('{"data":"ok"}', 'text/plain');
  assert.equal(plain.status, 200);
  assert.deepEqual(await plain.json(), { seq: 1 });
  assert.equal(server.stats().badRequests, 8);
});

test('a request too malformed to parse is a JSON 400 and the connection closes', async (t) => {
  const server = await startServer(t);
  const socket = net.connect(server.port, '127.0.0.1');
  t.after(() => socket.destroy());
  let raw = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (raw += chunk));
  socket.write('NOT HTTP AT ALL\r\n\r\n');
  await once(socket, 'close');
  assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.equal((JSON.parse(raw.split('\r\n\r\n')[1] ?? '') as ErrorBody).error, 'bad-request');
  assert.equal(server.stats().badRequests, 1);
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
});

test('a plain GET /ws is a 426 naming the upgrade it wants', async (t) => {
  const server = await startServer(t);
  const response = await fetch(`${server.url}/ws`);
  assert.equal(response.headers.get('upgrade'), 'websocket');
  const error = await errorOf(response);
  assert.equal(error.status, 426);
  assert.equal(error.error, 'upgrade-required');
});

test('WebSocket: an oversized frame closes 1009, malformed or binary upstream closes 1003; others unaffected', async (t) => {
  const server = await startServer(t, { publishLimitBytes: 1024 });
  const bystander = await WsClient.connect(`${server.url}/ws`);
  t.after(() => bystander.close());

  const big = await WsClient.connect(`${server.url}/ws`);
  big.socket.send('x'.repeat(2000));
  await big.closed;
  assert.equal(big.closeCode, WS_CLOSE.messageTooBig);

  const malformed = await WsClient.connect(`${server.url}/ws`);
  malformed.socket.send('{nope');
  await malformed.closed;
  assert.equal(malformed.closeCode, WS_CLOSE.unsupportedData);
  assert.match(malformed.closeReason, /not JSON/);

  const binary = await WsClient.connect(`${server.url}/ws`);
  binary.socket.send(Buffer.from('{"data":"x"}'), { binary: true });
  await binary.closed;
  assert.equal(binary.closeCode, WS_CLOSE.unsupportedData);

  server.publish('still-here');
  await bystander.waitForMessages(1);
  assert.equal(bystander.socket.readyState, WebSocket.OPEN);
  assert.equal(server.stats().badRequests, 3);
  assert.equal(server.stats().published.upstream, 1);
});

test('the Origin allow-list refuses /ws, /sse and /publish from other origins with 403 and counts them', async (t) => {
  const allowed = 'https://app.example.com';
  const server = await startServer(t, { allowedOrigins: [`${allowed}/`] });
  const evil = { origin: 'https://evil.example' };

  for (const path of ['/sse', '/publish']) {
    const error = await errorOf(await fetch(`${server.url}${path}`, { method: path === '/publish' ? 'POST' : 'GET', headers: evil, body: path === '/publish' ? '{"data":"x"}' : null }));
    assert.equal(error.status, 403, path);
    assert.equal(error.error, 'forbidden-origin');
  }
  const refused = await upgradeRefusal(`${server.url}/ws`, evil);
  assert.equal(refused.status, 403);
  assert.equal((JSON.parse(refused.body) as ErrorBody).error, 'forbidden-origin');

  const ok = await WsClient.connect(`${server.url}/ws`, { headers: { origin: allowed } });
  ok.close();
  const published = await fetch(`${server.url}/publish`, { method: 'POST', headers: { origin: allowed }, body: '{"data":"x"}' });
  assert.equal(published.status, 200);
  // Polling is not behind the list (it carries no credentials-bearing stream).
  assert.equal((await fetch(`${server.url}/poll`, { headers: evil })).status, 200);
  const stats = server.stats();
  assert.equal(stats.originRejected, 3);
  assert.equal(stats.badRequests, 0);
});

test('bad server options throw ServerOptionsError naming the option before anything listens', async () => {
  await assert.rejects(createWirebenchServer({ rate: -1 }), (error: unknown) => error instanceof ServerOptionsError && error.option === 'rate' && /rate -1 is not valid/.test(error.message));
  await assert.rejects(createWirebenchServer({ allowedOrigins: ['not a url'] }), ServerOptionsError);
  await assert.rejects(createWirebenchServer({ allowedOrigins: ['https://a.example/path'] }), ServerOptionsError);
  await assert.rejects(createWirebenchServer({ historyLength: 0 }), ServerOptionsError);
  await assert.rejects(createWirebenchServer({ transports: [] }), ServerOptionsError);
  await assert.rejects(createWirebenchServer({ holdMs: 0 }), ServerOptionsError);
});

test('pad headers go on every HTTP answer and on the WebSocket handshake', async (t) => {
  const server = await startServer(t, { padHeaderBytes: 100 });
  for (const path of ['/poll', '/healthz', '/nope', '/longpoll?since=0']) {
    if (path.startsWith('/longpoll')) server.publish('x');
    const response = await fetch(`${server.url}${path}`);
    assert.equal(response.headers.get('x-wirebench-pad')?.length, 100, path);
    await response.arrayBuffer();
  }
  const sse = await fetch(`${server.url}/sse`);
  assert.equal(sse.headers.get('x-wirebench-pad')?.length, 100);
  await sse.body?.cancel();
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
  const padLength = await new Promise<number | undefined>((resolve, reject) => {
    ws.once('upgrade', (response) => resolve((response.headers['x-wirebench-pad'] as string | undefined)?.length));
    ws.once('error', reject);
  });
  ws.terminate();
  assert.equal(padLength, 100);
  const refused = await upgradeRefusal(`${server.url}/ws?since=x`);
  assert.equal((refused.headers['x-wirebench-pad'] as string | undefined)?.length, 100);
});

test('--delay holds every message back before anyone sees it', async (t) => {
  const server = await startServer(t, { deliveryDelayMs: 150 });
  const ws = await WsClient.connect(`${server.url}/ws`);
  t.after(() => ws.close());
  const start = Date.now();
  server.publish('late');
  assert.equal(await (await fetch(`${server.url}/poll?since=0`)).text(), '[]');
  await ws.waitForMessages(1);
  assert.ok(Date.now() - start >= 140, `delivered after ${Date.now() - start} ms`);
  await waitUntil(() => server.healthz().seq === 1, 'the head to move');
});
