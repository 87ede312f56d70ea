/**
 * Misbehaving peers. Frozen: a client process stopped with SIGSTOP keeps its sockets open (its kernel still
 * ACKs) but reads nothing. WebSocket: the missed heartbeat pong cuts it within two heartbeats,
 * counted as heartbeatTimeouts. SSE: once its TCP buffers are full, the stream takes no byte for
 * the write-stall timeout while data waits and is cut, counted as stalledDropped — with the buffer
 * cap set high so the slow-consumer cap is not what catches it, and no heartbeat, which it does not
 * need. Long-poll: the frozen client's held request is answered (its kernel ACKs) and no next
 * request comes; the connection is closed after the idle timeout, counted as idleDropped, while a
 * live client polling beside it is not. A ping flood is cut with 1008. Real processes, loopback,
 * bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startServer, waitUntil } from './helpers/server-harness.js';

const WS_MODULE = fileURLToPath(new URL('../../node_modules/ws/wrapper.mjs', import.meta.url));
const TIMEOUT_MS = 60_000;

/**
 * A child process holding one connection to `url` (ws, sse, or a long-poll loop on one keep-alive
 * connection); resolves once it is open (long-poll: once its first answer came).
 */
async function frozenPeer(t: import('node:test').TestContext, kind: 'ws' | 'sse' | 'longpoll', url: string): Promise<ChildProcess> {
  const scripts = {
    ws: `const { WebSocket } = await import(${JSON.stringify(WS_MODULE)});
const ws = new WebSocket(${JSON.stringify(url.replace('http', 'ws') + '/ws')});
ws.on('open', () => console.log('open')); ws.on('error', () => {});`,
    sse: `const http = await import('node:http');
http.get(${JSON.stringify(url + '/sse')}, (res) => { console.log('open'); res.on('data', () => {}); }).on('error', () => {});`,
    longpoll: `const http = await import('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let since = 0, first = true;
const poll = () => http.get(${JSON.stringify(url + '/longpoll')} + '?since=' + since, { agent }, (res) => {
  let body = ''; res.setEncoding('utf8'); res.on('data', (c) => { body += c; });
  res.on('end', () => { for (const m of JSON.parse(body)) if (typeof m.seq === 'number') since = m.seq; if (first) { first = false; console.log('open'); } poll(); });
}).on('error', () => {});
poll();`,
  };
  const script = scripts[kind];
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  });
  await once(createInterface({ input: child.stdout! }), 'line');
  return child;
}

test('frozen peer: WebSocket cut after a missed heartbeat pong, counted', { timeout: TIMEOUT_MS }, async (t) => {
  const server = await startServer(t, { heartbeatMs: 200 });
  const peer = await frozenPeer(t, 'ws', server.url);
  await waitUntil(() => server.stats().connections.ws === 1, 'the peer connected');
  peer.kill('SIGSTOP');
  await waitUntil(() => server.stats().connections.ws === 0, 'the frozen peer cut', 5_000);
  assert.equal(server.stats().heartbeatTimeouts, 1);
});

test('frozen peer: SSE cut once its socket takes nothing for the write-stall timeout while data waits, counted', { timeout: TIMEOUT_MS }, async (t) => {
  const server = await startServer(t, { heartbeatMs: 0, writeStallTimeoutMs: 500, maxBufferedBytes: 256 * 1024 * 1024 });
  const peer = await frozenPeer(t, 'sse', server.url);
  await waitUntil(() => server.stats().connections.sse === 1, 'the peer connected');
  peer.kill('SIGSTOP');
  // Enough to fill both sides' TCP buffers on loopback (a few MB each), so bytes wait in the server.
  const chunk = 'x'.repeat(64 * 1024);
  for (let i = 0; i < 400 && server.stats().connections.sse === 1; i++) {
    server.publish(chunk);
    if (i % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const publishedBytes = server.stats().published.upstream * chunk.length;
  await waitUntil(() => server.stats().connections.sse === 0, 'the stalled stream cut', 10_000);
  assert.equal(server.stats().stalledDropped, 1);
  assert.equal(server.stats().slowConsumersDropped, 0, 'caught as stalled, not by the buffer cap');
  // What the frozen peer's kernel and ours took before anything waited in the process: the
  // figure the README quotes for how long a slow feed takes to show a frozen SSE peer.
  t.diagnostic(`published ${(publishedBytes / 1048576).toFixed(1)} MiB before the stream was cut`);
});

test('frozen peer: a long-poll connection that sends no next request is closed after the idle timeout, counted', { timeout: TIMEOUT_MS }, async (t) => {
  const server = await startServer(t, { rate: 20, holdMs: 1_000, idleTimeoutMs: 800 });
  const peer = await frozenPeer(t, 'longpoll', server.url);
  const live = await frozenPeer(t, 'longpoll', server.url);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const stoppedAt = Date.now();
  peer.kill('SIGSTOP');
  // Its held request is answered within a feed tick or the hold; then nothing comes back.
  await waitUntil(() => server.stats().idleDropped === 1, 'the frozen long-poll connection closed', 10_000);
  const tookMs = Date.now() - stoppedAt;
  t.diagnostic(`closed ${tookMs} ms after SIGSTOP (hold 1000 ms, idle timeout 800 ms)`);
  assert.ok(tookMs >= 800, `closed after ${tookMs} ms, before the idle timeout`);
  // The live client kept polling on its connection the whole time and was not taken for frozen.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.equal(server.stats().idleDropped, 1);
  assert.equal(live.exitCode, null);
  peer.kill('SIGCONT');
});

test('ping flood: a WebSocket client sending more than 50 pings a second is cut with 1008, counted', { timeout: TIMEOUT_MS }, async (t) => {
  const server = await startServer(t, { heartbeatMs: 0 });
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
  t.after(() => ws.terminate());
  await once(ws, 'open');
  // A well-behaved client's occasional ping is answered and nothing happens.
  ws.ping();
  await once(ws, 'pong');
  assert.equal(server.stats().pingFloodDropped, 0);
  const closed = once(ws, 'close');
  for (let i = 0; i < 200; i++) ws.ping();
  const [code] = (await closed) as [number];
  assert.equal(code, 1008);
  assert.equal(server.stats().pingFloodDropped, 1);
});
