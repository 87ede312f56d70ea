import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHistogram, encodeHistogram, mergeEncoded, recordUs, subtractEncoded, summarize } from '../load/meter/histogram.js';
import { mergeIntervals, windowExpected } from '../load/meter/step-figures.js';
import { deriveWindowFigures } from '../load/results/figure-registry.js';
import type { RawInterval } from '../load/meter/delivery-tracker.js';

/** A seeded PRNG so the statistics test is the same every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Naive reference: the nearest-rank percentile of a sorted array. */
function naivePercentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

test('merging workers\' encoded histograms equals one histogram of all values, and matches a naive percentile', () => {
  const random = mulberry32(42);
  const values = Array.from({ length: 20_000 }, () => Math.floor(Math.exp(random() * 14)) + 1); // 1 µs .. ~1.2 s, log-spread
  const shards = [createHistogram(), createHistogram(), createHistogram()];
  const whole = createHistogram();
  values.forEach((v, i) => {
    recordUs(shards[i % 3]!, v);
    recordUs(whole, v);
  });
  const merged = mergeEncoded(shards.map(encodeHistogram));
  assert.equal(merged.totalCount, values.length);
  const sorted = [...values].sort((a, b) => a - b);
  for (const p of [50, 90, 99, 99.9]) {
    assert.equal(merged.getValueAtPercentile(p), whole.getValueAtPercentile(p), `p${p} merge is exact`);
    const naive = naivePercentile(sorted, p);
    // 3 significant digits: within 0.1 % of the true value.
    assert.ok(Math.abs(merged.getValueAtPercentile(p) - naive) <= naive * 0.001 + 1, `p${p}: hdr ${merged.getValueAtPercentile(p)} vs naive ${naive}`);
  }
  const s = summarize(merged);
  const trueMax = Math.max(...values);
  assert.ok(Math.abs(s.maxUs - trueMax) <= trueMax * 0.001, `max ${s.maxUs} vs ${trueMax}`);
  assert.ok(Math.abs(s.meanUs - values.reduce((a, b) => a + b, 0) / values.length) / s.meanUs < 0.001);
});

test('subtracting an earlier cumulative snapshot leaves exactly the window\'s values', () => {
  const h = createHistogram();
  for (let i = 1; i <= 100; i++) recordUs(h, i);
  const before = encodeHistogram(h);
  for (let i = 0; i < 50; i++) recordUs(h, 5000);
  const delta = subtractEncoded(encodeHistogram(h), before);
  assert.equal(delta.totalCount, 50);
  assert.ok(Math.abs(delta.getValueAtPercentile(50) - 5000) <= 5);
});

function raw(overrides: Partial<RawInterval>): RawInterval {
  return {
    payloadDownBytes: 0, payloadUpBytes: 0, delivered: 0, expected: 0, duplicated: 0, outOfOrder: 0, gapped: 0,
    requests: 0, emptyResponses: 0, published: 0, preflights: 0, preflightUpBytes: 0, preflightDownBytes: 0, preflightCacheHits: 0,
    errors: {}, minSeq: -1, maxSeq: -1, laterEpochs: {}, resets: 0, recovered: 0,
    latency: '', endToEndLatency: '', requestRtt: '', ...overrides,
  };
}

test('interval merge adds counters and errors, splits payload from overhead, and derives per-message figures', () => {
  const a = raw({ delivered: 10, payloadDownBytes: 1000, requests: 10, emptyResponses: 2, errors: { ECONNRESET: 1 }, minSeq: 3, maxSeq: 7 });
  const b = raw({ delivered: 9, payloadDownBytes: 900, requests: 10, errors: { ECONNRESET: 2, http_503: 1 }, minSeq: 2, maxSeq: 6 });
  const expected = windowExpected([a, b], 4, null);
  assert.equal(expected, 6 * 4, 'union range 2..7 times four clients');
  const figures = mergeIntervals([a, b], [{ readBytes: 5000, writtenBytes: 800 }, { readBytes: 4500, writtenBytes: 800 }], 2000, expected);
  assert.deepEqual(figures.errors, { ECONNRESET: 3, http_503: 1 });
  assert.equal(figures.bytes.down.totalBytes, 9500);
  assert.equal(figures.bytes.down.payloadBytes, 1900);
  assert.equal(figures.bytes.down.overheadBytes, 7600);
  assert.equal(figures.messages.lost, 24 - 19);
  const derived = deriveWindowFigures(figures, 4);
  assert.equal(derived.bytesPerMessage.down, 9500 / 19);
  assert.equal(derived.bytesPerClientPerSec.down, 9500 / 4 / 2);
  assert.equal(derived.mbps.down, (9500 * 8) / 2 / 1e6);
  assert.equal(derived.reach, 19 / 24);
  assert.equal(derived.emptyResponseRatio, 2 / 20);
});

test('when no client saw a message in the window, the server\'s count stands in, so total loss is not hidden', () => {
  assert.equal(windowExpected([raw({}), raw({})], 10, 8), 80);
  assert.equal(deriveWindowFigures(mergeIntervals([raw({})], [{ readBytes: 0, writtenBytes: 0 }], 1000, 80), 10).reach, 0);
});
