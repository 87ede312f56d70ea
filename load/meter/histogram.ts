/**
 * HDR histograms (hdr-histogram-js) for every latency we keep: integers in µs, 3 significant
 * digits, encoded in the HdrHistogram compressed-base64 interchange format so workers, repeats
 * and shards of a run merge exactly (bucket counts add; no averaging of percentiles).
 */
import * as hdr from 'hdr-histogram-js';
import type { HistogramSummary } from '../results/results-schema.js';

export type Histogram = hdr.Histogram;

/** One hour in µs: anything slower is clamped (and is a failed run anyway). */
const HIGHEST_TRACKABLE_US = 3_600_000_000;

export function createHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
    // Plain 32-bit buckets (~180 KB each) record several times faster than packed arrays, and a
    // worker keeps only a handful; JS (not WebAssembly) spares each worker a wasm instantiation.
    bitBucketSize: 32,
    useWebAssembly: false,
  });
}

/** Records a latency in µs, clamped to the trackable range (1 µs .. 1 h). */
export function recordUs(histogram: Histogram, valueUs: number): void {
  const v = Math.round(valueUs);
  histogram.recordValue(v < 1 ? 1 : v > HIGHEST_TRACKABLE_US ? HIGHEST_TRACKABLE_US : v);
}

export function encodeHistogram(histogram: Histogram): string {
  return histogram.totalCount === 0 ? '' : hdr.encodeIntoCompressedBase64(histogram);
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

export function summarize(histogram: Histogram): HistogramSummary {
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
