/**
 * The latency histograms both sides keep — the server's fan-out time (GET /stats) and the load
 * side's delivery, connect and recovery times — with one range and precision (µs, 1 µs .. 1 h, 3
 * significant digits), so a server's encoded snapshot decodes and merges on the load side without
 * conversion, and one summary shape (contract.ts `HistogramSummary`). Here, not in load/, because
 * servers/ imports nothing of load/; load/meter/histogram.ts builds on it.
 */
import * as hdr from 'hdr-histogram-js';
import type { HistogramSummary } from './contract.js';

/** One hour in µs: anything slower is clamped (and is a failed run anyway). */
export const HIGHEST_TRACKABLE_US = 3_600_000_000;

/**
 * A µs histogram of the shared range. `bitBucketSize`: plain 32-bit buckets (~180 KB each) record
 * several times faster, for the short-lived load workers that keep a handful; packed buckets are
 * smaller, for the server that keeps one for its whole life. JS, not WebAssembly: no wasm
 * instantiation per process.
 */
export function createUsHistogram(bitBucketSize: 32 | 'packed'): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_TRACKABLE_US, numberOfSignificantValueDigits: 3, bitBucketSize, useWebAssembly: false });
}

/** Records a whole number of µs, clamped to the trackable range (1 µs .. 1 h). */
export function recordClampedUs(histogram: hdr.Histogram, wholeUs: number): void {
  histogram.recordValue(wholeUs < 1 ? 1 : wholeUs > HIGHEST_TRACKABLE_US ? HIGHEST_TRACKABLE_US : wholeUs);
}

/** The HdrHistogram compressed-base64 interchange format; '' when empty. */
export function encodeHistogram(histogram: hdr.Histogram): string {
  return histogram.totalCount === 0 ? '' : hdr.encodeIntoCompressedBase64(histogram);
}

/** Count, min, mean, p50, p90, p99, max (0 where an empty histogram has none) and the encoded histogram. */
export function summarize(histogram: hdr.Histogram): HistogramSummary {
  const empty = histogram.totalCount === 0;
  return {
    count: histogram.totalCount,
    minUs: empty ? 0 : histogram.minNonZeroValue,
    meanUs: empty ? 0 : histogram.mean,
    p50Us: histogram.getValueAtPercentile(50),
    p90Us: histogram.getValueAtPercentile(90),
    p99Us: histogram.getValueAtPercentile(99),
    maxUs: empty ? 0 : histogram.maxValue,
    histogram: encodeHistogram(histogram),
  };
}
