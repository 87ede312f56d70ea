/**
 * `--repeat N`: one step measured N times, folded into one Measurement that compare (and the
 * report) read like any other, while the step keeps every repeat's own figures beside it.
 *
 * Why medians: a repeat that caught a GC pause or a noisy neighbour moves a mean (and a merged
 * histogram's p99) but not a median, and the noisy figures are what a regression gate trips on.
 *
 * What each field of the folded Measurement is:
 * - every number is the **median over repeats of that same field** (mean of the two middle values
 *   for an even N; integer fields rounded) — bytes, message counts, requests, durations, derived
 *   figures (bytes per message, Mbps, reach, …), server CPU and RSS, latency percentiles
 *   (minUs, meanUs, p50Us, p90Us, p99Us, maxUs) and connect / fan-out percentiles;
 * - except the **correctness counters and errors, which take the worst repeat** (lost,
 *   duplicated, outOfOrder, gapped, errors by kind, slowConsumersDropped: max; clientsConnected:
 *   min), so a loss in one repeat is never voted away by a median;
 * - **histograms are merged**: each summary's encoded `histogram` is the exact merge of every
 *   repeat's histogram and its `count` is the sum; its percentile fields are still the medians
 *   above, so decoding the histogram gives the pooled distribution, not those medians;
 * - generator: saturated if any repeat was; event-loop delay p99 / max take the worst repeat; its
 *   CPU figures are medians;
 * - server memory per connection and the capture's figures (TCP/IP layer) are medians of each
 *   field, present only when every repeat has them; dropped packets take the worst repeat;
 * - the wire sample is the first repeat's (every repeat speaks the same bytes).
 */
import { encodeHistogram, mergeEncoded } from './histogram.js';
import type {
  CapturedDirection,
  CapturedInterval,
  CaptureFigures,
  ConnectionMemory,
  DerivedFigures,
  GeneratorFigures,
  H2FrameBytes,
  HistogramSummary,
  IntervalFigures,
  Measurement,
  ServerFigures,
  StepResult,
} from '../results/results-schema.js';
import { H2_FRAME_KINDS } from '../results/results-schema.js';

/** Median of a non-empty list (mean of the two middle values for an even length). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const medianInt = (values: readonly number[]): number => Math.round(median(values));

/** Median of the non-null values; null when every repeat had none (e.g. nothing delivered). */
function medianOrNull(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? median(present) : null;
}

function foldHistogram(summaries: readonly HistogramSummary[]): HistogramSummary {
  const pick = (f: (s: HistogramSummary) => number) => median(summaries.map(f));
  return {
    count: summaries.reduce((acc, s) => acc + s.count, 0),
    minUs: pick((s) => s.minUs),
    meanUs: pick((s) => s.meanUs),
    p50Us: pick((s) => s.p50Us),
    p90Us: pick((s) => s.p90Us),
    p99Us: pick((s) => s.p99Us),
    maxUs: pick((s) => s.maxUs),
    histogram: encodeMerged(summaries.map((s) => s.histogram)),
  };
}

const encodeMerged = (encoded: readonly string[]): string => encodeHistogram(mergeEncoded(encoded));

function foldOptionalHistogram(summaries: readonly (HistogramSummary | undefined)[]): HistogramSummary | undefined {
  const present = summaries.filter((s): s is HistogramSummary => s !== undefined);
  return present.length ? foldHistogram(present) : undefined;
}

function worstErrors(all: readonly Record<string, number>[]): Record<string, number> {
  const worst: Record<string, number> = {};
  for (const errors of all) for (const [kind, n] of Object.entries(errors)) worst[kind] = Math.max(worst[kind] ?? 0, n);
  return worst;
}

function foldInterval(intervals: readonly IntervalFigures[]): IntervalFigures {
  const int = (f: (i: IntervalFigures) => number) => medianInt(intervals.map(f));
  const worst = (f: (i: IntervalFigures) => number) => Math.max(...intervals.map(f));
  const split = (f: (i: IntervalFigures) => IntervalFigures['bytes']['down']) => {
    const totalBytes = int((i) => f(i).totalBytes);
    const payloadBytes = Math.min(totalBytes, int((i) => f(i).payloadBytes));
    return { totalBytes, payloadBytes, overheadBytes: totalBytes - payloadBytes };
  };
  const endToEnd = foldOptionalHistogram(intervals.map((i) => i.endToEndLatency));
  const rtt = foldOptionalHistogram(intervals.map((i) => i.requestRtt));
  return {
    durationMs: median(intervals.map((i) => i.durationMs)),
    bytes: { down: split((i) => i.bytes.down), up: split((i) => i.bytes.up) },
    messages: {
      expected: int((i) => i.messages.expected),
      delivered: int((i) => i.messages.delivered),
      lost: worst((i) => i.messages.lost),
      duplicated: worst((i) => i.messages.duplicated),
      outOfOrder: worst((i) => i.messages.outOfOrder),
      gapped: worst((i) => i.messages.gapped),
    },
    requests: int((i) => i.requests),
    emptyResponses: int((i) => i.emptyResponses),
    latency: foldHistogram(intervals.map((i) => i.latency)),
    ...(endToEnd ? { endToEndLatency: endToEnd } : {}),
    ...(rtt ? { requestRtt: rtt } : {}),
    errors: worstErrors(intervals.map((i) => i.errors)),
    published: int((i) => i.published),
    ...(intervals.some((i) => i.preflight !== undefined)
      ? {
          preflight: {
            requests: int((i) => i.preflight?.requests ?? 0),
            upBytes: int((i) => i.preflight?.upBytes ?? 0),
            downBytes: int((i) => i.preflight?.downBytes ?? 0),
            cacheHits: int((i) => i.preflight?.cacheHits ?? 0),
          },
        }
      : {}),
    ...(intervals.some((i) => i.h2FrameBytes !== undefined)
      ? { h2FrameBytes: { down: frameKinds((i) => i.h2FrameBytes?.down, int), up: frameKinds((i) => i.h2FrameBytes?.up, int) } }
      : {}),
  };
}

/** HTTP/2 frame bytes, kind by kind, as every counter: the median of the repeats. */
function frameKinds(pick: (i: IntervalFigures) => H2FrameBytes | undefined, int: (f: (i: IntervalFigures) => number) => number): H2FrameBytes {
  return Object.fromEntries(H2_FRAME_KINDS.map((kind) => [kind, int((i) => pick(i)?.[kind] ?? 0)])) as H2FrameBytes;
}

function foldDerived(all: readonly DerivedFigures[]): DerivedFigures {
  const num = (f: (d: DerivedFigures) => number) => median(all.map(f));
  const opt = (f: (d: DerivedFigures) => number | null) => medianOrNull(all.map(f));
  return {
    bytesPerMessage: {
      down: opt((d) => d.bytesPerMessage.down),
      downPayload: opt((d) => d.bytesPerMessage.downPayload),
      downOverhead: opt((d) => d.bytesPerMessage.downOverhead),
      up: opt((d) => d.bytesPerMessage.up),
      upPerPublished: opt((d) => d.bytesPerMessage.upPerPublished),
    },
    bytesPerClientPerSec: { down: num((d) => d.bytesPerClientPerSec.down), up: num((d) => d.bytesPerClientPerSec.up) },
    mbps: { down: num((d) => d.mbps.down), up: num((d) => d.mbps.up), total: num((d) => d.mbps.total) },
    reach: opt((d) => d.reach),
    requestsPerMessage: opt((d) => d.requestsPerMessage),
    emptyResponseRatio: opt((d) => d.emptyResponseRatio),
  };
}

/** The per-field median of a figure every repeat has; undefined when any repeat lacks it. */
function everyRepeat<T>(all: readonly (T | undefined)[]): readonly T[] | undefined {
  return all.length > 0 && all.every((x) => x !== undefined) ? (all as readonly T[]) : undefined;
}

function foldMemory(all: readonly (ConnectionMemory | undefined)[]): ConnectionMemory | undefined {
  const memories = everyRepeat(all);
  if (!memories) return undefined;
  const num = (f: (m: ConnectionMemory) => number) => median(memories.map(f));
  const snapshot = (pick: (m: ConnectionMemory) => ConnectionMemory['before']) => ({
    heapUsedBytes: num((m) => pick(m).heapUsedBytes),
    externalBytes: num((m) => pick(m).externalBytes),
    rssBytes: num((m) => pick(m).rssBytes),
  });
  return {
    before: snapshot((m) => m.before),
    connected: snapshot((m) => m.connected),
    clients: medianInt(memories.map((m) => m.clients)),
    heapBytesPerConnection: medianOrNull(memories.map((m) => m.heapBytesPerConnection)),
    rssBytesPerConnection: medianOrNull(memories.map((m) => m.rssBytesPerConnection)),
  };
}

function foldCapture(all: readonly (CaptureFigures | undefined)[]): CaptureFigures | undefined {
  const captures = everyRepeat(all);
  if (!captures) return undefined;
  const int = (f: (c: CaptureFigures) => number) => medianInt(captures.map(f));
  const direction = (f: (c: CaptureFigures) => CapturedDirection): CapturedDirection => {
    const ipBytes = int((c) => f(c).ipBytes);
    const tcpPayloadBytes = Math.min(ipBytes, int((c) => f(c).tcpPayloadBytes));
    return { segments: int((c) => f(c).segments), ipBytes, tcpIpHeaderBytes: ipBytes - tcpPayloadBytes, tcpPayloadBytes, ackOnlySegments: int((c) => f(c).ackOnlySegments), retransmittedBytes: int((c) => f(c).retransmittedBytes ?? 0), afterCloseBytes: int((c) => f(c).afterCloseBytes ?? 0) };
  };
  const interval = (f: (c: CaptureFigures) => CapturedInterval): CapturedInterval => ({ down: direction((c) => f(c).down), up: direction((c) => f(c).up) });
  const num = (f: (c: CaptureFigures) => number) => median(captures.map(f));
  return {
    window: interval((c) => c.window),
    totals: interval((c) => c.totals),
    connections: int((c) => c.connections),
    excluded: { segments: int((c) => c.excluded.segments), ipBytes: int((c) => c.excluded.ipBytes) },
    droppedPackets: Math.max(...captures.map((c) => c.droppedPackets)),
    derived: {
      bytesPerMessage: {
        down: medianOrNull(captures.map((c) => c.derived.bytesPerMessage.down)),
        up: medianOrNull(captures.map((c) => c.derived.bytesPerMessage.up)),
      },
      mbps: { down: num((c) => c.derived.mbps.down), up: num((c) => c.derived.mbps.up), total: num((c) => c.derived.mbps.total) },
    },
  };
}

function foldGenerator(all: readonly GeneratorFigures[]): GeneratorFigures {
  const first = all[0]!;
  const cpu = everyRepeat(all.map((g) => (g.cpuUserUs === undefined || g.cpuSystemUs === undefined ? undefined : g)));
  return {
    workers: first.workers,
    eventLoopDelayP99Us: Math.max(...all.map((g) => g.eventLoopDelayP99Us)),
    eventLoopDelayMaxUs: Math.max(...all.map((g) => g.eventLoopDelayMaxUs)),
    thresholdUs: first.thresholdUs,
    saturated: all.some((g) => g.saturated),
    ...(cpu
      ? {
          cpuUserUs: median(cpu.map((g) => g.cpuUserUs!)),
          cpuSystemUs: median(cpu.map((g) => g.cpuSystemUs!)),
          cpuUsPerMessage: medianOrNull(cpu.map((g) => g.cpuUsPerMessage ?? null)),
          cpuUsPerRequest: medianOrNull(cpu.map((g) => g.cpuUsPerRequest ?? null)),
        }
      : {}),
  };
}

/** Null unless every repeat has server figures: a median over a subset would mix populations. */
function foldServer(all: readonly (ServerFigures | null)[]): ServerFigures | null {
  if (all.some((s) => s === null)) return null;
  const servers = all as readonly ServerFigures[];
  const num = (f: (s: ServerFigures) => number) => median(servers.map(f));
  const memory = foldMemory(servers.map((s) => s.memory));
  return {
    cpuUserUs: num((s) => s.cpuUserUs),
    cpuSystemUs: num((s) => s.cpuSystemUs),
    rssBytesStart: num((s) => s.rssBytesStart),
    rssBytesEnd: num((s) => s.rssBytesEnd),
    fanout: foldHistogram(servers.map((s) => s.fanout)),
    elu: num((s) => s.elu),
    slowConsumersDropped: Math.max(...servers.map((s) => s.slowConsumersDropped)),
    ...worstDrops(servers),
    connectionsAtEnd: medianInt(servers.map((s) => s.connectionsAtEnd)),
    ...(memory ? { memory } : {}),
  };
}

/** The optional drop counters: like slowConsumersDropped, the worst repeat (a drop must not be folded away); absent when no repeat had them. */
const DROP_COUNTERS = ['heartbeatTimeouts', 'stalledDropped', 'idleDropped', 'connectionsReset', 'pingFloodDropped'] as const;

function worstDrops(servers: readonly ServerFigures[]): Partial<Pick<ServerFigures, (typeof DROP_COUNTERS)[number]>> {
  const out: Partial<Pick<ServerFigures, (typeof DROP_COUNTERS)[number]>> = {};
  for (const key of DROP_COUNTERS) {
    const values = servers.map((s) => s[key]).filter((v): v is number => v !== undefined);
    if (values.length > 0) out[key] = Math.max(...values);
  }
  return out;
}

/** Folds a step's repeats into one Measurement (see the module comment for what each field is). */
export function medianMeasurement(repeats: readonly Measurement[]): Measurement {
  const first = repeats[0];
  if (!first) throw new Error('medianMeasurement: no repeats');
  if (repeats.length === 1) return first;
  const folded: Measurement = {
    clientsConnected: Math.min(...repeats.map((m) => m.clientsConnected)),
    connect: foldHistogram(repeats.map((m) => m.connect)),
    window: foldInterval(repeats.map((m) => m.window)),
    totals: foldInterval(repeats.map((m) => m.totals)),
    derived: foldDerived(repeats.map((m) => m.derived)),
    server: foldServer(repeats.map((m) => m.server)),
    generator: foldGenerator(repeats.map((m) => m.generator)),
    wire: first.wire,
  };
  const capture = foldCapture(repeats.map((m) => m.capture));
  // A fault's timeline does not fold into a median; the step shows the worst repeat's (slowest
  // recovery p99), every repeat keeps its own under `repeats`.
  const faults = repeats
    .map((m) => m.faults)
    .filter((f) => f !== undefined)
    .sort((a, b) => b.recovery.p99Us - a.recovery.p99Us)[0];
  return { ...folded, ...(capture ? { capture } : {}), ...(faults ? { faults } : {}) };
}

/**
 * Runs one step `times` times. Interrupted (undefined) → undefined; any failed repeat → that
 * failure (the step fails with its reason, noting which repeat); otherwise the folded medians
 * with every repeat kept.
 */
export async function repeatStep(times: number, runOnce: () => Promise<StepResult | undefined>): Promise<StepResult | undefined> {
  if (times <= 1) return runOnce();
  const repeats: Measurement[] = [];
  const notes: string[] = [];
  let first: StepResult | undefined;
  for (let i = 1; i <= times; i++) {
    const step = await runOnce();
    if (!step) return undefined;
    first ??= step;
    notes.push(...(step.notes ?? []).map((note) => `repeat ${i} of ${times}: ${note}`));
    const withNotes = notes.length > 0 ? { notes } : {};
    if (step.status === 'failed') return { ...step, startedAt: first.startedAt, reason: `repeat ${i} of ${times}: ${step.reason}`, ...withNotes };
    repeats.push(step.measurement);
  }
  const withNotes = notes.length > 0 ? { notes } : {};
  return { clients: first!.clients, startedAt: first!.startedAt, status: 'ok', measurement: medianMeasurement(repeats), repeats, ...withNotes };
}
