/**
 * Compression (--compression): per transport, real servers and the instrumented clients on
 * 127.0.0.1 port 0 — compression cuts the bytes a client reads per message of a realistic JSON
 * payload, every message arrives intact (its text equal to the server's) with no loss; with
 * compression off nothing is compressed whatever the client offers; HTTP/2 over TLS too.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { CLIENTS } from '../load/clients/clients-by-transport.js';
import { COMPRESSED_ACCEPT_ENCODING, headersForRequest, resolveHeaderProfile } from '../load/clients/header-profiles.js';
import { COMPRESSIONS, TRANSPORTS, type Compression, type TransportName } from '../servers/contract.js';
import { RecordingTracker, clientOptions, probeResponseHead, requestText, startServer, waitUntil } from './helpers/clients-harness.js';

const TEST_TIMEOUT_MS = 60_000;
/** Messages each client reads before it is stopped. */
const MESSAGES = 30;

interface Measured {
  readBytesPerMessage: number;
  seqs: number[];
}

/**
 * One server (ticks payload of ~1 KB, 40 msg/s) and one client of `transport`, both at
 * `compression`; returns the client's socket bytes read per message once it read MESSAGES, after
 * checking every text against the server's own (handed over at the end) and that none was lost.
 */
async function measure(t: TestContext, transport: TransportName, compression: Compression): Promise<Measured> {
  const server = await startServer(t, { rate: 40, sizeBytes: 1024, payload: 'ticks', compression, transports: [transport] });
  const tracker = new RecordingTracker(0);
  const client = CLIENTS[transport](clientOptions(server.url, tracker, [], 50, { compression }));
  await client.start();
  await waitUntil(() => tracker.seqs.length >= MESSAGES, `${MESSAGES} messages over ${transport} (${compression})`, 20_000);
  const errors = [...tracker.errors];
  await client.stop();
  const { readBytes } = client.wire();
  const history = new Map(server.handOver().messages.map((message) => [message.seq, message.text]));
  assert.deepEqual(errors, [], `${transport} ${compression}: errors`);
  assert.deepEqual(tracker.textBytesMismatches, [], `${transport} ${compression}: textBytes`);
  tracker.seqs.forEach((seq, i) => assert.equal(seq, i + 1, `${transport} ${compression}: message #${i} (no loss, in order)`));
  tracker.texts.forEach((text, i) => assert.equal(text, history.get(i + 1), `${transport} ${compression}: message ${i + 1} intact (seq, ts, data)`));
  return { readBytesPerMessage: readBytes / tracker.seqs.length, seqs: tracker.seqs };
}

for (const transport of TRANSPORTS) {
  test(`${transport}: compression on and no-context-takeover cut the bytes read per message of a JSON payload; every message intact, none lost`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const perMessage = new Map<Compression, number>();
    for (const compression of COMPRESSIONS) perMessage.set(compression, (await measure(t, transport, compression)).readBytesPerMessage);
    const off = perMessage.get('off') as number;
    const on = perMessage.get('on') as number;
    const alone = perMessage.get('no-context-takeover') as number;
    t.diagnostic(`${transport} bytes read per message: off ${off.toFixed(0)}, on ${on.toFixed(0)}, no-context-takeover ${alone.toFixed(0)}`);
    assert.ok(on < off, `${transport}: on ${on} < off ${off}`);
    assert.ok(alone < off, `${transport}: no-context-takeover ${alone} < off ${off}`);
    // With the dictionary kept across messages, a stream's later messages refer to earlier ones
    // (poll answers are whole bodies each, so the two are alike there).
    if (transport === 'sse' || transport === 'ws') assert.ok(on < alone, `${transport}: on ${on} < no-context-takeover ${alone}`);
  });
}

test('h2 over TLS: poll, long-poll and SSE compressed too (messages intact, fewer bytes)', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  for (const transport of ['poll', 'longpoll', 'sse'] as const) {
    const serverOptions = { tls: 'self-signed' as const, http2: true };
    const results: number[] = [];
    for (const compression of ['off', 'on'] as const) {
      const server = await startServer(t, { rate: 40, sizeBytes: 1024, payload: 'chat', compression, transports: [transport], ...serverOptions });
      const tracker = new RecordingTracker(0);
      const client = CLIENTS[transport](clientOptions(server.url, tracker, [], 50, { compression, http2: true, tls: { ca: server.certificate ?? '', verify: true } }));
      await client.start();
      await waitUntil(() => tracker.seqs.length >= MESSAGES, `${MESSAGES} messages over h2 ${transport}`, 20_000);
      // Errors while reading (an h2 long-poll cancelled by stop() counts a parse_error on main too).
      const errors = [...tracker.errors];
      await client.stop();
      const history = new Map(server.handOver().messages.map((message) => [message.seq, message.text]));
      assert.deepEqual(errors, [], `h2 ${transport} ${compression}`);
      tracker.texts.forEach((text, i) => assert.equal(text, history.get(i + 1), `h2 ${transport} ${compression}: message ${i + 1}`));
      results.push(client.wire().readBytes / tracker.seqs.length);
    }
    t.diagnostic(`h2 ${transport} bytes read per message: off ${results[0]?.toFixed(0)}, on ${results[1]?.toFixed(0)}`);
    assert.ok((results[1] as number) < (results[0] as number), `h2 ${transport}: on ${results[1]} < off ${results[0]}`);
  }
});

test('headers: with compression on, a profile without Accept-Encoding asks for gzip, br on fetches and EventSource; the browser profile keeps its own; off adds nothing', () => {
  const acceptEncoding = (headers: ReadonlyArray<readonly [string, string]>): string[] => headers.filter(([name]) => name.toLowerCase() === 'accept-encoding').map(([, value]) => value);
  for (const kind of ['fetch', 'sse'] as const) {
    assert.deepEqual(acceptEncoding(headersForRequest(kind, [], { compression: 'on' })), [COMPRESSED_ACCEPT_ENCODING], kind);
    assert.deepEqual(acceptEncoding(headersForRequest(kind, [], { compression: 'no-context-takeover' })), [COMPRESSED_ACCEPT_ENCODING], kind);
    assert.deepEqual(acceptEncoding(headersForRequest(kind, [], { compression: 'off' })), [], kind);
    assert.deepEqual(acceptEncoding(headersForRequest(kind, resolveHeaderProfile('browser').headers, { compression: 'on' })), ['gzip, deflate, br, zstd'], `${kind}: Chrome's own`);
  }
  // A WebSocket negotiates permessage-deflate instead (ws writes the offer).
  assert.deepEqual(acceptEncoding(headersForRequest('ws', [], { compression: 'on' })), []);
});

test('compression off: a browser that offers gzip, br and permessage-deflate is answered uncompressed on every transport', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await startServer(t, { rate: 0 });
  const host = `127.0.0.1:${server.port}`;
  const browser = resolveHeaderProfile('browser').headers;
  for (const path of ['/poll?since=0', '/longpoll?since=0', '/sse?since=0']) {
    // A long-poll with nothing to answer is held: a cursor from the past is answered at once.
    server.publish('x');
    const head = await probeResponseHead(server.port, requestText('GET', path, host, browser));
    assert.match(head, /^HTTP\/1\.1 200/, path);
    assert.doesNotMatch(head, /content-encoding/i, `${path}: no Content-Encoding with compression off`);
    assert.doesNotMatch(head, /vary: .*accept-encoding/i, path);
  }
  const upgrade = requestText('GET', '/ws?since=0', host, [
    ['Connection', 'Upgrade'],
    ['Upgrade', 'websocket'],
    ['Sec-WebSocket-Version', '13'],
    ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
    ['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits'],
  ]);
  const head = await probeResponseHead(server.port, upgrade);
  assert.match(head, /^HTTP\/1\.1 101/);
  assert.doesNotMatch(head, /sec-websocket-extensions/i, 'no permessage-deflate with compression off');
});

test('compression on: the coding follows Accept-Encoding (br preferred, gzip, none), SSE is gzip, Vary says so', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await startServer(t, { rate: 0, compression: 'on' });
  const host = `127.0.0.1:${server.port}`;
  server.publish('hello');
  const cases: Array<[string, string | undefined, string | undefined]> = [
    ['/poll?since=0', 'gzip, deflate, br, zstd', 'br'],
    ['/poll?since=0', 'gzip', 'gzip'],
    ['/poll?since=0', 'br;q=0, gzip;q=0.5', 'gzip'],
    ['/poll?since=0', undefined, undefined],
    ['/longpoll?since=0', 'gzip, br', 'br'],
    ['/sse?since=0', 'gzip, deflate, br, zstd', 'gzip'],
    ['/sse?since=0', 'br', undefined],
  ];
  for (const [path, accept, expected] of cases) {
    const head = await probeResponseHead(server.port, requestText('GET', path, host, accept === undefined ? [] : [['Accept-Encoding', accept]]));
    const coding = /\r\ncontent-encoding: ([^\r]+)/i.exec(head)?.[1];
    assert.equal(coding, expected, `${path} with Accept-Encoding ${accept ?? '(none)'}`);
    assert.match(head, /\r\nvary: [^\r]*accept-encoding/i, `${path}: Vary: Accept-Encoding`);
  }
});

test('decompression bomb: a compressed WebSocket message inflating past the publish limit is closed with 1009 and a reason; others keep their feed', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { deflateRawSync } = await import('node:zlib');
  const server = await startServer(t, { rate: 50, compression: 'on', transports: ['ws'], publishLimitBytes: 64 * 1024 });
  const bystander = new RecordingTracker(0);
  const other = CLIENTS.ws(clientOptions(server.url, bystander, [], 50, { compression: 'on' }));
  t.after(() => other.stop());
  await other.start();
  // A raw client: the handshake offering permessage-deflate, then one masked text frame with RSV1
  // (compressed, RFC 7692 §6) whose payload inflates to 16 MiB of zeros — ~16 KB on the wire.
  const socket = net.connect(server.port, '127.0.0.1');
  t.after(() => socket.destroy());
  let received = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  socket.write(requestText('GET', '/ws?since=0', `127.0.0.1:${server.port}`, [
    ['Connection', 'Upgrade'],
    ['Upgrade', 'websocket'],
    ['Sec-WebSocket-Version', '13'],
    ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
    ['Sec-WebSocket-Extensions', 'permessage-deflate'],
  ]));
  await waitUntil(() => received.includes('\r\n\r\n'), 'the 101');
  assert.match(received.toString('latin1'), /^HTTP\/1\.1 101[^]*sec-websocket-extensions: permessage-deflate/i);
  const deflated = deflateRawSync(Buffer.alloc(16 * 1024 * 1024), { finishFlush: 2 /* Z_SYNC_FLUSH */ });
  // §7.2.1: the sender removes the 4 octets 00 00 ff ff of the final sync flush.
  const payload = deflated.subarray(0, deflated.length - 4);
  const mask = Buffer.from([1, 2, 3, 4]);
  const header = payload.length <= 0xffff ? Buffer.from([0xc1, 0x80 | 126, payload.length >> 8, payload.length & 0xff]) : assert.fail('bomb too large for a 16-bit length');
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] as number)));
  received = received.subarray(received.indexOf('\r\n\r\n') + 4);
  socket.write(Buffer.concat([header, mask, masked]));
  // The feed's frames come first (unmasked, server to client): the close frame is found among them.
  await waitUntil(() => closeFrame(received) !== undefined, 'the close frame', 10_000);
  const close = closeFrame(received) as Buffer;
  assert.equal(close.readUInt16BE(0), 1009, 'close code 1009 (message too big)');
  assert.match(close.subarray(2).toString('utf8'), /message too big/);
  // The server goes on serving the other client.
  const before = bystander.seqs.length;
  await waitUntil(() => bystander.seqs.length >= before + 10, '10 more messages for the other client', 10_000);
  assert.deepEqual(bystander.errors, []);
  assert.ok(server.stats().badRequests >= 1, 'the bomb is counted as a bad request');
});

/** The payload of the first complete close frame among server frames (RFC 6455 §5.2), or undefined. */
function closeFrame(bytes: Buffer): Buffer | undefined {
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = (bytes[at] as number) & 0x0f;
    let length = (bytes[at + 1] as number) & 0x7f;
    let start = at + 2;
    if (length === 126) {
      if (start + 2 > bytes.length) return undefined;
      length = bytes.readUInt16BE(start);
      start += 2;
    } else if (length === 127) {
      if (start + 8 > bytes.length) return undefined;
      length = Number(bytes.readBigUInt64BE(start));
      start += 8;
    }
    if (start + length > bytes.length) return undefined;
    if (opcode === 0x8) return bytes.subarray(start, start + length);
    at = start + length;
  }
  return undefined;
}

test('a compressed POST /publish body is refused with 415 before it is read; an identity one is published', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { gzipSync } = await import('node:zlib');
  const server = await startServer(t, { rate: 0, compression: 'on' });
  const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
  const refused = await fetch(`${server.url}/publish`, { method: 'POST', headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' }, body: bomb });
  assert.equal(refused.status, 415);
  const body = (await refused.json()) as { error: string; reason: string };
  assert.equal(body.error, 'unsupported-media-type');
  assert.match(body.reason, /Content-Encoding "gzip" is not accepted on \/publish/);
  const ok = await fetch(`${server.url}/publish`, { method: 'POST', headers: { 'content-encoding': 'identity' }, body: JSON.stringify({ data: 'plain' }) });
  assert.equal(ok.status, 200);
  assert.equal(server.healthz().seq, 1);
});

test('a target sending decompression bombs is cut by the client caps with a named error: poll/long-poll body, SSE stream, WebSocket message', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { gzipSync, createGzip, constants } = await import('node:zlib');
  const { WebSocketServer } = await import('ws');
  // 32 MiB of zeros: ~32 KB gzipped, under the client's body cap on the wire, far over it inflated.
  const zeros = Buffer.alloc(32 * 1024 * 1024);
  const bodyBomb = gzipSync(Buffer.concat([Buffer.from('["'), Buffer.alloc(32 * 1024 * 1024, 'a'), Buffer.from('"]')]));
  let sseBytes = 0;
  const target = http.createServer((request, response) => {
    if (request.url?.startsWith('/sse')) {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      const gzip = createGzip({ flush: constants.Z_SYNC_FLUSH });
      gzip.pipe(response);
      // One event whose data line never ends, 1 MiB at a time, inflated by the client as it comes.
      gzip.write('data: ');
      const pour = (): void => {
        if (response.destroyed || sseBytes > 256 * 1024 * 1024) return void gzip.end();
        sseBytes += 1024 * 1024;
        if (gzip.write(zeros.subarray(0, 1024 * 1024).fill(0x61))) setImmediate(pour);
        else gzip.once('drain', pour);
      };
      pour();
      response.on('close', () => gzip.destroy());
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': bodyBomb.length });
    response.end(bodyBomb);
  });
  const wss = new WebSocketServer({ server: target, perMessageDeflate: { threshold: 0 } });
  wss.on('connection', (ws) => ws.send(zeros.toString('latin1', 0, 4 * 1024 * 1024).replace(/\0/g, 'a')));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    wss.close();
    target.closeAllConnections();
    target.close();
  });
  const url = `http://127.0.0.1:${(target.address() as net.AddressInfo).port}`;
  const expected: Record<TransportName, string> = { poll: 'inflated_body_too_large', longpoll: 'inflated_body_too_large', sse: 'sse_line_too_long', ws: 'ws_frame_too_large' };
  for (const transport of TRANSPORTS) {
    const tracker = new RecordingTracker(0);
    const client = CLIENTS[transport](clientOptions(url, tracker, [], 50, { compression: 'on' }));
    t.after(() => client.stop());
    // The first answer is the bomb: start() fails with the named error (the client never held the inflated bytes).
    const outcome = await client.start().then(
      () => undefined,
      (error: { code?: string }) => error.code,
    );
    if (outcome === undefined) await waitUntil(() => tracker.errors.length > 0, `${transport}: an error`, 20_000);
    assert.equal(outcome ?? tracker.errors[0], expected[transport], `${transport}: the named error`);
    await client.stop();
  }
  assert.ok(process.memoryUsage().rss < 1024 * 1024 * 1024, 'the bombs did not inflate in memory');
});
