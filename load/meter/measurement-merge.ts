/**
 * Exact merge of one step's Measurements from shards of a run (`wirebench merge`): counters add,
 * HDR histograms add bucket by bucket (then percentiles are read from the sum), derived figures
 * are computed again by the one definition (the results model's `deriveWindowFigures`) — the same rules by
 * which a step's workers are merged on one machine. Pure: no I/O.
 *
 * What is not summed: the server's figures (read once per step by shard 1, so they are taken from
 * the first part that has them, never added N times); the wire sample (every client speaks the
 * same bytes); the clock (each shard's own offset, kept per shard); capture and fault figures
 * (per host; kept per shard).
 */
import { mergeEncoded, summarize } from './histogram.js';
import type { GeneratorFigures, HistogramSummary, IntervalFigures, Measurement, PreflightFigures } from '../results/results-schema.js';
import { deriveWindowFigures, generatorCpuFigures } from '../results/figure-registry.js';
import { addFrameCounts, emptyFrameCounts } from '../clients/h2-frames.js';

/** The exact merge of histogram summaries (their encoded histograms). */
export function mergeSummaries(parts: readonly HistogramSummary[]): HistogramSummary {
  return summarize(mergeEncoded(parts.map((p) => p.histogram)));
}

const sum = <T>(parts: readonly T[], pick: (p: T) => number): number => parts.reduce((acc, p) => acc + pick(p), 0);

function mergeOptional(parts: readonly (HistogramSummary | undefined)[]): HistogramSummary | undefined {
  const present = parts.filter((p): p is HistogramSummary => p !== undefined);
  return present.length > 0 ? mergeSummaries(present) : undefined;
}

/** One interval (window or totals) of several shards, measured over the same wall-clock time. */
export function mergeIntervalFigures(parts: readonly IntervalFigures[]): IntervalFigures {
  const errors: Record<string, number> = {};
  for (const p of parts) for (const [kind, n] of Object.entries(p.errors)) errors[kind] = (errors[kind] ?? 0) + n;
  const bytes = (dir: 'down' | 'up') => ({
    totalBytes: sum(parts, (p) => p.bytes[dir].totalBytes),
    payloadBytes: sum(parts, (p) => p.bytes[dir].payloadBytes),
    overheadBytes: sum(parts, (p) => p.bytes[dir].overheadBytes),
  });
  const preflights = parts.map((p) => p.preflight).filter((p): p is PreflightFigures => p !== undefined);
  const endToEnd = mergeOptional(parts.map((p) => p.endToEndLatency));
  const rtt = mergeOptional(parts.map((p) => p.requestRtt));
  const frames = parts.flatMap((p) => (p.h2FrameBytes === undefined ? [] : [p.h2FrameBytes]));
  return {
    // The shards' windows are one wall-clock interval: its length, not their sum.
    durationMs: Math.max(0, ...parts.map((p) => p.durationMs)),
    bytes: { down: bytes('down'), up: bytes('up') },
    messages: {
      expected: sum(parts, (p) => p.messages.expected),
      delivered: sum(parts, (p) => p.messages.delivered),
      lost: sum(parts, (p) => p.messages.lost),
      duplicated: sum(parts, (p) => p.messages.duplicated),
      outOfOrder: sum(parts, (p) => p.messages.outOfOrder),
      gapped: sum(parts, (p) => p.messages.gapped),
    },
    requests: sum(parts, (p) => p.requests),
    emptyResponses: sum(parts, (p) => p.emptyResponses),
    latency: mergeSummaries(parts.map((p) => p.latency)),
    ...(endToEnd ? { endToEndLatency: endToEnd } : {}),
    ...(rtt ? { requestRtt: rtt } : {}),
    errors,
    published: sum(parts, (p) => p.published),
    ...(preflights.length > 0
      ? {
          preflight: {
            requests: sum(preflights, (p) => p.requests),
            upBytes: sum(preflights, (p) => p.upBytes),
            downBytes: sum(preflights, (p) => p.downBytes),
            cacheHits: sum(preflights, (p) => p.cacheHits),
          },
        }
      : {}),
    ...(frames.length > 0 ? { h2FrameBytes: frames.reduce((acc, f) => addFrameCounts(acc, f), emptyFrameCounts()) } : {}),
  };
}

function mergeGenerator(parts: readonly GeneratorFigures[], window: IntervalFigures): GeneratorFigures {
  const withCpu = parts.every((p) => p.cpuUserUs !== undefined && p.cpuSystemUs !== undefined);
  const cpuUserUs = sum(parts, (p) => p.cpuUserUs ?? 0);
  const cpuSystemUs = sum(parts, (p) => p.cpuSystemUs ?? 0);
  return {
    workers: sum(parts, (p) => p.workers),
    eventLoopDelayP99Us: Math.max(...parts.map((p) => p.eventLoopDelayP99Us)),
    eventLoopDelayMaxUs: Math.max(...parts.map((p) => p.eventLoopDelayMaxUs)),
    thresholdUs: Math.max(...parts.map((p) => p.thresholdUs)),
    // The merged step is generator-saturated if any shard was.
    saturated: parts.some((p) => p.saturated),
    ...(withCpu
? generatorCpuFigures(cpuUserUs, cpuSystemUs, window) : {}),
  };
}

/** Shards' measurements of one step, in shard order (shard 1 first: its server figures are the step's). */
export function mergeMeasurements(parts: readonly Measurement[]): Measurement {
  const [first] = parts;
  if (!first) throw new Error('mergeMeasurements needs at least one measurement');
  const window = mergeIntervalFigures(parts.map((p) => p.window));
  const clientsInWindow = sum(parts, (p) => p.clientsInWindow ?? p.clientsConnected);
  return {
    clientsConnected: sum(parts, (p) => p.clientsConnected),
    clientsInWindow,
    connect: mergeSummaries(parts.map((p) => p.connect)),
    window,
    totals: mergeIntervalFigures(parts.map((p) => p.totals)),
    derived: deriveWindowFigures(window, clientsInWindow),
    server: parts.find((p) => p.server !== null)?.server ?? null,
    generator: mergeGenerator(parts.map((p) => p.generator), window),
    wire: first.wire,
  };
}
