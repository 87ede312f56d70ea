/**
 * Shards of one run (`bench --target --shard I/N --start-at`): each runs every N-th client of a
 * step in the same wall-clock window, reads the server's clock (a test server whose clock is
 * skewed by a known amount, as another host's would be) and corrects latency by the offset.
 * Real server on 127.0.0.1 port 0, real clients.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { test } from 'node:test';
import { readResultsFile } from '../reports/read-results.js';
import { CLI } from './helpers/bench-child.js';
import { bench, type BenchOptions } from '../api/bench.js';
import { estimateClockOffset } from '../load/run/clock-offset.js';
import { createWirebenchServer } from '../servers/server.js';
import { monotonicUs } from '../servers/contract.js';
import type { ResultsDocument } from '../load/results/results-schema.js';

const SKEW_MS = 7_000;

/** Shards 1 and 2 of a run against `target`, on one schedule starting 1.5 s from now; files in `dir`. */
function twoShards(target: string, dir: string, options: BenchOptions): Promise<[ResultsDocument, ResultsDocument]> {
  const startAt = new Date(Date.now() + 1500).toISOString();
  const shard = (index: number) =>
    bench({ target, durationMs: 1500, warmupMs: 300, workers: 1, connectRate: 200, ...options, shard: { index, count: 2 }, startAt, outFile: path.join(dir, `shard-${index}.json`) });
  return Promise.all([shard(1), shard(2)]);
}

test('clock offset: about 0 on loopback (within 1 ms), and a known skew recovered within ± RTT/2', { timeout: 60_000 }, async () => {
  const plain = await createWirebenchServer({ rate: 1 });
  const skewed = await createWirebenchServer({ rate: 1, clockSkewMs: SKEW_MS });
  try {
    const zero = await estimateClockOffset(`http://127.0.0.1:${plain.port}`);
    assert.ok(zero, 'a wirebench server states its clock');
    assert.ok(Math.abs(zero.offsetUs) <= 1000, `offset on one host ${zero.offsetUs} µs`);
    assert.ok(Math.abs(zero.offsetUs) <= zero.uncertaintyUs + 1, `within its own bound ±${zero.uncertaintyUs} µs`);
    const shifted = await estimateClockOffset(`http://127.0.0.1:${skewed.port}`);
    assert.ok(shifted);
    assert.ok(Math.abs(shifted.offsetUs - SKEW_MS * 1000) <= shifted.uncertaintyUs + 1, `offset ${shifted.offsetUs} µs vs skew ${SKEW_MS * 1000} µs ± ${shifted.uncertaintyUs}`);
  } finally {
    await Promise.all([plain.close(), skewed.close()]);
  }
});

test('two shards against one skewed target: each runs its share in the same window, latency corrected, /stats read by shard 1 only', { timeout: 120_000 }, async () => {
  const server = await createWirebenchServer({ rate: 10, clockSkewMs: SKEW_MS });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wirebench-shards-'));
  try {
    const [one, two] = await twoShards(`http://127.0.0.1:${server.port}`, dir, { transports: ['ws', 'sse'], clients: [7], rate: 10 });
    for (const [doc, mine] of [[one, 4], [two, 3]] as const) {
      assert.equal(doc.status, 'complete', JSON.stringify(doc.results.map((r) => r.steps.map((s) => (s.status === 'failed' ? s.reason : s.notes)))));
      for (const result of doc.results) {
        const step = result.steps[0]!;
        assert.equal(step.status, 'ok');
        assert.equal(step.clients, 7, 'the step is named by the whole run\'s clients');
        const m = step.measurement!;
        assert.equal(m.clientsConnected, mine, 'client ids shard-1, shard-1+2, …');
        assert.equal(m.window.messages.lost, 0);
        assert.ok(m.window.messages.delivered >= mine * 10, `delivered ${m.window.messages.delivered}`);
        // The server's clock runs 7 s ahead: uncorrected, every latency would be about −7 s (clamped to 1 µs).
        assert.ok(m.clock && Math.abs(m.clock.offsetUs - SKEW_MS * 1000) <= m.clock.uncertaintyUs + 1, JSON.stringify(m.clock));
        assert.ok(m.window.latency.minUs > 1 && m.window.latency.p50Us < 1_000_000, `latency p50 ${m.window.latency.p50Us} µs, min ${m.window.latency.minUs}`);
        assert.ok(step.schedule, 'a scheduled step says where it sat');
        assert.ok(step.schedule.windowClosedLateMs !== undefined, 'and how late each edge was taken');
        // Re-estimated after the window: the clock cannot drift on one host, so only the two
        // estimates' errors (each within half its round trip on loopback) show.
        assert.ok(m.clock.driftUs !== null && Math.abs(m.clock.driftUs) < 50_000, `drift ${m.clock.driftUs} µs`);
        assert.equal(m.server === null, doc === two, 'only shard 1 reads /stats');
      }
    }
    for (const transport of ['ws', 'sse'] as const) {
      const [a, b] = [one, two].map((d) => d.results.find((r) => r.transport === transport)!.steps[0]!.schedule!);
      assert.equal(a!.windowStartAt, b!.windowStartAt, 'the same planned window on both shards');
      // On the server's clock, the two shards' windows start within their offset estimates' bounds.
      assert.ok(Math.abs(a!.windowStartServerUs! - b!.windowStartServerUs!) <= 2000, `${a!.windowStartServerUs} vs ${b!.windowStartServerUs}`);
    }
    // The same commands a user runs: merge the shards' files, render the merged one.
    const files = [1, 2].map((i) => path.join(dir, `shard-${i}.json`));
    const out = path.join(dir, 'merged.json');
    const merge = spawnSync(process.execPath, [CLI, 'merge', ...files, '-o', out], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(merge.status, 0, merge.stderr);
    const merged = await readResultsFile(out);
    for (const result of merged.results) {
      const step = result.steps[0]!;
      assert.equal(step.status, 'ok');
      assert.equal(step.measurement!.clientsConnected, 7);
      assert.equal(step.measurement!.window.messages.lost, 0);
      assert.notEqual(step.measurement!.server, null, 'shard 1\'s server figures');
      assert.deepEqual(step.shards?.map((s) => s.shard), [1, 2]);
    }
    const report = spawnSync(process.execPath, [CLI, 'report', out, '--format', 'md'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(report.status, 0, report.stderr);
    assert.match(report.stdout, /window opened \/ closed late/, 'the drill-down says how late each shard took the edges');
    const twice = spawnSync(process.execPath, [CLI, 'merge', files[0]!, files[0]!, '-o', path.join(dir, 'bad.json')], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(twice.status, 2);
    assert.match(twice.stderr.trim(), /^wirebench: merge refused: shard-1.json and shard-1.json are both shard 1\/2$/);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('chat sharded: each shard runs its share of the publishers, every client gets every shard\'s publishes, merged without loss', { timeout: 120_000 }, async () => {
  // rate 0: only the publishers speak, so every message a client receives came from some shard's publisher.
  const server = await createWirebenchServer({ rate: 0, clockSkewMs: SKEW_MS });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wirebench-chat-shards-'));
  try {
    const docs = await twoShards(`http://127.0.0.1:${server.port}`, dir, { transports: ['ws', 'sse'], clients: [6], workload: 'chat', rate: 0, publishers: 3, publishRate: 5 });
    for (const transport of ['ws', 'sse'] as const) {
      const [one, two] = docs.map((d) => d.results.find((r) => r.transport === transport)!.steps[0]!);
      const why = JSON.stringify([one, two].map((s) => (s!.status === 'failed' ? s!.reason : s!.notes)));
      assert.equal(one!.status, 'ok', why);
      assert.equal(two!.status, 'ok', why);
      const [a, b] = [one!.measurement!, two!.measurement!];
      // Publishers are client ids 0, 1, 2: shard 1 runs ids 0 and 2, shard 2 runs id 1 (at 5 msg/s over 1.5 s).
      assert.ok(a.totals.published > b.totals.published && b.totals.published > 0, `${transport}: published ${a.totals.published} and ${b.totals.published}`);
      for (const m of [a, b]) {
        assert.equal(m.window.messages.lost, 0, transport);
        // Each of the shard's 3 clients expects every publish of both shards in the window (≈ 3 × 5 × 1.5).
        assert.ok(m.window.messages.expected >= 3 * 15, `${transport}: expected ${m.window.messages.expected}`);
        // Send time is stated on the server's clock (7 s ahead here) and read back on the receiver's: not ≈ −7 s or +7 s.
        const e2e = m.window.endToEndLatency;
        assert.ok(e2e && e2e.count > 0 && e2e.minUs > 1 && e2e.p99Us < 2_000_000, `${transport}: end-to-end ${JSON.stringify(e2e)}`);
      }
    }
    const out = path.join(dir, 'merged.json');
    const merge = spawnSync(process.execPath, [CLI, 'merge', ...[1, 2].map((i) => path.join(dir, `shard-${i}.json`)), '-o', out], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(merge.status, 0, merge.stderr);
    const merged = await readResultsFile(out);
    for (const result of merged.results) {
      const m = result.steps[0]!.measurement!;
      const parts = docs.map((d) => d.results.find((r) => r.transport === result.transport)!.steps[0]!.measurement!);
      assert.equal(m.totals.published, parts[0]!.totals.published + parts[1]!.totals.published, 'publishes summed');
      assert.equal(m.window.messages.lost, 0);
      assert.equal(m.clientsConnected, 6);
    }
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a shard that starts after its slot\'s connect deadline fails the step with the reason, not a shifted window', { timeout: 60_000 }, async () => {
  const server = await createWirebenchServer({ rate: 10 });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wirebench-late-'));
  try {
    const doc = await bench({
      target: `http://127.0.0.1:${server.port}`,
      transports: ['ws'],
      clients: [2],
      durationMs: 500,
      warmupMs: 0,
      shard: { index: 1, count: 2 },
      startAt: new Date(Date.now() - 60_000).toISOString(),
      outFile: path.join(dir, 'late.json'),
    });
    const step = doc.results[0]!.steps[0]!;
    assert.equal(step.status, 'failed');
    assert.match(step.status === 'failed' ? step.reason : '', /past the schedule's connect deadline/);
    assert.equal(step.status === 'failed' ? step.failureKind : undefined, 'late-start');
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a shard whose clients are still connecting at the slot\'s connect deadline fails the step with the reason, not a shifted window', { timeout: 90_000 }, async () => {
  // A target that answers /healthz but never completes a WebSocket handshake (a server that
  // accepts slower than the schedule assumed, at its extreme): the connect deadline comes first.
  const held = new Set<Duplex>();
  const target = http.createServer((req, res) => {
    if (req.url?.startsWith('/healthz')) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, name: 'wirebench', transports: ['ws'], seq: 0, nowUs: monotonicUs() }));
    } else res.writeHead(404).end();
  });
  target.on('upgrade', (_req, socket: Duplex) => {
    held.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => held.delete(socket));
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const { port } = target.address() as { port: number };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wirebench-slow-connect-'));
  try {
    const doc = await bench({
      target: `http://127.0.0.1:${port}`,
      transports: ['ws'],
      clients: [4],
      durationMs: 500,
      warmupMs: 0,
      workers: 1,
      shard: { index: 1, count: 2 },
      startAt: new Date(Date.now() + 500).toISOString(),
      outFile: path.join(dir, 'slow.json'),
    });
    const step = doc.results[0]!.steps[0]!;
    assert.equal(step.status, 'failed');
    assert.equal(step.status === 'failed' ? step.failureKind : undefined, 'connect-timeout');
    assert.match(step.status === 'failed' ? step.reason : '', /^connects too slow for the schedule: 0 of 2 clients connected by its connect deadline \(\d{4}-\d\d-\d\dT[\d:.]+Z\); lower --connect-rate or use more shards$/);
    assert.ok(step.schedule, 'the slot it failed to keep is recorded');
  } finally {
    for (const socket of held) socket.destroy();
    target.closeAllConnections();
    await new Promise((resolve) => target.close(resolve));
    await rm(dir, { recursive: true, force: true });
  }
});
