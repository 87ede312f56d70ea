/**
 * The clients when connections break: a cursor from another epoch is reset and counted; a
 * server restarted on the same port is found again (reconnect / retry with backoff) and the
 * client resumes in the new epoch from seq 1 without loss there; a connection reset (RST) by the
 * generator is recovered with resume; the backoff policy stays within its bounds. Real servers
 * on 127.0.0.1, small loads, every test bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { TRANSPORTS } from '../servers/contract.js';
import { createWirebenchServer } from '../servers/server.js';
import { CLIENTS } from '../load/clients/clients-by-transport.js';
import { backoffMs, type ReconnectPolicy } from '../load/clients/reconnect-backoff.js';
import { RecordingTracker, clientOptions, startServer, stopAfter, waitUntil } from './helpers/clients-harness.js';

const TEST_TIMEOUT_MS = 30_000;
const FAST: ReconnectPolicy = { baseMs: 50, maxMs: 400, jitter: 0.5, sseRetryMs: 100 };

test('backoff: doubles from the base to the cap, within ± jitter', () => {
  const policy: ReconnectPolicy = { baseMs: 100, maxMs: 1000, jitter: 0.5, sseRetryMs: 3000 };
  for (let i = 0; i < 200; i++) {
    const first = backoffMs(1, policy);
    assert.ok(first >= 50 && first <= 150, `first retry ${first}`);
    const capped = backoffMs(30, policy);
    assert.ok(capped >= 500 && capped <= 1500, `capped ${capped}`);
  }
  assert.equal(backoffMs(3, { ...policy, jitter: 0 }), 400);
  // A server's retry: larger than the cap is kept (EventSource waits what the server says).
  assert.equal(backoffMs(1, policy, 3000, 0), 3000);
});

for (const transport of TRANSPORTS) {
  test(`faults: ${transport} counts a reset for a cursor of another epoch and takes the new epoch from seq 1`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const server = await startServer(t, { holdMs: 2_000 });
    for (let i = 0; i < 3; i++) server.publish(`m${i}`);
    const tracker = new RecordingTracker(50);
    const client = stopAfter(t, CLIENTS[transport](clientOptions(server.url, tracker, [], 50, { epoch: 'staleEpoch', reconnect: FAST })));
    await client.start();
    await waitUntil(() => tracker.seqs.length >= 3, 'the new epoch from seq 1');
    assert.deepEqual(tracker.resets, [{ epoch: server.healthz().epoch, head: 3 }]);
    assert.deepEqual(tracker.seqs, [1, 2, 3]);
    server.publish('m4');
    await waitUntil(() => tracker.seqs.length >= 4, 'seq 4');
    const totals = tracker.delivery.report().totals;
    assert.equal(totals.resets, 1);
    assert.equal(totals.duplicated, 0);
    assert.equal(totals.expected - totals.delivered, 0, 'nothing lost in the new epoch');
    assert.equal(tracker.resets.length, 1, 'the reset is heard once: the client names the new epoch from then on');
  });

  test(`faults: ${transport} finds a server restarted on the same port, gets the reset and resumes without loss in the new epoch`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const first = await createWirebenchServer({ port: 0, rate: 0, heartbeatMs: 0, closeGraceMs: 100, holdMs: 1_000 });
    const port = first.port;
    first.publish('old-1');
    const tracker = new RecordingTracker(0);
    const client = stopAfter(t, CLIENTS[transport](clientOptions(first.url, tracker, [], 50, { epoch: first.healthz().epoch, reconnect: FAST })));
    await client.start();
    await waitUntil(() => tracker.seqs.length >= 1, 'the old epoch message');
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await createWirebenchServer({ port, rate: 0, heartbeatMs: 0, closeGraceMs: 100, holdMs: 1_000 });
    t.after(() => second.close());
    second.publish('new-1');
    second.publish('new-2');
    await waitUntil(() => tracker.seqs.length >= 3, 'the new epoch messages', 15_000);
    assert.deepEqual(tracker.seqs, [1, 1, 2], 'old seq 1, then the new epoch from its seq 1');
    assert.deepEqual(tracker.resets.map((r) => r.epoch), [second.healthz().epoch]);
    assert.ok(tracker.recoveries >= 1, 'the reconnect is reported as a recovery');
    assert.ok(tracker.errors.length >= 1, `the break is counted (${tracker.errors.join(',')})`);
    const totals = tracker.delivery.report().totals;
    assert.equal(totals.duplicated, 0);
    assert.equal(totals.expected, totals.delivered, 'nothing lost: the old epoch ended at seq 1, the new one is complete');
  });
}

/**
 * A raw TCP server that completes the WebSocket handshake (RFC 6455 §4.2.2) and then sends
 * `frame`: what a broken target does, written by hand because no library would.
 */
async function brokenWsServer(t: import('node:test').TestContext, frame: Buffer): Promise<string> {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', (chunk: Buffer) => {
      const key = /sec-websocket-key: (\S+)/i.exec(chunk.toString('latin1'))?.[1] ?? '';
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      socket.write(frame);
      // Never answers the client's close frame: a client that waits for it waits forever.
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.unref();
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

for (const [what, frame, code] of [
  // A masked text frame from the server (RFC 6455 §5.1: a client MUST close on one).
  ['a masked server frame', Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x5a ^ 1, 0x5b ^ 2]), 'WS_ERR_UNEXPECTED_MASK'],
  // Opcode 0x3 is reserved (§5.2).
  ['a reserved opcode', Buffer.from([0x83, 0x00]), 'WS_ERR_INVALID_OPCODE'],
] as const) {
  test(`faults: a WebSocket target that sends ${what} is recorded at once (${code}), not after 30 s in CLOSING`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const url = await brokenWsServer(t, frame);
    const tracker = new RecordingTracker(0);
    const client = stopAfter(t, CLIENTS.ws(clientOptions(url, tracker, [], 50, { reconnect: { baseMs: 60_000, maxMs: 60_000, jitter: 0, sseRetryMs: 3000 } })));
    const started = Date.now();
    await client.start();
    await waitUntil(() => tracker.errors.length > 0, 'the protocol error', 3_000);
    assert.deepEqual(tracker.errors, [code]);
    assert.ok(Date.now() - started < 3_000, `recorded after ${Date.now() - started} ms`);
  });
}

test('faults: a reset signal whose epoch is not an epoch id is a bad message, never written into a request line', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    requests.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify([{ reset: { epoch: 'x\r\nEvil: 1', head: 0 } }]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.unref();
  const tracker = new RecordingTracker(0);
  const client = stopAfter(t, CLIENTS.poll(clientOptions(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, tracker, [], 50, { epoch: 'good1234', reconnect: FAST })));
  await client.start().catch(() => undefined);
  await waitUntil(() => requests.length >= 2, 'a second poll');
  assert.ok(tracker.errors.includes('bad_message'), tracker.errors.join(','));
  assert.deepEqual(tracker.resets, []);
  assert.ok(requests.every((url) => !/Evil/.test(url)), requests.join(' '));
});
