/**
 * HTTP/2 frame bytes by kind: the frame-header reader against frames Node's own http2 server and
 * client put on a real connection (captured by a recording relay on 127.0.0.1), cut at every
 * chunk boundary; and the clients' counts against their socket meters — equal in h2c, below them
 * by the TLS records under TLS — with the wire sample's HEADERS sizes (first request vs steady).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { H2FrameReader, H2_CLIENT_PREFACE, H2_FRAME_TYPE, readFrameHeader, type H2FrameHeader } from '../load/clients/h2-frames.js';
import { CLIENTS } from '../load/clients/clients-by-transport.js';
import { resolveHeaderProfile } from '../load/clients/header-profiles.js';
import { H2_FRAME_KINDS, type H2FrameBytes, type H2FrameKind } from '../load/results/results-schema.js';
import { RecordingTracker, clientOptions, startServer, stopAfter, waitUntil } from './helpers/clients-harness.js';
import type { TransportName } from '../servers/contract.js';

const TEST_TIMEOUT_MS = 60_000;

test('readFrameHeader: RFC 9113 §4.1 — 24-bit length, type, flags, the reserved bit ignored', () => {
  const header = Buffer.from([0x01, 0x02, 0x03, 0x01, 0x05, 0x80, 0x00, 0x01, 0x03]);
  assert.deepEqual(readFrameHeader(header), { length: 0x010203, type: 1, flags: 5, streamId: 259 });
  assert.deepEqual(readFrameHeader(Buffer.from([0xff, 0xff, 0xff, 0x08, 0, 0x7f, 0xff, 0xff, 0xff])), { length: 0xffffff, type: 8, flags: 0, streamId: 2 ** 31 - 1 });
});

interface Recorded {
  frames: H2FrameHeader[];
  bytes: Record<H2FrameKind, number>;
}

/** Reads `stream` with H2FrameReader, cut into pieces of `piece` bytes. */
function readAll(stream: Buffer, clientSide: boolean, piece: number): Recorded {
  const bytes = Object.fromEntries(H2_FRAME_KINDS.map((kind) => [kind, 0])) as Record<H2FrameKind, number>;
  const frames: H2FrameHeader[] = [];
  const reader = new H2FrameReader(clientSide, { onBytes: (kind, n) => (bytes[kind] += n), onFrame: (header) => frames.push(header) });
  for (let at = 0; at < stream.length; at += piece) reader.push(stream.subarray(at, at + piece));
  return { frames, bytes };
}

test('H2FrameReader: the frames of a real Node http2 exchange, whatever the chunk boundaries', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const BODY_BYTES = 40_000;
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    if (headers[':path'] === '/big') {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.end(Buffer.alloc(BODY_BYTES, 0x61));
    }
    // '/hang' is never answered: the client resets it (RST_STREAM).
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  // A relay that keeps every byte each way: the reference capture.
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  let relayed: (() => void) | undefined;
  const closed = new Promise<void>((resolve) => (relayed = resolve));
  const relay = net.createServer((client) => {
    const upstream = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    client.on('data', (chunk: Buffer) => (up.push(chunk), upstream.write(chunk)));
    upstream.on('data', (chunk: Buffer) => (down.push(chunk), client.write(chunk)));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('close', () => (upstream.destroy(), relayed?.()));
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => relay.close(() => resolve())));
  const session = http2.connect(`http://127.0.0.1:${(relay.address() as net.AddressInfo).port}`);
  await new Promise<void>((resolve, reject) => (session.once('connect', () => resolve()), session.once('error', reject)));
  const body = await new Promise<number>((resolve, reject) => {
    const stream = session.request({ ':path': '/big' });
    let n = 0;
    stream.on('data', (chunk: Buffer) => (n += chunk.length));
    stream.on('end', () => resolve(n));
    stream.on('error', reject);
  });
  assert.equal(body, BODY_BYTES);
  await new Promise<void>((resolve) => session.ping(Buffer.from('12345678'), () => resolve()));
  const hang = session.request({ ':path': '/hang' });
  hang.on('error', () => undefined);
  await new Promise((resolve) => setTimeout(resolve, 100));
  hang.close(http2.constants.NGHTTP2_CANCEL);
  await new Promise((resolve) => setTimeout(resolve, 100));
  session.close();
  await closed;

  const upBytes = Buffer.concat(up);
  const downBytes = Buffer.concat(down);
  assert.deepEqual(upBytes.subarray(0, 24), H2_CLIENT_PREFACE);
  for (const piece of [1, 7, 9, 10, 1000, 1 << 20]) {
    const u = readAll(upBytes, true, piece);
    const d = readAll(downBytes, false, piece);
    // The frames tile each direction exactly: every byte is the preface or some frame's.
    assert.equal(Object.values(u.bytes).reduce((a, b) => a + b, 0), upBytes.length, `up, pieces of ${piece}`);
    assert.equal(Object.values(d.bytes).reduce((a, b) => a + b, 0), downBytes.length, `down, pieces of ${piece}`);
    assert.equal(u.bytes.preface, 24);
    assert.equal(d.bytes.preface, 0);
    // Each side opens with SETTINGS (RFC 9113 §3.4).
    assert.equal(u.frames[0]?.type, H2_FRAME_TYPE.SETTINGS);
    assert.equal(d.frames[0]?.type, H2_FRAME_TYPE.SETTINGS);
    // The answer: HEADERS then DATA on stream 1, DATA payloads adding up to the body.
    const data = d.frames.filter((f) => f.type === H2_FRAME_TYPE.DATA && f.streamId === 1);
    assert.equal(data.reduce((a, f) => a + f.length, 0), BODY_BYTES);
    assert.equal(d.bytes.data, BODY_BYTES + 9 * data.length);
    assert.ok(data.length >= Math.ceil(BODY_BYTES / 16_384), `${data.length} DATA frames (max frame size 16,384)`);
    assert.ok(d.frames.some((f) => f.type === H2_FRAME_TYPE.HEADERS && f.streamId === 1));
    assert.equal(u.frames.filter((f) => f.type === H2_FRAME_TYPE.HEADERS).length, 2, 'two requests');
    // PING and its ACK: 8 bytes of payload each way; RST_STREAM CANCEL up on stream 3; GOAWAY at the close.
    assert.deepEqual(u.frames.filter((f) => f.type === H2_FRAME_TYPE.PING).map((f) => f.length), [8]);
    assert.deepEqual(d.frames.filter((f) => f.type === H2_FRAME_TYPE.PING).map((f) => [f.length, f.flags]), [[8, 1]]);
    assert.equal(u.bytes.ping, 17);
    assert.deepEqual(u.frames.filter((f) => f.type === H2_FRAME_TYPE.RST_STREAM).map((f) => [f.length, f.streamId]), [[4, 3]]);
    assert.equal(u.bytes.rstStream, 13);
    assert.ok(u.bytes.goaway >= 17, 'GOAWAY: 8 bytes of payload at least');
    assert.ok(u.bytes.windowUpdate > 0 || d.bytes.windowUpdate > 0, 'WINDOW_UPDATE for 40 kB of DATA');
  }
});

const sumKinds = (b: H2FrameBytes) => H2_FRAME_KINDS.reduce((a, kind) => a + b[kind], 0);

test('h2 clients: frame bytes by kind add up to the socket bytes in h2c and stay below them over TLS; HEADERS sizes in the wire sample', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const headers = resolveHeaderProfile('browser').headers;
  for (const tls of [false, true]) {
    const server = await startServer(t, { rate: 20, ...(tls ? {} : { transports: ['poll', 'longpoll', 'sse'] as TransportName[] }), http2: true, ...(tls ? { tls: 'self-signed' as const } : {}) });
    for (const transport of ['poll', 'longpoll', 'sse'] as TransportName[]) {
      const label = `${tls ? 'h2' : 'h2c'} ${transport}`;
      const tracker = new RecordingTracker(0);
      const client = stopAfter(t, CLIENTS[transport](clientOptions(server.url, tracker, headers, 50, { http2: true, ...(tls ? { tls: { ca: server.certificate, verify: true } } : {}) })));
      await client.start();
      await waitUntil(() => tracker.seqs.length >= 15 && (transport === 'sse' || tracker.answers.length >= 5), `${label}: 15 messages (5 answers)`, 15_000);
      await client.stop();
      const wire = client.wire();
      const frames = wire.h2FrameBytes;
      assert.ok(frames !== undefined, `${label}: frame bytes counted`);
      const [down, up] = [sumKinds(frames.down), sumKinds(frames.up)];
      if (tls) {
        assert.ok(down < wire.readBytes && up < wire.writtenBytes, `${label}: plaintext ${down}/${up} B below the socket's ${wire.readBytes}/${wire.writtenBytes} B`);
        const sample = client.wireSample();
        // What TLS adds is at least its handshake.
        assert.ok(wire.writtenBytes - up >= (sample.tlsHandshakeUpBytes ?? 0), `${label}: TLS up`);
        assert.ok(wire.readBytes - down >= (sample.tlsHandshakeDownBytes ?? 0), `${label}: TLS down`);
      } else {
        assert.equal(down, wire.readBytes, `${label}: down`);
        assert.equal(up, wire.writtenBytes, `${label}: up`);
      }
      assert.equal(frames.up.preface, 24, label);
      assert.ok(frames.up.headers > 0 && frames.down.headers > 0 && frames.down.data > 0 && frames.up.settings > 0 && frames.down.settings > 0, `${label}: ${JSON.stringify(frames)}`);
      const sample = client.wireSample();
      assert.ok((sample.h2PrefaceUpBytes ?? 0) >= 24 + 9 && (sample.h2PrefaceDownBytes ?? 0) >= 9, `${label}: preface ${sample.h2PrefaceUpBytes}/${sample.h2PrefaceDownBytes}`);
      // The response head is its HEADERS frames now, not 0; the request its HEADERS frames, far below HTTP/1.1's kilobyte.
      assert.ok(sample.responseHeadBytes > 9, `${label}: response head ${sample.responseHeadBytes} B`);
      assert.ok(sample.requestBytes > 9 && sample.requestBytes < 1000, `${label}: request ${sample.requestBytes} B`);
      if (transport !== 'sse') {
        // HPACK: the first request carries the browser profile's fields literally, later ones as indices.
        const first = sample.firstExchangeHeadBytes ?? 0;
        const steady = sample.steadyExchangeHeadBytes ?? Infinity;
        assert.ok(first > 400 && steady < first / 5, `${label}: first exchange ${first} B, steady ${steady} B`);
      }
    }
  }
});

test('http1 polling: the first exchange and the steady state differ only by the epoch the first answer states', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await startServer(t, { rate: 20 });
  const headers = resolveHeaderProfile('browser').headers;
  const tracker = new RecordingTracker(0);
  const client = stopAfter(t, CLIENTS.poll(clientOptions(server.url, tracker, headers, 50)));
  await client.start();
  await waitUntil(() => tracker.answers.length >= 10, 'ten answers', 15_000);
  await client.stop();
  const sample = client.wireSample();
  assert.equal(client.wire().h2FrameBytes, undefined);
  const first = sample.firstExchangeHeadBytes ?? 0;
  const steady = sample.steadyExchangeHeadBytes ?? 0;
  assert.ok(first > 1000, `first ${first} B`);
  // A connection's first answer states the epoch (X-Wirebench-Epoch, once per connection) and the
  // cursor's digits move by a byte or two: tens of bytes, nothing like HPACK's table.
  assert.ok(first > steady && first - steady < 64, `first ${first} B, steady ${steady} B`);
});
