/**
 * Exactness: against a real wirebench server, each client's measured bytes (wire(), counted at
 * its own sockets) EQUAL the analytic size of what went over the wire — requests written out by
 * hand from the header profile, response heads measured by independent raw-socket probes, JSON
 * bodies / SSE events + chunk framing (RFC 9112 §7.1) / WebSocket frames (RFC 6455 §5.2) from the
 * message texts. Exact equality, not "close".
 *
 * The server runs without ticks or heartbeats; the test publishes messages itself, so it knows
 * everything that can be on the wire.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { monotonicUs, serializeMessage, type FeedMessage } from '../servers/contract.js';
import { headersForRequest, resolveHeaderProfile } from '../load/clients/header-profiles.js';
import { createLongPollClient } from '../load/clients/long-poll-client.js';
import { createPollClient } from '../load/clients/short-poll-client.js';
import { createSseClient } from '../load/clients/sse-client.js';
import { createWsClient, frameHeaderBytes } from '../load/clients/ws-client.js';
import type { TransportClient, WireCounters } from '../load/clients/client-contract.js';
import {
  RecordingTracker,
  chunkBytes,
  clientOptions,
  headWithLength,
  probeResponseHead,
  requestText,
  startServer,
  stopAfter,
  waitUntil,
} from './helpers/clients-harness.js';

const browser = resolveHeaderProfile('browser');
const TEST_TIMEOUT_MS = 20_000;

interface Snapshot {
  wire: WireCounters;
  requests: number;
  answers: number;
}

/** wire() at the moment the next answer is recorded (before the client sends its next request). */
function snapshotAtNextAnswer(tracker: RecordingTracker, client: TransportClient): Promise<Snapshot> {
  return new Promise((resolve) => {
    tracker.onAnswer = () => {
      tracker.onAnswer = undefined;
      resolve({ wire: client.wire(), requests: tracker.requestCursors.length, answers: tracker.answers.length });
    };
  });
}

/** Body of a poll answer: `[` texts joined by `,` `]`. */
function arrayBodyBytes(texts: readonly string[]): number {
  return 2 + texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0) + Math.max(0, texts.length - 1);
}

for (const [transport, profileName] of [
  ['poll', 'minimal'],
  ['poll', 'browser'],
  ['longpoll', 'browser'],
] as const) {
  test(`exactness: ${transport} (${profileName} headers) — wire bytes = Σ requests + Σ (head + JSON body)`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const server = await startServer(t, { transports: [transport], holdMs: 300 });
    const host = `127.0.0.1:${server.port}`;
    const profile = resolveHeaderProfile(profileName);
    const route = `/${transport}`;
    // An empty answer's head, probed on a raw socket (a long-poll probe waits out the 300 ms hold).
    // Clients name the epoch (from /healthz, as the runner gives it) on a connection's first
    // request, so no answer states it; the probe names it too, for the same head.
    const epoch = server.healthz().epoch!;
    const probed = await probeResponseHead(server.port, requestText('GET', `${route}?since=0&epoch=${epoch}`, host, []));

    const tracker = new RecordingTracker(0);
    const client = stopAfter(t, (transport === 'poll' ? createPollClient : createLongPollClient)(clientOptions(server.url, tracker, profile.headers, 40, { epoch })));
    await client.start();
    server.publish('a'.repeat(64));
    await waitUntil(() => tracker.seqs.length >= 1, 'message 1');
    server.publish('b'.repeat(64));
    server.publish('c'.repeat(64));
    await waitUntil(() => tracker.seqs.length >= 3, 'messages 2 and 3');
    server.publish('d'.repeat(300));
    await waitUntil(() => tracker.seqs.length >= 4, 'message 4');
    if (transport === 'longpoll') {
      // One more hold expiry: an empty answer after messages.
      await waitUntil(() => tracker.answers.at(-1)?.empty === true, 'an empty long-poll answer');
    }
    const snap = await snapshotAtNextAnswer(tracker, client);

    assert.deepEqual(tracker.seqs, [1, 2, 3, 4]);
    assert.deepEqual(tracker.textBytesMismatches, []);
    assert.deepEqual(tracker.errors, []);
    assert.equal(snap.requests, snap.answers, 'one answer per request, none in flight');
    let written = 0;
    for (const [i, cursor] of tracker.requestCursors.slice(0, snap.requests).entries()) {
      written += Buffer.byteLength(requestText('GET', `${route}?since=${cursor}${i === 0 ? `&epoch=${epoch}` : ''}`, host, profile.headers));
    }
    let read = 0;
    for (const answer of tracker.answers.slice(0, snap.answers)) {
      const bodyBytes = arrayBodyBytes(answer.texts);
      read += headWithLength(probed, bodyBytes) + bodyBytes;
    }
    assert.ok(tracker.answers.some((a) => a.empty) && tracker.answers.some((a) => a.texts.length >= 1));
    if (transport === 'poll') assert.ok(tracker.answers.some((a) => a.texts.length === 2), 'messages 2 and 3 in one answer');
    assert.deepEqual(snap.wire, { readBytes: read, writtenBytes: written });

    const sample = client.wireSample();
    assert.equal(sample.responseHeadBytes > 0, true);
    assert.equal(sample.emptyBodyBytes, 2, '`[]`');
    if (transport === 'poll') assert.equal(sample.framingBytesPerMessage, 1, 'the comma');
    const lastCursor = tracker.requestCursors.at(-1) ?? 0;
    assert.equal(sample.requestBytes, Buffer.byteLength(requestText('GET', `${route}?since=${lastCursor}`, host, profile.headers)));
    t.diagnostic(`${transport}/${profileName}: ${snap.requests} requests, written ${written} B, read ${read} B; sample ${JSON.stringify(sample)}`);
  });
}

test('exactness: sse (browser headers) + a publish — wire bytes = request + head + Σ chunk(id/data event) + POST exchange', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await startServer(t, { transports: ['sse'] });
  const host = `127.0.0.1:${server.port}`;
  const sseHeaders = headersForRequest('sse', browser.headers);
  const epoch = server.healthz().epoch!;
  const ssePath = `/sse?since=0&epoch=${epoch}`;
  const streamHead = await probeResponseHead(server.port, requestText('GET', ssePath, host, sseHeaders));
  const probeBody = '{"data":"probe"}';
  const publishHead = await probeResponseHead(
    server.port,
    requestText('POST', '/publish', host, [
      ['Content-Type', 'application/json'],
      ['Content-Length', String(probeBody.length)],
    ]) + probeBody,
  );

  const tracker = new RecordingTracker(0);
  const client = stopAfter(t, createSseClient(clientOptions(server.url, tracker, browser.headers, 100, { epoch })));
  await client.start();
  server.publish('a'.repeat(64));
  server.publish('d'.repeat(300));
  client.publish('hello');
  await waitUntil(() => tracker.seqs.length >= 4, 'probe, 2 feed messages and the published one');
  await new Promise((resolve) => setTimeout(resolve, 100)); // the publish answer
  const wire = client.wire();

  assert.deepEqual(tracker.seqs, [1, 2, 3, 4]);
  assert.deepEqual(tracker.textBytesMismatches, []);
  assert.deepEqual(tracker.errors, []);
  const messages = tracker.texts.map((text) => JSON.parse(text) as FeedMessage);
  const echoed = messages.find((m) => m.data === 'hello');
  assert.ok(echoed?.sent !== undefined, 'the published message carries `sent`');
  const publishBody = JSON.stringify({ data: 'hello', sent: echoed.sent });
  const publishAnswer = JSON.stringify({ seq: echoed.seq });

  const written =
    Buffer.byteLength(requestText('GET', ssePath, host, sseHeaders)) +
    Buffer.byteLength(
      requestText('POST', '/publish', host, [
        ...headersForRequest('publish', browser.headers),
        ['Content-Type', 'application/json'],
        ['Content-Length', String(publishBody.length)],
      ]),
    ) +
    publishBody.length;
  let read = streamHead.length + headWithLength(publishHead, publishAnswer.length) + publishAnswer.length;
  for (const [i, text] of tracker.texts.entries()) read += chunkBytes(Buffer.byteLength(`id: ${tracker.seqs[i]}\ndata: ${text}\n\n`));
  assert.deepEqual(wire, { readBytes: read, writtenBytes: written });

  const sample = client.wireSample();
  assert.equal(sample.responseHeadBytes, streamHead.length);
  assert.equal(sample.requestBytes, Buffer.byteLength(requestText('GET', ssePath, host, sseHeaders)));
  assert.equal(sample.publishDownBytes, headWithLength(publishHead, publishAnswer.length) + publishAnswer.length);
  t.diagnostic(`sse: written ${written} B, read ${read} B; sample ${JSON.stringify(sample)}`);
});

test('exactness: ws (browser headers) + a publish — wire bytes = handshake + 101 head + Σ frames (+ masked client frame)', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await startServer(t, { transports: ['ws'] });
  const host = `127.0.0.1:${server.port}`;
  const wsHeaders = headersForRequest('ws', browser.headers);
  // ws writes these after the profile's headers; the key is 16 random bytes in base64 (24 chars).
  const handshakeHeaders: Array<readonly [string, string]> = [
    ...wsHeaders,
    ['Sec-WebSocket-Version', '13'],
    ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
    ['Connection', 'Upgrade'],
    ['Upgrade', 'websocket'],
  ];
  const epoch = server.healthz().epoch!;
  const wsPath = `/ws?since=0&epoch=${epoch}`;
  const upgradeHead = await probeResponseHead(server.port, requestText('GET', wsPath, host, handshakeHeaders));
  assert.match(upgradeHead, /^HTTP\/1\.1 101 /);

  const tracker = new RecordingTracker(0);
  const client = stopAfter(t, createWsClient(clientOptions(server.url, tracker, browser.headers, 100, { epoch })));
  await client.start();
  server.publish('a'.repeat(64));
  server.publish('d'.repeat(300));
  client.publish('hello');
  await waitUntil(() => tracker.seqs.length >= 3, 'two feed messages and the published one');
  const wire = client.wire();

  assert.deepEqual(tracker.seqs, [1, 2, 3]);
  assert.deepEqual(tracker.textBytesMismatches, []);
  const echoed = tracker.texts.map((text) => JSON.parse(text) as FeedMessage).find((m) => m.data === 'hello');
  assert.ok(echoed?.sent !== undefined);
  const publishBody = JSON.stringify({ data: 'hello', sent: echoed.sent });

  // Client frames are masked: header + 4-byte masking key (RFC 6455 §5.3).
  const written = Buffer.byteLength(requestText('GET', wsPath, host, handshakeHeaders)) + 2 + 4 + publishBody.length;
  let read = upgradeHead.length;
  for (const text of tracker.texts) {
    const length = Buffer.byteLength(text);
    read += (length <= 125 ? 2 : 4) + length;
  }
  assert.deepEqual(wire, { readBytes: read, writtenBytes: written });

  const sample = client.wireSample();
  assert.equal(sample.requestBytes, Buffer.byteLength(requestText('GET', wsPath, host, handshakeHeaders)));
  assert.equal(sample.responseHeadBytes, upgradeHead.length);
  assert.equal(sample.publishUpBytes, frameHeaderBytes(publishBody.length, true) + publishBody.length);
  assert.equal(sample.framingBytesPerMessage, (2 + 4 + 2) / 3);
  t.diagnostic(`ws: written ${written} B, read ${read} B; sample ${JSON.stringify(sample)}`);
});

test('exactness: sse stopped mid-event — the rest of the event is read before the socket closes: wire bytes = head + Σ chunk(event), every text parsed', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  // A real server on 127.0.0.1 that writes one event, then half of the next, and the rest only
  // once the client has been told to stop (an event split across TCP segments, caught by stop()).
  const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n';
  const texts = [1, 2].map((seq) => serializeMessage({ seq, ts: monotonicUs(), data: String(seq).repeat(200) }));
  const events = texts.map((text, i) => `id: ${i + 1}\ndata: ${text}\n\n`);
  const chunk = (event: string) => `${Buffer.byteLength(event).toString(16)}\r\n${event}\r\n`;
  const second = chunk(events[1]!);
  const cut = second.indexOf('data: ') + 60;
  let finish: (() => void) | undefined;
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    let request = '';
    socket.on('data', (piece: Buffer) => {
      request += piece.toString('latin1');
      if (!request.includes('\r\n\r\n') || finish !== undefined) return;
      socket.write(head + chunk(events[0]!) + second.slice(0, cut));
      finish = () => socket.write(second.slice(cut));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const { port } = server.address() as net.AddressInfo;

  const tracker = new RecordingTracker(0);
  const client = createSseClient(clientOptions(`http://127.0.0.1:${port}`, tracker, browser.headers));
  await client.start();
  const halfRead = head.length + chunk(events[0]!).length + cut;
  await waitUntil(() => client.wire().readBytes === halfRead && tracker.seqs.length === 1, 'the first event and half of the second');
  const stopped = client.stop();
  await new Promise((resolve) => setTimeout(resolve, 100));
  finish!();
  await stopped;

  assert.deepEqual(tracker.seqs, [1, 2], 'the event caught half-read is parsed');
  assert.deepEqual(tracker.textBytesMismatches, []);
  assert.deepEqual(tracker.errors, []);
  const parsedTextBytes = tracker.texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  const framingBytes = events.reduce((sum, event, i) => sum + chunkBytes(Buffer.byteLength(event)) - Buffer.byteLength(texts[i]!), 0);
  assert.equal(client.wire().readBytes, head.length + parsedTextBytes + framingBytes, 'bytes counted = head + texts parsed + their framing');
});
