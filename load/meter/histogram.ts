/**
 * HDR histograms (hdr-histogram-js) for every latency we keep: integers in µs, 3 significant
 * digits, encoded in the HdrHistogram compressed-base64 interchange format so workers, repeats
 * and shards of a run merge exactly (bucket counts add; no averaging of percentiles).
 */
import * as hdr from 'hdr-histogram-js';
import { createUsHistogram, encodeHistogram, recordClampedUs, summarize } from '../../servers/histogram-summary.js';

/** The summary and encoding are the server's too (servers/histogram-summary.ts): one shape, one range. */
export { encodeHistogram, summarize };

export type Histogram = hdr.Histogram;

/** Plain 32-bit buckets: a worker keeps only a handful and records into them at every message. */
export function createHistogram(): Histogram {
  return createUsHistogram(32);
}

/** Records a latency in µs (rounded), clamped to the trackable range (1 µs .. 1 h). */
export function recordUs(histogram: Histogram, valueUs: number): void {
  recordClampedUs(histogram, Math.round(valueUs));
}

export function decodeHistogram(encoded: string): Histogram {
  const histogram = createHistogram();
  if (encoded !== '') histogram.add(hdr.decodeFromCompressedBase64(encoded, 32, false));
  return histogram;
}

/** Exact merge of encoded histograms (workers, repeats, shards). */
export function mergeEncoded(encoded: readonly string[]): Histogram {
  const merged = createHistogram();
  for (const e of encoded) if (e !== '') merged.add(decodeHistogram(e));
  return merged;
}

/** `later − earlier` of two cumulative snapshots (e.g. a server's fan-out histogram over a window). */
export function subtractEncoded(later: string, earlier: string): Histogram {
  const result = decodeHistogram(later);
  if (earlier !== '') result.subtract(decodeHistogram(earlier));
  return result;
}
