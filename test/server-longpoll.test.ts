/**
 * Long-poll holding and release, and the server's clean shutdown of every kind of stream.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { WS_CLOSE } from '../servers/contract.js';
import { splitJsonArray, SseClient, startServer, waitUntil, WsClient } from './helpers/server-harness.js';

const HELD = 500;

test(`${HELD} idle held long-polls, then the clients disconnect: nothing is left behind`, async (t) => {
  const server = await startServer(t, { holdMs: 60_000 });
  const sockets: net.Socket[] = [];
  t.after(() => sockets.forEach((s) => s.destroy()));
  for (let i = 0; i < HELD; i++) {
    const socket = net.connect(server.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write('GET /longpoll HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    sockets.push(socket);
  }
  await waitUntil(() => server.stats().connections.longpoll === HELD, `${HELD} held requests`, 10_000);
  for (const socket of sockets) socket.destroy();
  await waitUntil(() => server.stats().connections.longpoll === 0, 'the held requests to be released', 10_000);
  // A message after they left is written to nobody and breaks nothing.
  server.publish('after');
  const answer = splitJsonArray(await (await fetch(`${server.url}/longpoll?since=0`)).text());
  assert.equal(answer.length, 1);
  assert.equal(server.stats().connections.longpoll, 0);
});

test('a held long-poll answers [] when the hold expires, and at once when a message arrives', async (t) => {
  const server = await startServer(t, { holdMs: 150 });
  const start = Date.now();
  const expired = await fetch(`${server.url}/longpoll?since=0`);
  assert.equal(await expired.text(), '[]');
  const heldMs = Date.now() - start;
  assert.ok(heldMs >= 140 && heldMs < 1_000, `held ${heldMs} ms`);

  const woken = fetch(`${server.url}/longpoll`).then((r) => r.text());
  await waitUntil(() => server.stats().connections.longpoll === 1, 'the request to be held');
  server.publish('wake');
  assert.equal((JSON.parse(splitJsonArray(await woken)[0] ?? '') as { data: string }).data, 'wake');
  // A cursor ahead of the head is not held silently: it is told the stream's identity at once
  // and served from the start of the epoch (contract.ts ResetSignal).
  const future = splitJsonArray(await (await fetch(`${server.url}/longpoll?since=2`)).text());
  assert.deepEqual(JSON.parse(future[0] ?? ''), { reset: { epoch: server.healthz().epoch, head: 1 } });
  assert.deepEqual(future.slice(1).map((text) => (JSON.parse(text) as { seq: number }).seq), [1]);
});

test('close() answers held long-polls [], ends SSE streams, closes WebSockets 1001, and resolves promptly', async (t) => {
  const server = await startServer(t, { holdMs: 60_000, closeGraceMs: 500 });
  const held = fetch(`${server.url}/longpoll`).then((r) => r.text());
  const sse = await SseClient.connect(`${server.url}/sse`);
  const ws = await WsClient.connect(`${server.url}/ws`);
  t.after(() => (sse.close(), ws.close()));
  await waitUntil(() => server.stats().connections.longpoll === 1, 'the request to be held');

  const start = Date.now();
  await server.close();
  assert.ok(Date.now() - start < 1_000, `close took ${Date.now() - start} ms`);
  assert.equal(await held, '[]');
  await ws.closed;
  assert.equal(ws.closeCode, WS_CLOSE.goingAway);
  await waitUntil(() => sse.ended, 'the SSE stream to end');
  await assert.rejects(fetch(`${server.url}/healthz`));
});
