/**
 * A client that stops reading must not make the server buffer without bound: past
 * `maxBufferedBytes` of queued output it is dropped and counted, and the clients that do read
 * are not disturbed. Also: heartbeats, and peers that miss a pong.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { assertConsecutive, seqOf, SseClient, startServer, waitUntil, WsClient } from './helpers/server-harness.js';

const CAP_BYTES = 256 * 1024;
const MESSAGE_BYTES = 64 * 1024;

/**
 * The most the kernel can hold for one loopback connection (sender's send buffer + receiver's
 * receive buffer at their sysctl maxima): what a non-reading client absorbs before Node starts
 * queueing. Bytes written beyond this + the cap can only be the server buffering without bound.
 */
function kernelBufferBoundBytes(): number {
  try {
    const max = (file: string): number => Number(readFileSync(file, 'utf8').trim().split(/\s+/)[2]);
    return max('/proc/sys/net/ipv4/tcp_wmem') + max('/proc/sys/net/ipv4/tcp_rmem');
  } catch {
    return 16 * 1024 * 1024;
  }
}

test('a non-reading SSE client and a paused WebSocket client are dropped at the cap, counted, and readers are unaffected', async (t) => {
  const server = await startServer(t, { maxBufferedBytes: CAP_BYTES, historyLength: 4 });

  // Raw socket SSE client that reads the response head and then stops reading.
  const sseSocket = net.connect(server.port, '127.0.0.1');
  t.after(() => sseSocket.destroy());
  await new Promise<void>((resolve) => {
    sseSocket.write('GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
    sseSocket.once('data', () => {
      sseSocket.pause();
      resolve();
    });
  });
  let sseClosed = false;
  sseSocket.on('close', () => (sseClosed = true));
  sseSocket.on('error', () => {});

  const pausedWs = await WsClient.connect(`${server.url}/ws`);
  pausedWs.socket.pause();
  const reader = await WsClient.connect(`${server.url}/ws`);
  const readerSse = await SseClient.connect(`${server.url}/sse`);
  t.after(() => (pausedWs.close(), reader.close(), readerSse.close()));
  await waitUntil(() => server.stats().connections.sse === 2 && server.stats().connections.ws === 2, 'all clients registered');

  const payload = 'p'.repeat(MESSAGE_BYTES);
  const bound = kernelBufferBoundBytes() + CAP_BYTES + MESSAGE_BYTES;
  const rssBefore = process.memoryUsage().rss;
  let published = 0;
  while (server.stats().slowConsumersDropped < 2 && published * MESSAGE_BYTES < 2 * bound) {
    server.publish(payload);
    published++;
    // Let the readers read between messages (they share this event loop with the server);
    // a burst bigger than the cap would rightly drop them too.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const queuedBeforeDrop = published * MESSAGE_BYTES;
  t.diagnostic(`slow consumers dropped after ${published} messages (${queuedBeforeDrop} bytes, kernel + cap bound ${bound})`);
  assert.equal(server.stats().slowConsumersDropped, 2, `no drop after ${queuedBeforeDrop} bytes`);
  assert.ok(queuedBeforeDrop <= bound, `dropped only after ${queuedBeforeDrop} bytes (bound ${bound})`);
  assert.ok(process.memoryUsage().rss - rssBefore < bound + 64 * 1024 * 1024, 'RSS stayed bounded');

  // Reading again, each sees its backlog and then the end of the connection.
  sseSocket.resume();
  pausedWs.socket.resume();
  await waitUntil(() => sseClosed, 'the slow SSE socket to be closed');
  await pausedWs.closed;
  const stats = server.stats();
  assert.equal(stats.connections.sse, 1);
  assert.equal(stats.connections.ws, 1);

  // The readers got every message, in order.
  await reader.waitForMessages(published);
  await readerSse.waitForMessages(published);
  assertConsecutive(reader.feedMessages().map(seqOf), 1, published);
  assertConsecutive(readerSse.dataOfMessages().map(seqOf), 1, published);
});

test('heartbeats: SSE sends comments, WebSocket pings and cuts a peer that never pongs', async (t) => {
  const server = await startServer(t, { heartbeatMs: 60 });
  const sse = await SseClient.connect(`${server.url}/sse`);
  const good = await WsClient.connect(`${server.url}/ws`);
  const silent = new WebSocket(`${server.url.replace('http', 'ws')}/ws`, { autoPong: false });
  t.after(() => (sse.close(), good.close(), silent.terminate()));
  const silentClosed = new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)));
  silent.on('error', () => {});

  await waitUntil(() => sse.comments >= 2, 'two SSE heartbeat comments');
  assert.equal(await silentClosed, 1006, 'terminated without a close frame');
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(good.socket.readyState, WebSocket.OPEN, 'a peer that answers pings stays');
  assert.equal(server.stats().connections.ws, 1);
});
