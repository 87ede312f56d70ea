/**
 * HTTP/2 connections shared by groups of clients (`--h2-clients-per-connection`,
 * load/clients/h2-session.ts): the server sees one connection per group, every client still gets
 * its own feed without loss, every socket byte is counted once (clients' meters plus the shared
 * connections' = an independent relay's, both ways), sharing makes polling cheaper per message
 * (one handshake, one HPACK table), and the bench refuses the option where it means nothing.
 * Real servers on 127.0.0.1 port 0, real clients.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CLIENTS } from '../load/clients/clients-by-transport.js';
import { H2Session } from '../load/clients/h2-session.js';
import { resolveHeaderProfile } from '../load/clients/header-profiles.js';
import { SocketMeter } from '../load/meter/socket-meter.js';
import { probeCapture } from '../load/capture/packet-capture.js';
import { readPayloadBytes } from '../load/capture/step-capture.js';
import { validateResults } from '../load/results/results-schema.js';
import type { TransportName } from '../servers/contract.js';
import type { TransportClient } from '../load/clients/client-contract.js';
import { RecordingTracker, clientOptions, startServer, waitUntil } from './helpers/clients-harness.js';
import { startRelay } from './helpers/tcp-relay.js';
import { CLI, assertBenchRefuses } from './helpers/bench-child.js';

const TEST_TIMEOUT_MS = 60_000;

interface Fleet {
  clients: TransportClient[];
  trackers: RecordingTracker[];
  sessions: H2Session[];
  /** Bytes up and down: every client's meter and every shared connection's. */
  bytes(): { up: number; down: number };
}

/** `count` clients of `transport` through `url`, `perConnection` of them on each shared HTTP/2 connection (1: each its own). */
function fleet(transport: TransportName, url: string, certificate: string, count: number, perConnection: number, headers: ReturnType<typeof resolveHeaderProfile>['headers'] = []): Fleet {
  const sessions: H2Session[] = [];
  const trackers: RecordingTracker[] = [];
  const clients = Array.from({ length: count }, (_, i) => {
    if (perConnection > 1 && i % perConnection === 0) sessions.push(new H2Session(new SocketMeter()));
    const tracker = new RecordingTracker(0);
    trackers.push(tracker);
    const h2Session = perConnection > 1 ? sessions.at(-1) : undefined;
    return CLIENTS[transport](clientOptions(url, tracker, headers, 100, { tls: { ca: certificate, verify: true }, http2: true, ...(h2Session ? { h2Session } : {}) }));
  });
  const bytes = () => {
    const counters = [...clients.map((c) => c.wire()), ...sessions.map((s) => s.meter.counters())];
    return { up: counters.reduce((sum, c) => sum + c.writtenBytes, 0), down: counters.reduce((sum, c) => sum + c.readBytes, 0) };
  };
  return { clients, trackers, sessions, bytes };
}

async function stopFleet(f: Fleet): Promise<void> {
  await Promise.all(f.clients.map((client) => client.stop()));
  await Promise.all(f.sessions.map((session) => session.meter.allClosed()));
}

test('h2 shared connections: 12 clients, 4 per connection — the server sees 3 connections, each client gets 1..N without error, bytes counted once = the relay', { timeout: TEST_TIMEOUT_MS * 2 }, async (t) => {
  const server = await startServer(t, { rate: 40, heartbeatMs: 200, tls: 'self-signed', http2: true });
  for (const transport of ['poll', 'longpoll', 'sse'] as const) {
    const relay = await startRelay(t, server.port);
    const f = fleet(transport, `https://127.0.0.1:${relay.port}`, server.certificate!, 12, 4);
    try {
      await Promise.all(f.clients.map((client) => client.start()));
      await waitUntil(() => f.trackers.every((tr) => tr.seqs.length >= 20), `${transport}: 20 messages on every client`, 30_000);
      assert.equal(relay.accepted(), 3, `${transport}: connections the server saw`);
    } finally {
      await stopFleet(f);
    }
    await waitUntil(() => relay.open() === 0, 'relay closed', 5_000);
    f.trackers.forEach((tracker, i) => {
      tracker.seqs.slice(0, 20).forEach((seq, k) => assert.equal(seq, k + 1, `${transport} client ${i}: message #${k}`));
      assert.deepEqual(tracker.errors, [], `${transport} client ${i}`);
    });
    const { up, down } = f.bytes();
    assert.equal(up, relay.up(), `${transport}: bytes up, clients + shared connections vs the relay`);
    assert.equal(down, relay.down(), `${transport}: bytes down, clients + shared connections vs the relay`);
    // The connections' bytes are on the shared meters, not on the clients' own.
    assert.ok(f.sessions.every((s) => s.meter.counters().readBytes > 0), `${transport}: every shared connection carried bytes`);
    assert.equal(f.clients.reduce((sum, c) => sum + c.wire().readBytes, 0), 0, `${transport}: no client has a socket of its own`);
    // The wire sample still gives one connection's opening: TLS handshake and preface.
    const sample = f.clients[0]!.wireSample();
    assert.ok((sample.tlsHandshakeDownBytes ?? 0) > 400 && (sample.h2PrefaceUpBytes ?? 0) > 24, `${transport}: handshake ${String(sample.tlsHandshakeDownBytes)} B, preface ${String(sample.h2PrefaceUpBytes)} B`);
  }
});

test('h2 shared connections: polling over h2 with browser headers costs fewer bytes per message with 8 clients per connection than with one each', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await startServer(t, { rate: 20, tls: 'self-signed', http2: true });
  const headers = resolveHeaderProfile('browser').headers;
  const perMessage = async (perConnection: number): Promise<number> => {
    const relay = await startRelay(t, server.port);
    const f = fleet('poll', `https://127.0.0.1:${relay.port}`, server.certificate!, 8, perConnection, headers);
    try {
      await Promise.all(f.clients.map((client) => client.start()));
      await waitUntil(() => f.trackers.every((tr) => tr.seqs.length >= 30), '30 messages on every client', 30_000);
    } finally {
      await stopFleet(f);
    }
    assert.equal(relay.accepted(), perConnection === 1 ? 8 : 1);
    const { up, down } = f.bytes();
    assert.equal(up + down, relay.up() + relay.down(), `${perConnection} per connection: meter vs relay`);
    return (up + down) / f.trackers.reduce((sum, tr) => sum + tr.seqs.length, 0);
  };
  const own = await perMessage(1);
  const shared = await perMessage(8);
  // One TLS handshake and preface instead of eight, and the browser profile's fields entered into
  // one HPACK table instead of eight; nothing per poll is dearer on a shared connection.
  assert.ok(shared < own, `bytes per message: ${shared.toFixed(1)} B with 8 per connection, ${own.toFixed(1)} B with one each`);
});

function bench(args: string[], timeoutMs = 20_000) {
  return spawnSync(process.execPath, [CLI, 'bench', ...args], { encoding: 'utf8', timeout: timeoutMs });
}

test('bench --h2-clients-per-connection: bad values and meaningless combinations are one line, exit 2, before anything starts', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--protocol', 'h2', '--h2-clients-per-connection', '0'], /--h2-clients-per-connection "0" is not valid: use an integer from 1 to 100$/],
    [['--protocol', 'h2', '--h2-clients-per-connection', '101'], /--h2-clients-per-connection "101" is not valid: use an integer from 1 to 100$/],
    [['--protocol', 'h2', '--h2-clients-per-connection', 'two'], /--h2-clients-per-connection "two" is not valid/],
    [['--h2-clients-per-connection', '10'], /--h2-clients-per-connection 10 applies to HTTP\/2 only: add --protocol h2 \(or h2c\)/],
    [['--protocol', 'http1,http1-tls', '--h2-clients-per-connection', '10'], /applies to HTTP\/2 only/],
    [['--protocol', 'h2', '--transports', 'ws', '--h2-clients-per-connection', '10'], /--h2-clients-per-connection 10 multiplexes the HTTP transports \(poll, longpoll, sse\): WebSocket stays one HTTP\/1\.1 connection per client/],
    [['--protocol', 'h2', '--fault', 'drop', '--h2-clients-per-connection', '10'], /--h2-clients-per-connection 10 with --fault drop: /],
  ];
  assertBenchRefuses(cases);
});

const tmp = await mkdtemp(path.join(os.tmpdir(), 'wirebench-h2-session-'));
const cannotCapture = await probeCapture(path.join(tmp, 'probe.pcap'));

test('bench --protocol h2 --h2-clients-per-connection 5: recorded and reported; nothing lost; with a capture, 2 connections for 10 clients and its TCP payload = the socket bytes', { timeout: 240_000 }, async () => {
  const out = path.join(tmp, 'run');
  const capture = cannotCapture === null ? ['--capture'] : [];
  const run = bench(['--protocol', 'h2', '--h2-clients-per-connection', '5', '--transports', 'poll,sse', '--clients', '10', '--duration', '2s', '--warmup', '500ms', '--rate', '5', '--interval', '250ms', '--workers', '1', '--out', out, '--quiet', ...capture], 200_000);
  assert.equal(run.status, 0, run.stderr);
  const doc = validateResults(JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')));
  assert.equal(doc.config.h2ClientsPerConnection, 5);
  for (const result of doc.results) {
    const step = result.steps[0]!;
    assert.equal(step.status, 'ok', `${result.transport}: ${step.status === 'failed' ? step.reason : ''}`);
    const m = step.measurement!;
    assert.equal(m.window.messages.lost, 0, result.transport);
    assert.ok(m.window.messages.delivered >= 10 * 5, `${result.transport}: ${m.window.messages.delivered} delivered`);
    assert.ok((m.wire.tlsHandshakeDownBytes ?? 0) > 400, `${result.transport}: one connection's handshake in the wire sample`);
    const c = m.capture;
    if (cannotCapture !== null) continue;
    assert.ok(c, `${result.transport}: captured`);
    assert.equal(c.connections, 2, `${result.transport}: 10 clients on 2 connections`);
    for (const direction of ['down', 'up'] as const) {
      assert.equal(readPayloadBytes(c.totals[direction]), m.totals.bytes[direction].totalBytes, `${result.transport} ${direction}: TCP payload = socket bytes`);
    }
  }
  const md = await readFile(path.join(out, 'report.md'), 'utf8');
  assert.match(md, /HTTP\/2: 5 clients per connection, their streams multiplexed/);
});
