import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeResults, MergeRefusedError } from '../reports/merge-results.js';
import { buildResults } from './fixtures/results-builder.js';
import { createHistogram, decodeHistogram, encodeHistogram, recordUs, summarize } from '../load/meter/histogram.js';
import type { Measurement, ResultsDocument } from '../load/results/results-schema.js';
import type { StepFailureKind } from '../load/results/step-failure-kinds.js';

test('shards of one configuration merge into one valid document: transports and steps united, in order', () => {
  const wsShard = buildResults({ transports: ['ws'], clients: [10, 100] });
  const pollShard = buildResults({ transports: ['poll', 'sse'], clients: [10, 100] });
  const bigStep = buildResults({ transports: ['ws'], clients: [1000], status: 'interrupted' });
  const merged = mergeResults([wsShard, pollShard, bigStep]);
  assert.deepEqual(merged.config.transports, ['poll', 'sse', 'ws']);
  assert.deepEqual(merged.config.clients, [10, 100, 1000]);
  assert.deepEqual(merged.results.find((r) => r.transport === 'ws')?.steps.map((s) => s.clients), [10, 100, 1000]);
  assert.equal(merged.status, 'interrupted', 'the worst status of the shards');
  // Steps are taken whole: the ws @ 1000 step is the very object of its shard.
  assert.equal(merged.results.find((r) => r.transport === 'ws')?.steps[2], bigStep.results[0]?.steps[0]);
});

test('merge refuses a step measured twice and shards of different configurations, naming why', () => {
  const a = buildResults({ transports: ['ws'], clients: [10] });
  assert.throws(() => mergeResults([a, buildResults({ transports: ['ws'], clients: [10] })]), (e: unknown) => e instanceof MergeRefusedError && /ws at 10 clients is in more than one document/.test(e.message));
  const other = buildResults({ transports: ['sse'], clients: [10] });
  other.config.rate = a.config.rate + 1;
  assert.throws(() => mergeResults([a, other]), /document 2 has a different configuration \(rate\)/);
  // The merged document states one schedule and target: a part measured over another is refused.
  const shorter = buildResults({ transports: ['sse'], clients: [10] });
  shorter.config.durationMs = a.config.durationMs / 2;
  shorter.config.warmupMs = a.config.warmupMs + 500;
  assert.throws(() => mergeResults([a, shorter]), /document 2 has a different configuration \(duration, warmup\)/);
  const elsewhere = buildResults({ transports: ['sse'], clients: [10] });
  elsewhere.config.target = 'http://127.0.0.2:8080/';
  assert.throws(() => mergeResults([a, elsewhere]), /different configuration \(target\)/);
  const moreWorkers = buildResults({ transports: ['sse'], clients: [10] });
  moreWorkers.config.workers = a.config.workers + 1;
  assert.equal(mergeResults([a, moreWorkers]).results.length, 2, 'workers only move the noise');
  assert.throws(() => mergeResults([]), /nothing to merge/);
});

/** Shard `index` of `count` of one fixture run, its window latency made of `samplesUs`. */
function shardDoc(index: number, count: number, samplesUs: readonly number[], options: { saturated?: boolean; failed?: string; failureKind?: StepFailureKind } = {}): ResultsDocument {
  const doc = buildResults({ transports: ['sse', 'ws'], clients: [1000], saturated: [], capture: false });
  doc.config = { ...doc.config, target: 'http://127.0.0.1:8080', shard: { index, count }, startAt: '2026-11-30T20:00:00.000Z', sourceAddresses: [`127.0.0.${index + 1}`] };
  for (const result of doc.results) {
    result.server = { kind: 'target', url: 'http://127.0.0.1:8080' };
    const step = result.steps[0]!;
    const m = step.measurement!;
    const histogram = createHistogram();
    for (const us of samplesUs) recordUs(histogram, us);
    m.window.latency = summarize(histogram);
    m.window.messages = { expected: 100 * index, delivered: 100 * index - 1, lost: 1, duplicated: index, outOfOrder: 0, gapped: 0 };
    m.window.bytes.down.totalBytes += index * 1000;
    m.window.errors = { ECONNRESET: index };
    m.clientsConnected = 250;
    m.clientsInWindow = 250;
    m.generator.saturated = options.saturated === true;
    if (index > 1) m.server = null; // only shard 1 reads /stats
    step.schedule = { windowStartAt: '2026-11-30T20:00:25.000Z', windowStartServerUs: 1e15 + 5e6 + index * 300, windowOpenedLateMs: index, windowClosedLateMs: 10 - index };
    if (options.failed && result.transport === 'ws') Object.assign(step, { status: 'failed', reason: options.failed, ...(options.failureKind ? { failureKind: options.failureKind } : {}) });
  }
  return doc;
}

test('shards merge exactly: percentiles of the merged histograms equal those of one histogram of all samples, counters are sums', () => {
  // Four shards with different latency distributions (a slow shard among them).
  let seed = 7;
  const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const samples = [1, 2, 3, 4].map((shard) => Array.from({ length: 2000 + shard * 500 }, () => Math.round(200 + random() * (shard === 3 ? 90_000 : 5_000))));
  const shards = samples.map((s, i) => shardDoc(i + 1, 4, s));
  const merged = mergeResults([shards[2]!, shards[0]!, shards[3]!, shards[1]!]);
  const all = createHistogram();
  for (const list of samples) for (const us of list) recordUs(all, us);
  const expected = summarize(all);
  // Stored histograms keep bucket counts: min and max read back as their buckets' bounds (within
  // HDR's 3 significant digits), exactly as one stored histogram of all samples reads them.
  const stored = summarize(decodeHistogram(encodeHistogram(all)));
  assert.equal(merged.config.shard, undefined, 'the merged document is the whole run');
  assert.deepEqual(merged.shards?.map((s) => s.index), [1, 2, 3, 4]);
  for (const result of merged.results) {
    const step = result.steps[0]!;
    assert.equal(step.status, 'ok');
    const m = step.measurement!;
    for (const key of ['count', 'p50Us', 'p90Us', 'p99Us'] as const) assert.equal(m.window.latency[key], expected[key], `${result.transport} ${key}`);
    for (const key of ['minUs', 'maxUs', 'meanUs'] as const) assert.equal(m.window.latency[key], stored[key], `${result.transport} ${key}`);
    assert.ok(Math.abs(m.window.latency.maxUs - expected.maxUs) <= expected.maxUs / 1000, 'max within HDR precision of the true max');
    assert.equal(m.window.latency.histogram, stored.histogram, 'the merged histogram is the one histogram of all samples, bucket for bucket');
    const parts = shards.map((d) => d.results.find((r) => r.transport === result.transport)!.steps[0]!.measurement!);
    const sumOf = (pick: (x: Measurement) => number) => parts.reduce((a, x) => a + pick(x), 0);
    assert.equal(m.window.messages.expected, sumOf((x) => x.window.messages.expected));
    assert.equal(m.window.messages.delivered, sumOf((x) => x.window.messages.delivered));
    assert.equal(m.window.messages.lost, 4);
    assert.equal(m.window.messages.duplicated, 10);
    assert.equal(m.window.bytes.down.totalBytes, sumOf((x) => x.window.bytes.down.totalBytes));
    assert.equal(m.totals.requests, sumOf((x) => x.totals.requests));
    assert.deepEqual(m.window.errors, { ECONNRESET: 10 });
    assert.equal(m.clientsConnected, 1000);
    assert.equal(m.window.durationMs, parts[0]!.window.durationMs, 'one wall-clock window, not four');
    assert.equal(m.derived.bytesPerClientPerSec.down, m.window.bytes.down.totalBytes / (1000 * (m.window.durationMs / 1000)));
    assert.deepEqual(m.server, parts[0]!.server, 'the server figures are shard 1\'s, not summed');
    assert.equal(m.generator.workers, sumOf((x) => x.generator.workers));
    assert.deepEqual(step.shards?.map((s) => s.shard), [1, 2, 3, 4], 'each shard kept for drill-down');
    assert.match(step.notes?.join('\n') ?? '', /planned start 2026-11-30T20:00:25.000Z on every shard; opened at most 4.0 ms late, closed at most 9.0 ms late and starts within 0.90 ms of each other/);
    assert.deepEqual({ opened: step.schedule?.windowOpenedLateMs, closed: step.schedule?.windowClosedLateMs }, { opened: 4, closed: 9 }, 'each edge as late as the latest shard\'s');
  }
  // A shard file written before the window's close was recorded: the merged step claims no close.
  const { windowClosedLateMs: _dropped, ...older } = shards[1]!.results[0]!.steps[0]!.schedule!;
  shards[1]!.results[0]!.steps[0]!.schedule = older;
  const mixed = mergeResults(shards).results[0]!.steps[0]!;
  assert.equal(mixed.schedule?.windowClosedLateMs, undefined);
  assert.doesNotMatch(mixed.notes?.join('\n') ?? '', /closed at most/);
});

test('a shard merge: failed if any shard failed, saturated if any saturated; refuses other targets, schedules, configurations, missing or twin shards', () => {
  const samples = [1000, 2000, 3000];
  const ok = [1, 2, 3].map((i) => shardDoc(i, 3, samples));
  const merged = mergeResults([ok[0]!, shardDoc(2, 3, samples, { saturated: true, failed: 'connects too slow for the schedule' }), ok[2]!]);
  const ws = merged.results.find((r) => r.transport === 'ws')!.steps[0]!;
  assert.equal(ws.status, 'failed');
  assert.match(ws.status === 'failed' ? ws.reason : '', /^shard 2: connects too slow for the schedule$/);
  assert.equal(ws.status === 'failed' ? ws.failureKind : undefined, 'shards', 'a shard without a kind (an older file): the merged kind is shards');
  // The failed shards' kind, when they state one and agree; each shard's own kept for drill-down.
  const timedOut = { saturated: false, failed: 'connects too slow for the schedule', failureKind: 'connect-timeout' } as const;
  const mergedKinds = mergeResults([shardDoc(1, 3, samples, timedOut), shardDoc(2, 3, samples, timedOut), ok[2]!]);
  const wsKinds = mergedKinds.results.find((r) => r.transport === 'ws')!.steps[0]!;
  assert.equal(wsKinds.status === 'failed' ? wsKinds.failureKind : undefined, 'connect-timeout');
  assert.deepEqual(wsKinds.shards?.map((s) => s.failureKind), ['connect-timeout', 'connect-timeout', undefined]);
  const mixed = mergeResults([shardDoc(1, 3, samples, timedOut), shardDoc(2, 3, samples, { failed: 'a load worker exited', failureKind: 'worker' }), ok[2]!]);
  const wsMixed = mixed.results.find((r) => r.transport === 'ws')!.steps[0]!;
  assert.equal(wsMixed.status === 'failed' ? wsMixed.failureKind : undefined, 'shards');
  const sse = merged.results.find((r) => r.transport === 'sse')!.steps[0]!;
  assert.equal(sse.status, 'ok');
  assert.equal(sse.measurement!.generator.saturated, true, 'saturated because shard 2 was');

  const names = ['shard-1.json', 'shard-2.json', 'shard-3.json'];
  const other = (edit: (d: ResultsDocument) => void) => {
    const d = shardDoc(2, 3, samples);
    edit(d);
    return [ok[0]!, d, ok[2]!];
  };
  assert.throws(() => mergeResults(other((d) => (d.config.target = 'http://127.0.0.1:9090')), names), /^MergeRefusedError: shard-2.json has a different target \("http:\/\/127.0.0.1:9090"\) than shard-1.json/);
  assert.throws(() => mergeResults(other((d) => (d.config.startAt = '2026-11-30T21:00:00.000Z')), names), /shard-2.json has a different schedule \(--start-at\)/);
  assert.throws(() => mergeResults(other((d) => (d.config.rate = 10)), names), /shard-2.json has a different rate \(10\) than shard-1.json \(1\)/);
  assert.throws(() => mergeResults([ok[0]!, ok[2]!], names), /shard 2 of 3 missing/);
  assert.throws(() => mergeResults([ok[0]!, ok[0]!, ok[2]!], names), /shard-2.json and shard-1.json are both shard 1\/3/);
  assert.throws(() => mergeResults([ok[0]!, buildResults({ transports: ['ws'], clients: [1000] })], names), /shard-2.json is not a shard/);
});
