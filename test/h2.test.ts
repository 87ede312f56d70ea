/**
 * HTTP/2 for poll, long-poll, SSE and publish: over TLS (ALPN h2, with WebSocket on HTTP/1.1 on
 * the same server) and cleartext h2c; HPACK shrinking the browser profile's repeated request
 * headers; bytes at the meter equal to an independent TCP relay's; a bad connection preface and a
 * SETTINGS flood refused while the server keeps serving. Real servers on 127.0.0.1 port 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { CLIENTS } from '../load/clients/clients-by-transport.js';
import { resolveHeaderProfile } from '../load/clients/header-profiles.js';
import { toH2Request } from '../load/clients/h2-connection.js';
import { createWirebenchServer } from '../servers/server.js';
import type { TransportName } from '../servers/contract.js';
import { RecordingTracker, clientOptions, startServer, stopAfter, waitUntil } from './helpers/clients-harness.js';
import { startRelay } from './helpers/tcp-relay.js';

const TEST_TIMEOUT_MS = 40_000;
const HTTP_TRANSPORTS: TransportName[] = ['poll', 'longpoll', 'sse'];

test('toH2Request: the HTTP/1.1 request as HTTP/2 — pseudo-headers first, Host as :authority, connection fields dropped, body kept', () => {
  const request = toH2Request(['POST /publish HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive\r\nUser-Agent: x\r\nContent-Length: 2\r\n\r\n', Buffer.from('{}')], 'https');
  assert.deepEqual(Object.keys(request.headers), [':method', ':authority', ':scheme', ':path', 'user-agent', 'content-length']);
  assert.equal(request.headers[':authority'], '127.0.0.1:8080');
  assert.equal(request.headers[':path'], '/publish');
  assert.equal(request.body.toString(), '{}');
});

test('h2 over TLS: poll, long-poll and SSE clients get 1..N over HTTP/2 and WebSocket over HTTP/1.1 on the same server', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await startServer(t, { rate: 40, heartbeatMs: 200, tls: 'self-signed', http2: true });
  const sessions: string[] = [];
  // The server's view: which protocol each connection negotiated.
  const probe = await new Promise<string>((resolve, reject) => {
    const session = http2.connect(server.url, { ca: server.certificate });
    session.on('error', reject);
    session.on('connect', () => {
      resolve(session.alpnProtocol ?? '');
      session.close();
    });
  });
  sessions.push(probe);
  assert.deepEqual(sessions, ['h2']);
  const trackers = new Map<TransportName, RecordingTracker>();
  const clients = (['poll', 'longpoll', 'sse', 'ws'] as const).map((transport) => {
    const tracker = new RecordingTracker(0);
    trackers.set(transport, tracker);
    return stopAfter(t, CLIENTS[transport](clientOptions(server.url, tracker, [], 50, { tls: { ca: server.certificate, verify: true }, http2: transport !== 'ws' })));
  });
  await Promise.all(clients.map((client) => client.start()));
  await waitUntil(() => [...trackers.values()].every((tr) => tr.seqs.length >= 20), '20 messages on every transport', 20_000);
  for (const [transport, tracker] of trackers) {
    tracker.seqs.slice(0, 20).forEach((seq, i) => assert.equal(seq, i + 1, `${transport}: message #${i}`));
    assert.deepEqual(tracker.errors, [], transport);
  }
});

test('h2c: poll, long-poll and SSE over cleartext HTTP/2; a server asked for h2c with ws is refused at construction', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  await assert.rejects(createWirebenchServer({ port: 0, http2: true }), /http2 true is not valid: cleartext HTTP\/2 \(h2c\) has no HTTP\/1\.1 beside it, so no WebSocket/);
  const server = await startServer(t, { rate: 40, transports: HTTP_TRANSPORTS, http2: true });
  const trackers = HTTP_TRANSPORTS.map((transport) => {
    const tracker = new RecordingTracker(0);
    const client = stopAfter(t, CLIENTS[transport](clientOptions(server.url, tracker, [], 50, { http2: true })));
    return { transport, tracker, client };
  });
  await Promise.all(trackers.map(({ client }) => client.start()));
  await waitUntil(() => trackers.every(({ tracker }) => tracker.seqs.length >= 15), '15 messages on every transport', 15_000);
  for (const { transport, tracker } of trackers) {
    tracker.seqs.slice(0, 15).forEach((seq, i) => assert.equal(seq, i + 1, `${transport}: message #${i}`));
    assert.deepEqual(tracker.errors, [], transport);
  }
});

test('h2: HPACK — with browser headers, a steady-state poll costs a small fraction of its HTTP/1.1 request; meter equals the relay', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await startServer(t, { rate: 0, tls: 'self-signed', http2: true });
  const headers = resolveHeaderProfile('browser').headers;
  const measure = async (http2On: boolean): Promise<{ perRequestUp: number; requestBytes: number }> => {
    const relay = await startRelay(t, server.port);
    const tracker = new RecordingTracker(0);
    const client = CLIENTS.poll(clientOptions(`https://127.0.0.1:${relay.port}`, tracker, headers, 40, { tls: { ca: server.certificate, verify: true }, http2: http2On }));
    await client.start();
    await waitUntil(() => tracker.answers.length >= 5, 'five answers', 10_000);
    const before = client.wire().writtenBytes;
    const answersBefore = tracker.answers.length;
    await waitUntil(() => tracker.answers.length >= answersBefore + 20, 'twenty more answers', 15_000);
    const after = client.wire().writtenBytes;
    const answers = tracker.answers.length - answersBefore;
    await client.stop();
    await waitUntil(() => relay.open() === 0, 'relay closed', 5_000);
    assert.equal(client.wire().writtenBytes, relay.up(), `http2 ${String(http2On)}: bytes up at the meter vs the relay`);
    assert.equal(client.wire().readBytes, relay.down(), `http2 ${String(http2On)}: bytes down at the meter vs the relay`);
    return { perRequestUp: (after - before) / answers, requestBytes: client.wireSample().requestBytes };
  };
  const h1 = await measure(false);
  const h2 = await measure(true);
  // The browser profile's HTTP/1.1 request is over a kilobyte; over HTTP/2 the repeated fields are
  // indices into HPACK's dynamic table, and only the cursor changes (plus TLS record overhead).
  assert.ok(h1.requestBytes > 1000, `HTTP/1.1 request ${h1.requestBytes} B`);
  assert.ok(h1.perRequestUp > h1.requestBytes, `HTTP/1.1 up per poll ${h1.perRequestUp.toFixed(0)} B (request plus TLS record)`);
  assert.ok(h2.perRequestUp < h1.perRequestUp / 5, `HTTP/2 up per poll ${h2.perRequestUp.toFixed(0)} B against HTTP/1.1 ${h1.perRequestUp.toFixed(0)} B`);
});

/** Opens a raw TCP connection to the h2c server, writes `bytes`, and resolves when the server closes it (false after 5 s). */
function serverCloses(port: number, bytes: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 5_000);
    socket.on('error', () => undefined);
    socket.resume();
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** One HTTP/2 frame: 9-byte header (length, type, flags, stream id) and payload (RFC 9113 §4.1). */
function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header.writeUInt8(type, 3);
  header.writeUInt8(flags, 4);
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

test('h2c: a bad connection preface and a SETTINGS flood are refused, and the server keeps serving', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await startServer(t, { rate: 20, transports: HTTP_TRANSPORTS, http2: true });
  const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
  assert.ok(await serverCloses(server.port, Buffer.from('GET /poll HTTP/1.1\r\nHost: x\r\n\r\n')), 'an HTTP/1.1 request to an h2c server');
  assert.ok(await serverCloses(server.port, Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n' + 'x'.repeat(100), 'latin1')), 'a broken preface');
  // 20,000 SETTINGS frames without waiting for ACKs: nghttp2 caps outstanding ones and ends the session.
  const flood = Buffer.concat([preface, ...Array.from({ length: 20_000 }, () => frame(0x4, 0, 0))]);
  assert.ok(await serverCloses(server.port, flood), 'a SETTINGS flood');
  // RST_STREAM flood: requests opened and reset at once (the "rapid reset" pattern).
  const resets: Buffer[] = [preface, frame(0x4, 0, 0)];
  for (let id = 1; id < 2 * 5_000; id += 2) {
    resets.push(frame(0x1, 0x5, id, Buffer.from([0x82, 0x86, 0x84, 0x41, 0x01, 0x78]))); // HEADERS: GET http / x, END_STREAM|END_HEADERS
    resets.push(frame(0x3, 0, id, Buffer.from([0, 0, 0, 8]))); // RST_STREAM CANCEL
  }
  await serverCloses(server.port, Buffer.concat(resets));
  // The server still serves a well-behaved client.
  const tracker = new RecordingTracker(0);
  const client = stopAfter(t, CLIENTS.sse(clientOptions(server.url, tracker, [], 50, { http2: true })));
  await client.start();
  await waitUntil(() => tracker.seqs.length >= 3, 'three messages after the floods', 10_000);
  assert.deepEqual(tracker.errors, []);
});
