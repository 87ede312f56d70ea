/**
 * A fault step's figures from the workers' raw reports (exact merge: counters and ranges add,
 * histograms add) and the server's /stats sampled through the window: time to recover, what
 * was recovered and lost per bucket, and the reconnect storm against the steady state before it.
 */
import { mergeEncoded, summarize } from './histogram.js';
import type { FaultFigures, FaultKind, FaultTimeline, StretchRates } from '../results/results-schema.js';
import { mergeRanges, rangeLength } from './step-figures.js';
import type { WorkerReport } from '../run/worker-protocol.js';

/** One /stats sample: when (µs), which process (epoch), its CPU so far (µs). */
export interface CpuSample {
  atUs: number;
  epoch: string;
  cpuUs: number;
}

export interface InjectedFault {
  kind: FaultKind;
  atMs: number;
  durationMs: number;
  note: string;
}

export interface FaultInputs {
  reports: readonly WorkerReport[];
  clientsInWindow: number;
  windowStartUs: number;
  bucketMs: number;
  injected: readonly InjectedFault[];
  cpuSamples: readonly CpuSample[];
}

/** Server CPU per bucket: each pair of samples of one process spreads its CPU over the time between them. */
export function cpuPerBucket(samples: readonly CpuSample[], windowStartUs: number, bucketMs: number, buckets: number): Array<number | null> {
  const cpu: Array<number | null> = new Array<number | null>(buckets).fill(null);
  const bucketUs = bucketMs * 1000;
  const sorted = [...samples].sort((a, b) => a.atUs - b.atUs);
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    if (a.epoch !== b.epoch || b.atUs <= a.atUs) continue;
    const perUs = Math.max(0, b.cpuUs - a.cpuUs) / (b.atUs - a.atUs);
    for (let k = 0; k < buckets; k++) {
      const from = Math.max(a.atUs, windowStartUs + k * bucketUs);
      const to = Math.min(b.atUs, windowStartUs + (k + 1) * bucketUs);
      if (to > from) cpu[k] = (cpu[k] ?? 0) + (perUs * (to - from)) / 1000;
    }
  }
  return cpu;
}

function sumArrays(arrays: ReadonlyArray<readonly number[] | undefined>, length: number): number[] {
  const out = new Array<number>(length).fill(0);
  for (const array of arrays) array?.forEach((value, i) => i < length && (out[i] = (out[i] ?? 0) + value));
  return out;
}

export function mergeTimeline(inputs: FaultInputs, buckets: number): FaultTimeline {
  const timelines = inputs.reports.map((r) => r.timeline);
  const delivered = sumArrays(timelines.map((t) => t?.delivered), buckets);
  const recovered = sumArrays(timelines.map((t) => t?.recovered), buckets);
  const lost = delivered.map((d, b) => {
    const ranges = mergeRanges(timelines.map((t) => t?.seqRanges[b]));
    return Math.max(0, rangeLength(ranges) * inputs.clientsInWindow - d - (recovered[b] ?? 0));
  });
  return {
    bucketMs: inputs.bucketMs,
    delivered,
    recovered,
    lost,
    connects: sumArrays(inputs.reports.map((r) => r.wireTimeline?.connects), buckets),
    bytes: sumArrays(inputs.reports.map((r) => r.wireTimeline?.bytes), buckets),
    serverCpuMs: cpuPerBucket(inputs.cpuSamples, inputs.windowStartUs, inputs.bucketMs, buckets),
  };
}

/** Rates over buckets [from, to). */
function stretch(timeline: FaultTimeline, from: number, to: number): StretchRates {
  const seconds = ((to - from) * timeline.bucketMs) / 1000;
  const sum = (values: readonly number[]) => values.slice(from, to).reduce((a, b) => a + b, 0);
  const known = timeline.serverCpuMs.slice(from, to).filter((c): c is number => c !== null);
  return {
    fromMs: from * timeline.bucketMs,
    toMs: to * timeline.bucketMs,
    connectsPerSec: sum(timeline.connects) / seconds,
    bytesPerSec: sum(timeline.bytes) / seconds,
    // Over the buckets where it is known (a restarting or stalled server answers no /stats).
    serverCpuMsPerSec: known.length > 0 ? known.reduce((a, c) => a + c, 0) / ((known.length * timeline.bucketMs) / 1000) : null,
  };
}

export function buildFaultFigures(inputs: FaultInputs): FaultFigures {
  const spanBuckets = Math.max(1, ...inputs.reports.map((r) => r.timeline?.delivered.length ?? 0));
  const timeline = mergeTimeline(inputs, spanBuckets);
  const recovery = summarize(mergeEncoded(inputs.reports.map((r) => r.recovery ?? '')));
  const firstAtMs = Math.min(...inputs.injected.map((f) => f.atMs), Infinity);
  const firstBucket = Number.isFinite(firstAtMs) ? Math.min(spanBuckets - 1, Math.floor(firstAtMs / inputs.bucketMs)) : 0;
  // The storm: from the first fault until 99 % of the clients it hit had a message again.
  const stormEndMs = (Number.isFinite(firstAtMs) ? firstAtMs : 0) + recovery.p99Us / 1000;
  const stormEnd = Math.min(spanBuckets, Math.max(firstBucket + 1, Math.ceil(stormEndMs / inputs.bucketMs)));
  return {
    injected: [...inputs.injected],
    // Counted whenever they arrived: a client may come back only after the window closed.
    resets: inputs.reports.reduce((a, r) => a + r.totals.resets, 0),
    recovered: inputs.reports.reduce((a, r) => a + r.window.recovered, 0),
    recovery,
    unrecovered: inputs.reports.reduce((a, r) => a + (r.unrecovered ?? 0), 0),
    timeline,
    storm: stretch(timeline, firstBucket, stormEnd),
    steady: firstBucket > 0 ? stretch(timeline, 0, firstBucket) : null,
  };
}
