/**
 * Turns the workers' raw reports (and the server's /stats before and after the window) into one
 * step's Measurement. The merge is exact — counters add, HDR histograms add bucket by bucket —
 * so the same code serves workers on one machine and shards of a run on several.
 */
import type { RawInterval } from './delivery-tracker.js';
import type { CheckedStats } from '../run/target-answers.js';
import { mergeEncoded, subtractEncoded, summarize } from './histogram.js';
import type {
  ConnectionMemory,
  IntervalFigures,
  Measurement,
  PreflightFigures,
  ServerFigures,
  WireSample,
} from '../results/results-schema.js';
import type { WireCountersPair, WorkerReport } from '../run/worker-protocol.js';
import { deriveWindowFigures, generatorCpuFigures, perOrNull } from '../results/figure-registry.js';
import { addFrameCounts, emptyFrameCounts } from '../clients/h2-frames.js';

export interface StepInputs {
  reports: readonly WorkerReport[];
  statsStart: CheckedStats | null;
  statsEnd: CheckedStats | null;
  /** /stats?gc=1 just before the clients connected and once they were, with the clients then connected. */
  memory?: { before: MemoryStats | null; connected: MemoryStats | null; clients: number };
  /** Event-loop delay p99 above which a worker counts as saturated, µs. */
  loopDelayThresholdUs: number;
  /** A cross-origin run: every interval says how many preflights it had, even none. */
  crossOrigin?: boolean;
}

function addErrors(into: Record<string, number>, from: Record<string, number>): void {
  for (const [kind, n] of Object.entries(from)) into[kind] = (into[kind] ?? 0) + n;
}

/** Exact merge of one interval across workers. `expectedOverride` replaces the summed `expected`. */
export function mergeIntervals(
  raws: readonly RawInterval[],
  wire: readonly WireCountersPair[],
  durationMs: number,
  expectedOverride?: number,
  /** Cross-origin runs: split the preflights out (IntervalFigures.preflight), zeros included. */
  withPreflight = raws.some((r) => r.preflights + r.preflightCacheHits > 0),
): IntervalFigures {
  const sum = (pick: (r: RawInterval) => number) => raws.reduce((acc, r) => acc + pick(r), 0);
  const errors: Record<string, number> = {};
  for (const r of raws) addErrors(errors, r.errors);
  const down = wire.reduce((acc, w) => acc + w.readBytes, 0);
  const up = wire.reduce((acc, w) => acc + w.writtenBytes, 0);
  const payloadDown = Math.min(down, sum((r) => r.payloadDownBytes));
  const payloadUp = Math.min(up, sum((r) => r.payloadUpBytes));
  const delivered = sum((r) => r.delivered);
  const expected = expectedOverride ?? sum((r) => r.expected);
  const gapped = sum((r) => r.gapped);
  const endToEnd = mergeEncoded(raws.map((r) => r.endToEndLatency));
  const rtt = mergeEncoded(raws.map((r) => r.requestRtt));
  return {
    durationMs,
    bytes: {
      down: { totalBytes: down, payloadBytes: payloadDown, overheadBytes: down - payloadDown },
      up: { totalBytes: up, payloadBytes: payloadUp, overheadBytes: up - payloadUp },
    },
    messages: {
      expected,
      delivered,
      lost: Math.max(0, expected - delivered),
      duplicated: sum((r) => r.duplicated),
      outOfOrder: sum((r) => r.outOfOrder),
      gapped,
    },
    requests: sum((r) => r.requests),
    emptyResponses: sum((r) => r.emptyResponses),
    latency: summarize(mergeEncoded(raws.map((r) => r.latency))),
    ...(endToEnd.totalCount > 0 ? { endToEndLatency: summarize(endToEnd) } : {}),
    ...(rtt.totalCount > 0 ? { requestRtt: summarize(rtt) } : {}),
    errors,
    published: sum((r) => r.published),
    ...(withPreflight ? { preflight: preflightFigures(raws) } : {}),
    ...frameBytes(wire),
  };
}

/** HTTP/2 runs: the workers' frame bytes by kind, summed (absent when no worker had any). */
function frameBytes(wire: readonly WireCountersPair[]): Pick<IntervalFigures, 'h2FrameBytes'> {
  const counted = wire.flatMap((w) => (w.h2FrameBytes === undefined ? [] : [w.h2FrameBytes]));
  return counted.length === 0 ? {} : { h2FrameBytes: counted.reduce((sum, c) => addFrameCounts(sum, c), emptyFrameCounts()) };
}

function preflightFigures(raws: readonly RawInterval[]): PreflightFigures {
  const sum = (pick: (r: RawInterval) => number) => raws.reduce((acc, r) => acc + pick(r), 0);
  return {
    requests: sum((r) => r.preflights),
    upBytes: sum((r) => r.preflightUpBytes),
    downBytes: sum((r) => r.preflightDownBytes),
    cacheHits: sum((r) => r.preflightCacheHits),
  };
}

/**
 * Messages every window client should have received: the seq range published in the window
 * times the clients held to the window. The range is the union of what any client saw (seq has
 * no holes, so a message inside it that one client missed is that client's loss). Only when no
 * client saw anything does the server's own count stand in: its /stats snapshots are taken a
 * little after the window edges, so it may be off by a message at either end.
 */
export function windowExpected(raws: readonly RawInterval[], clientsInWindow: number, serverSeqRange: number | null): number {
  const seen = raws.filter((r) => r.minSeq >= 0);
  let clientRange = seen.length
    ? Math.max(...seen.map((r) => r.maxSeq)) - Math.min(...seen.map((r) => r.minSeq)) + 1
    : 0;
  // After a server restart seqs start over in a new epoch: each epoch's range counts on its own.
  clientRange += rangeLength(mergeRanges(raws.map((r) => r.laterEpochs)));
  return (clientRange > 0 ? clientRange : Math.max(0, serverSeqRange ?? 0)) * clientsInWindow;
}

/** Union of per-epoch seq ranges, epoch by epoch. */
export function mergeRanges(sets: ReadonlyArray<Readonly<Record<string, [number, number]>> | undefined>): Record<string, [number, number]> {
  const merged: Record<string, [number, number]> = {};
  for (const set of sets) {
    for (const [epoch, [min, max]] of Object.entries(set ?? {})) {
      const range = merged[epoch];
      if (range === undefined) merged[epoch] = [min, max];
      else {
        range[0] = Math.min(range[0], min);
        range[1] = Math.max(range[1], max);
      }
    }
  }
  return merged;
}

/** Messages in a set of ranges (each inclusive). */
export function rangeLength(ranges: Readonly<Record<string, [number, number]>>): number {
  return Object.values(ranges).reduce((sum, [min, max]) => sum + (max - min + 1), 0);
}

/** Throws if a fan-out histogram is not a valid encoding (a target's /stats is untrusted). */
function withMemory(server: ServerFigures | null, memory: ConnectionMemory | undefined): ServerFigures | null {
  return server && memory ? { ...server, memory } : server;
}

export function serverFigures(start: CheckedStats | null, end: CheckedStats | null): ServerFigures | null {
  if (!start || !end) return null;
  const fanout = subtractEncoded(end.fanout.histogram, start.fanout.histogram);
  return {
    cpuUserUs: Math.max(0, end.cpu.userUs - start.cpu.userUs),
    cpuSystemUs: Math.max(0, end.cpu.systemUs - start.cpu.systemUs),
    rssBytesStart: start.rssBytes,
    rssBytesEnd: end.rssBytes,
    fanout: summarize(fanout),
    elu: end.elu,
    slowConsumersDropped: Math.max(0, end.slowConsumersDropped - start.slowConsumersDropped),
    connectionsAtEnd: Object.values(end.connections).reduce((a, b) => a + b, 0),
    ...counterDelta('heartbeatTimeouts', start.heartbeatTimeouts, end.heartbeatTimeouts),
    ...counterDelta('stalledDropped', start.stalledDropped, end.stalledDropped),
    ...counterDelta('idleDropped', start.idleDropped, end.idleDropped),
    ...counterDelta('connectionsReset', start.connectionsReset, end.connectionsReset),
    ...counterDelta('pingFloodDropped', start.pingFloodDropped, end.pingFloodDropped),
  };
}

/** An optional /stats counter over the window: present only when the server reports it at both edges. */
function counterDelta<K extends string>(key: K, start: number | undefined, end: number | undefined): Partial<Record<K, number>> {
  return start === undefined || end === undefined ? {} : ({ [key]: Math.max(0, end - start) } as Record<K, number>);
}

/** The memory fields of a /stats answer (the checked shape, or the contract's). */
export interface MemoryStats {
  heapUsedBytes?: number;
  externalBytes?: number;
  rssBytes: number;
  gc?: boolean;
}

/**
 * Memory per client connection from two post-GC snapshots of one step: before its clients
 * connected and once they all were. Undefined unless both snapshots followed a GC and carry the
 * heap figures — without a GC the difference is mostly garbage, and could be negative.
 */
export function connectionMemory(before: MemoryStats | null, connected: MemoryStats | null, clients: number): ConnectionMemory | undefined {
  const snapshot = (s: MemoryStats | null) =>
    s?.gc === true && s.heapUsedBytes !== undefined ? { heapUsedBytes: s.heapUsedBytes, externalBytes: s.externalBytes ?? 0, rssBytes: s.rssBytes } : undefined;
  const [b, c] = [snapshot(before), snapshot(connected)];
  if (!b || !c) return undefined;
  return {
    before: b,
    connected: c,
    clients,
    heapBytesPerConnection: perOrNull(c.heapUsedBytes + c.externalBytes - (b.heapUsedBytes + b.externalBytes), clients),
    rssBytesPerConnection: perOrNull(c.rssBytes - b.rssBytes, clients),
  };
}

/** The first worker's sample is as good as any: every client of a step speaks the same bytes. */
function pickWireSample(reports: readonly WorkerReport[]): WireSample {
  const withRequests = reports.find((r) => r.wire.requestBytes > 0);
  return (withRequests ?? reports[0])!.wire;
}

export function buildMeasurement(inputs: StepInputs): Measurement {
  const { reports, statsStart, statsEnd } = inputs;
  const clientsInWindow = reports.reduce((a, r) => a + r.clientsInWindow, 0);
  const clientsConnected = reports.reduce((a, r) => a + r.clientsConnected, 0);
  const windowMs = Math.max(0, ...reports.map((r) => r.windowMs));
  const totalsMs = Math.max(0, ...reports.map((r) => r.totalsMs));
  const serverSeqRange = statsStart && statsEnd ? statsEnd.seq - statsStart.seq : null;
  const expected = windowExpected(reports.map((r) => r.window), clientsInWindow, serverSeqRange);
  const preflight = inputs.crossOrigin === true ? true : undefined;
  const window = mergeIntervals(reports.map((r) => r.window), reports.map((r) => r.wireWindow), windowMs, expected, preflight);
  const totals = mergeIntervals(reports.map((r) => r.totals), reports.map((r) => r.wireTotals), totalsMs, undefined, preflight);
  const cpuUserUs = reports.reduce((a, r) => a + r.cpuWindow.userUs, 0);
  const cpuSystemUs = reports.reduce((a, r) => a + r.cpuWindow.systemUs, 0);
  const loopP99 = Math.max(0, ...reports.map((r) => r.eventLoopDelayP99Us));
  const loopMax = Math.max(0, ...reports.map((r) => r.eventLoopDelayMaxUs));
  return {
    clientsConnected,
    clientsInWindow,
    connect: summarize(mergeEncoded(reports.map((r) => r.connect))),
    window,
    totals,
    derived: deriveWindowFigures(window, clientsInWindow),
    server: withMemory(serverFigures(statsStart, statsEnd), inputs.memory && connectionMemory(inputs.memory.before, inputs.memory.connected, inputs.memory.clients)),
    generator: {
      workers: reports.length,
      eventLoopDelayP99Us: loopP99,
      eventLoopDelayMaxUs: loopMax,
      thresholdUs: inputs.loopDelayThresholdUs,
      saturated: loopP99 > inputs.loopDelayThresholdUs,
      ...generatorCpuFigures(cpuUserUs, cpuSystemUs, window),
    },
    wire: pickWireSample(reports),
  };
}
