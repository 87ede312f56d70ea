import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUsHistogram, HIGHEST_TRACKABLE_US, recordClampedUs, summarize } from '../servers/histogram-summary.js';
import { createHistogram, decodeHistogram, recordUs } from '../load/meter/histogram.js';
import { HistogramSummarySchema } from '../load/results/results-schema.js';
import { Value } from '@sinclair/typebox/value';

test('histogram summary: the server (packed) and the load side (32-bit) summarize the same values alike, and decode each other', () => {
  const server = createUsHistogram('packed');
  const load = createHistogram();
  for (const us of [0, 1, 7, 250, 1_000, 40_000, HIGHEST_TRACKABLE_US * 2]) {
    recordClampedUs(server, us);
    recordUs(load, us);
  }
  const fromServer = summarize(server);
  assert.deepEqual(fromServer, summarize(load));
  assert.equal(fromServer.count, 7);
  assert.equal(fromServer.minUs, 1, 'below 1 µs is clamped to 1');
  assert.ok(fromServer.maxUs >= HIGHEST_TRACKABLE_US && fromServer.maxUs < HIGHEST_TRACKABLE_US * 1.001, 'above an hour is clamped to an hour');
  // Decoded, the percentiles are the same buckets (a decoded max is its bucket's highest value).
  const decoded = summarize(decodeHistogram(fromServer.histogram));
  assert.deepEqual([decoded.count, decoded.minUs, decoded.p50Us, decoded.p90Us, decoded.p99Us, decoded.histogram], [7, 1, fromServer.p50Us, fromServer.p90Us, fromServer.p99Us, fromServer.histogram], "the server's encoding decodes on the load side");
  assert.ok(Value.Check(HistogramSummarySchema, fromServer), 'the results schema accepts it as it is');
});

test('histogram summary: an empty histogram is all zeros and an empty encoding', () => {
  assert.deepEqual(summarize(createUsHistogram('packed')), { count: 0, minUs: 0, meanUs: 0, p50Us: 0, p90Us: 0, p99Us: 0, maxUs: 0, histogram: '' });
});
