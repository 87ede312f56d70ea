/**
 * The results model's figures: every number wirebench shows, defined once — its name, unit, the
 * layer its bytes are counted at, whether it covers the measured window or the whole step, its
 * kind (deterministic / noisy / must stay zero / shown only), how it is read from a measurement,
 * how `--repeat` folds it, where it is shown and, for the figures compare gates, its default
 * threshold. The end table (scripts/bench-progress.ts), the HTML report and the Markdown
 * (reports/tables.ts, reports/figures.ts), the CSV of steps, `--threshold` (reports/thresholds.ts)
 * and compare (reports/compare.ts) all list their figures from here, and load/ derives a step's
 * stored figures with the same helpers, so the same step shows the same number under the same
 * name everywhere.
 *
 * Adding a figure is one entry in DEFINITIONS: its `views` put it in the tables, its `gate` in
 * compare (with a flag-free default threshold), its `read` everywhere.
 *
 * Pure module (the results schema and the wire contract only): load/, reports/ and scripts/ read it.
 */
import type { TransportName } from '../../servers/contract.js';
import { H2_CONTROL_FRAME_KINDS, H2_FRAME_KINDS, protocolUsesHttp2, type CapturedDirection, type DerivedFigures, type GeneratorFigures, type H2FrameKind, type IntervalFigures, type Measurement, type ResultsDocument, type RunConfig } from './results-schema.js';
import { runVariants } from './run-variants.js';

/** The window is the measured window; the step is first connect to last close (ramp, warm-up, teardown). */
export type FigureScope = 'window' | 'step';

/**
 * deterministic: fixed by what goes on the wire for a configuration (moves only when the code
 * does); noisy: timings and CPU; zero: must stay 0; info: shown, never gated.
 */
export type FigureKind = 'deterministic' | 'noisy' | 'zero' | 'info';

/** The kinds compare can gate on (an `info` figure is never gated). */
export type GatedKind = Exclude<FigureKind, 'info'>;

/** Which layer a byte figure counts: the message texts, the TCP socket (HTTP / WebSocket framing included), or IP (TCP/IP headers too). */
export const FIGURE_LAYERS = ['payload', 'socket', 'ip'] as const;
export type FigureLayer = (typeof FIGURE_LAYERS)[number];

/** `ratio`: a plain number that is not a count (requests per message), written with three significant digits. */
export type FigureUnit = 'B' | 'us' | 'Mbps' | 'count' | 'fraction' | 'ratio';

/**
 * Where a figure is shown, in DEFINITIONS order:
 * - steps: the end table of `bench`, the report's "Every step" table and the CSV of steps;
 * - capture: the end table's TCP/IP layer (runs with `--capture`);
 * - costs: the report's bytes-by-direction, CPU and memory table;
 * - progress: the line `bench` prints as each step ends;
 * - h2: the end table's and the report's HTTP/2 frames table (runs over h2 or h2c);
 * - correctness: the report's correctness and errors table (plain values, no spread);
 * - faults: the report's "when connections break" table, for the steps a fault hit (plain values).
 * Compare's rows are the figures with a `gate`.
 */
export const FIGURE_VIEWS = ['steps', 'capture', 'costs', 'progress', 'h2', 'correctness', 'faults'] as const;
export type FigureView = (typeof FIGURE_VIEWS)[number];

/**
 * How `--repeat N` folds a figure. load/repeat-median.ts folds the measurement field by field
 * (medians, the worst repeat for correctness counters) and the figure is read from the result:
 * - median: the figure is a field of its own, so it is the median of the repeats' figures;
 * - worst: the largest of the repeats' figures (a loss in one repeat is never voted away);
 * - reread: read again from the folded fields (a ratio of medians: bytes ÷ messages, each the
 *   median over repeats), so numerator and denominator stay from the same folded step.
 * Shards of one run (issue 10) merge the raw counters exactly and every figure is read afresh.
 */
export type FigureFold = 'median' | 'worst' | 'reread';

/** A default threshold of compare, in the figure's unit (reports/compare-thresholds.ts `Threshold`). */
export interface FigureThreshold {
  kind: GatedKind;
  /** Relative tolerance as a fraction (0.01 = 1 %). Ignored for `zero`. */
  tolerance: number;
  /** Absolute noise floor in the figure's unit; a change must exceed it too. */
  floor: number;
}

/** Compare's default threshold for a gated figure (its kind is the figure's), and where a transport differs. */
export interface FigureGate {
  tolerance: number;
  floor: number;
  transports?: Partial<Record<TransportName, FigureThreshold>>;
}

export interface FigureDefinition {
  /** The name every table, report and compare shows, scope included where a sibling has the other scope. */
  name: string;
  unit: FigureUnit;
  layer: FigureLayer | null;
  scope: FigureScope;
  kind: FigureKind;
  /** One sentence: what the number is. */
  definition: string;
  /** Measured, or modelled from measured figures (said wherever the figure is shown). */
  source?: 'modelled';
  fold: FigureFold;
  /** Where it is shown (none: read by the report's charts and headline, and by `--threshold`). */
  views: readonly FigureView[];
  /** Shown in its views only for runs that have it (e.g. a capture); default: always. */
  shownFor?: (doc: ResultsDocument) => boolean;
  /** Compare gates it with this default threshold (every one a flag or a transport's exception). */
  gate?: FigureGate;
  /**
   * The figure for one measurement (a step, or one repeat); null when it has none (nothing
   * delivered, no server stats, no capture, or — for a figure that needs it — no configuration).
   */
  read(m: Measurement, clients?: number, config?: RunConfig): number | null;
}

/** The one division of every per-message (and per-request) figure: null when there is nothing to divide by. */
export const perOrNull = (numerator: number, denominator: number): number | null => (denominator > 0 ? numerator / denominator : null);

/**
 * The bytes the run's header profile adds to every request beyond what the transport itself needs:
 * its header lines, `name: value` + CRLF each (0 for the minimal profile, which adds none).
 */
export function requestHeaderBytes(config: RunConfig): number {
  return config.headers.headers.reduce((sum, [name, value]) => sum + Buffer.byteLength(`${name}: ${value}\r\n`, 'latin1'), 0);
}

/** Whether any step of the run counted HTTP/2 frames (a run over h2 or h2c). */
export function hasH2Frames(doc: ResultsDocument): boolean {
  return doc.results.some((r) => r.steps.some((step) => step.measurement?.window.h2FrameBytes !== undefined));
}

/** Whether any step's wire sample has a connection's opening apart: a TLS handshake or an HTTP/2 preface. */
function hasHandshakes(doc: ResultsDocument): boolean {
  return doc.results.some((r) => r.steps.some((step) => step.measurement?.wire.tlsHandshakeDownBytes !== undefined || step.measurement?.wire.h2PrefaceDownBytes !== undefined));
}

/** Whether any step's wire sample has a polling connection's first and later exchanges. */
function hasExchangeHeads(doc: ResultsDocument): boolean {
  return doc.results.some((r) => r.steps.some((step) => step.measurement?.wire.firstExchangeHeadBytes !== undefined));
}

/** Whether any step of the run carries a packet capture's figures. */
export function hasCapture(doc: ResultsDocument): boolean {
  return doc.results.some((r) => r.steps.some((step) => step.measurement?.capture !== undefined));
}

type Bytes = IntervalFigures['bytes'];
/** Both directions of an interval's socket bytes, or one part of them. */
const bothWays = (b: Bytes, part: keyof Bytes['down']) => b.down[part] + b.up[part];
/** One interval's bytes per delivered message. */
const perDelivered = (w: IntervalFigures, bytes: number) => perOrNull(bytes, w.messages.delivered);
/** Decimal megabits a second over an interval. */
const mbpsOver = (w: IntervalFigures, bytes: number) => perOrNull(bytes * 8, (w.durationMs / 1000) * 1e6);
/**
 * The load workers' CPU per delivered message and per request in the window, as the server's CPU
 * is read: the generator's own cost, to tell a measurement of the server from one of the load generator.
 */
export function generatorCpuFigures(cpuUserUs: number, cpuSystemUs: number, window: IntervalFigures): Required<Pick<GeneratorFigures, 'cpuUserUs' | 'cpuSystemUs' | 'cpuUsPerMessage' | 'cpuUsPerRequest'>> {
  return {
    cpuUserUs,
    cpuSystemUs,
    cpuUsPerMessage: perOrNull(cpuUserUs + cpuSystemUs, window.messages.delivered),
    cpuUsPerRequest: perOrNull(cpuUserUs + cpuSystemUs, window.requests),
  };
}

const serverCpuUs = (m: Measurement): number | null => (m.server ? m.server.cpuUserUs + m.server.cpuSystemUs : null);

/**
 * The figures load/ stores with each measurement (`derived`), from the measured window: the same
 * divisions the registry's figures use, for every transport — for a step's workers merged on one
 * machine (load/meter/step-figures.ts) and for shards merged across machines
 * (load/meter/measurement-merge.ts) alike.
 */
export function deriveWindowFigures(window: IntervalFigures, clients: number): DerivedFigures {
  const seconds = window.durationMs / 1000;
  const { down, up } = window.bytes;
  return {
    bytesPerMessage: {
      down: perDelivered(window, down.totalBytes),
      downPayload: perDelivered(window, down.payloadBytes),
      downOverhead: perDelivered(window, down.overheadBytes),
      up: perDelivered(window, up.totalBytes),
      upPerPublished: perOrNull(up.totalBytes, window.published),
    },
    bytesPerClientPerSec: {
      down: perOrNull(down.totalBytes, clients * seconds) ?? 0,
      up: perOrNull(up.totalBytes, clients * seconds) ?? 0,
    },
    mbps: {
      down: mbpsOver(window, down.totalBytes) ?? 0,
      up: mbpsOver(window, up.totalBytes) ?? 0,
      total: mbpsOver(window, bothWays(window.bytes, 'totalBytes')) ?? 0,
    },
    reach: perOrNull(window.messages.delivered, window.messages.expected),
    requestsPerMessage: perOrNull(window.requests, window.messages.delivered),
    emptyResponseRatio: perOrNull(window.emptyResponses, window.requests),
  };
}

const inWindow = { scope: 'window' } as const;
const socket = { layer: 'socket' } as const;
const none = { layer: null } as const;

/** A window figure of socket bytes per delivered message, down, up or both, total or one part. */
function bytesPerMessageFigure(name: string, definition: string, direction: 'down' | 'up' | 'both', part: keyof Bytes['down'], views: readonly FigureView[] = []): FigureDefinition {
  const bytes = (b: Bytes) => (direction === 'both' ? bothWays(b, part) : b[direction][part]);
  return { name, unit: 'B', ...(part === 'payloadBytes' ? { layer: 'payload' } : socket), ...inWindow, kind: 'info', definition, fold: 'reread', views, read: (m) => perDelivered(m.window, bytes(m.window.bytes)) };
}

/**
 * A percentile of the clients' connect time: from a client's start, before its TCP connect, to its
 * first answer or the first byte of its stream — so the TLS handshake, the WebSocket upgrade or
 * HTTP/2 preface and the first request are in, per transport and protocol. Not gated: on a shared
 * machine it mostly measures the connect queue (the ramp's pace and the accept backlog).
 */
function connectFigure(name: string, percentile: 'p50Us' | 'p99Us') {
  return {
    name,
    unit: 'us',
    ...none,
    scope: 'step',
    kind: 'info',
    definition: `${percentile === 'p50Us' ? 'Median' : '99th percentile'} over the step's clients of the time from a client's start (before its TCP connect) to its first answer or first byte of its stream: TCP and TLS handshakes, the WebSocket upgrade or HTTP/2 preface, the first request (a client joining a shared HTTP/2 connection makes no handshake).`,
    fold: 'median',
    views: ['costs'],
    read: (m: Measurement) => (m.connect.count > 0 ? m.connect[percentile] : null),
  } as const satisfies FigureDefinition;
}

/**
 * A percentile of the window's delivery latency, gated as noise: the 5 ms floor is what p99 wanders
 * between two identical loopback runs on a busy two-core machine.
 */
function latencyFigure(name: string, definition: string, percentile: 'p50Us' | 'p99Us', views: readonly FigureView[]) {
  return {
    name,
    unit: 'us',
    ...none,
    ...inWindow,
    kind: 'noisy',
    definition,
    fold: 'median',
    views,
    gate: { tolerance: 0.25, floor: 5_000 },
    read: (m: Measurement) => (m.window.latency.count > 0 ? m.window.latency[percentile] : null),
  } as const satisfies FigureDefinition;
}

/**
 * The capture's per-direction figures over the window (`bench --capture`): segments, TCP/IP header
 * bytes, ACK-only segments and the IP-layer total, each down then up.
 */
function captureDirectionFigures() {
  const figure = (direction: 'down' | 'up', name: string, unit: FigureUnit, definition: string, pick: (d: CapturedDirection) => number): FigureDefinition => ({
    name: `${name} ${direction} (window)`,
    unit,
    layer: 'ip',
    ...inWindow,
    kind: 'info',
    definition: `${direction === 'down' ? 'Server→client' : 'Client→server'} ${definition} in the window, from the packet capture.`,
    fold: 'median',
    views: ['capture'],
    read: (m) => {
      const d = m.capture?.window[direction];
      return d ? pick(d) : null;
    },
  });
  const both = (name: string, unit: FigureUnit, definition: string, pick: (d: CapturedDirection) => number) => [figure('down', name, unit, definition, pick), figure('up', name, unit, definition, pick)] as const;
  const [ipSegmentsDown, ipSegmentsUp] = both('segments', 'count', 'TCP segments', (d) => d.segments);
  const [ipAckOnlySegmentsDown, ipAckOnlySegmentsUp] = both('ACK-only', 'count', 'segments that only acknowledge (no payload, no SYN, FIN or RST)', (d) => d.ackOnlySegments);
  const [ipHeaderBytesDown, ipHeaderBytesUp] = both('TCP/IP headers', 'B', 'IP and TCP header bytes of every segment', (d) => d.tcpIpHeaderBytes);
  const [ipBytesDown, ipBytesUp] = both('IP bytes', 'B', 'IP bytes (TCP payload + TCP/IP headers)', (d) => d.ipBytes);
  return { ipSegmentsDown, ipSegmentsUp, ipAckOnlySegmentsDown, ipAckOnlySegmentsUp, ipHeaderBytesDown, ipHeaderBytesUp, ipBytesDown, ipBytesUp };
}

/** The plaintext bytes of one direction of HTTP/2 frames in the window, of the given kinds. */
const frameBytes = (m: Measurement, direction: 'down' | 'up', kinds: readonly H2FrameKind[]): number | null => {
  const frames = m.window.h2FrameBytes?.[direction];
  return frames === undefined ? null : kinds.reduce((sum, kind) => sum + frames[kind], 0);
};

/**
 * HTTP/2 runs: one direction's frame bytes of some kinds in the window per delivered message
 * (frame headers included; beneath TLS).
 */
function h2FrameFigure(name: string, direction: 'down' | 'up', kinds: readonly H2FrameKind[], what: string): FigureDefinition {
  return {
    name: `${name} ${direction}/msg (window)`,
    unit: 'B',
    ...socket,
    ...inWindow,
    kind: 'info',
    definition: `HTTP/2 runs: ${direction === 'down' ? 'server→client' : 'client→server'} ${what} in the window, plaintext beneath TLS with their 9-byte frame headers, ÷ messages delivered.`,
    fold: 'reread',
    views: ['h2'],
    shownFor: hasH2Frames,
    read: (m) => {
      const bytes = frameBytes(m, direction, kinds);
      return bytes === null ? null : perDelivered(m.window, bytes);
    },
  };
}

/** Polling: one exchange's heads (request + response) from a step's wire sample, shown where the run sampled them. */
function exchangeHeadsFigure(name: string, definition: string, pick: (w: Measurement['wire']) => number | undefined): FigureDefinition {
  return { name, unit: 'B', ...socket, scope: 'step', kind: 'info', definition, fold: 'median', views: ['costs', 'h2'], shownFor: hasExchangeHeads, read: (m) => pick(m.wire) ?? null };
}

/**
 * The server's own drop counters over the window (/stats; optional for a third-party server, then
 * null): connections it reset (`--fault drop-server`), long-polls closed idle and SSE streams cut
 * stalled (frozen peers).
 */
function serverDropFigures() {
  const figure = (name: string, definition: string, pick: (s: NonNullable<Measurement['server']>) => number | undefined): FigureDefinition => ({
    name,
    unit: 'count',
    ...none,
    ...inWindow,
    kind: 'info',
    definition: `${definition} in the window, counted by the server (/stats; — when it does not say).`,
    fold: 'worst',
    views: ['faults'],
    read: (m) => (m.server ? (pick(m.server) ?? null) : null),
  });
  return {
    connectionsReset: figure('connections reset (server)', 'Client connections the server reset (TCP RST)', (s) => s.connectionsReset),
    idleDropped: figure('idle dropped (server)', 'Long-poll connections the server closed for sending no next request within its idle timeout', (s) => s.idleDropped),
    stalledDropped: figure('stalled dropped (server)', 'SSE streams the server cut for taking no byte within its write-stall timeout', (s) => s.stalledDropped),
  };
}

/**
 * Every figure, in the order every view lists them (a view shows the figures that name it, in
 * this order).
 */
const DEFINITIONS = {
  downBytesPerMessage: bytesPerMessageFigure('down bytes/msg (window)', 'Server→client bytes in the window ÷ messages delivered.', 'down', 'totalBytes', ['costs']),
  upBytesPerMessage: bytesPerMessageFigure('up bytes/msg (window)', 'Client→server bytes in the window ÷ messages delivered.', 'up', 'totalBytes', ['costs']),
  payloadBytesPerMessage: bytesPerMessageFigure('payload/msg (window)', 'Message text (and publish bodies) down + up in the window ÷ messages delivered.', 'both', 'payloadBytes', ['costs']),
  // The default run sends a browser's headers (the paper's scenario); the lower bound a client
  // sending only what HTTP/1.1 requires would pay is the same traffic less the profile's header
  // lines on every request the window saw. Exact for polling (every request is a fetch);
  // streams send no request in the window unless they reconnected. HTTP/1.1 only: over HTTP/2
  // HPACK sends the profile's lines once per connection and indexes them after, so subtracting
  // them per request would model bytes that were never sent (a negative figure).
  bytesPerMessageMinimalHeaders: {
    name: 'bytes/msg, minimal headers (window, modelled)',
    unit: 'B',
    ...socket,
    ...inWindow,
    kind: 'info',
    source: 'modelled',
    definition: "bytes/msg (window) less the header profile's own header lines (the bytes a minimal request would not send) × requests in the window ÷ messages delivered.",
    fold: 'reread',
    views: ['costs'],
    shownFor: (doc) => requestHeaderBytes(doc.config) > 0 && runVariants(doc.config).some((v) => !protocolUsesHttp2(v.protocol)),
    read: (m, _clients, config) => {
      if (!config || protocolUsesHttp2(config.protocol ?? 'http1')) return null;
      const measured = perDelivered(m.window, bothWays(m.window.bytes, 'totalBytes'));
      return measured === null ? null : measured - (m.window.requests * requestHeaderBytes(config)) / m.window.messages.delivered;
    },
  },
  downPayloadBytesPerMessage: bytesPerMessageFigure('down payload/msg (window)', 'Server→client message text in the window ÷ messages delivered.', 'down', 'payloadBytes'),
  downOverheadBytesPerMessage: bytesPerMessageFigure('down overhead/msg (window)', 'Server→client bytes that are not message text in the window ÷ messages delivered.', 'down', 'overheadBytes'),
  upPayloadBytesPerMessage: bytesPerMessageFigure('up payload/msg (window)', 'Client→server message text (publish bodies) in the window ÷ messages delivered.', 'up', 'payloadBytes'),
  upOverheadBytesPerMessage: bytesPerMessageFigure('up overhead/msg (window)', 'Client→server bytes that are not message text in the window ÷ messages delivered.', 'up', 'overheadBytes'),
  ...captureDirectionFigures(),
  ipBytesPerMessage: {
    name: 'IP bytes/msg (window)',
    unit: 'B',
    layer: 'ip',
    ...inWindow,
    kind: 'info',
    definition: 'IP bytes (TCP payload + TCP/IP headers, ACK-only segments included) down + up in the window, from the capture, ÷ messages delivered.',
    fold: 'reread',
    views: ['costs', 'capture'],
    shownFor: hasCapture,
    read: (m) => {
      const b = m.capture?.derived.bytesPerMessage;
      return b && b.down !== null && b.up !== null ? b.down + b.up : null;
    },
  },
  ipMbps: {
    name: 'IP Mbps (window)',
    unit: 'Mbps',
    layer: 'ip',
    ...inWindow,
    kind: 'info',
    definition: 'IP bytes down + up in the window, from the capture, × 8 ÷ its duration ÷ 10^6.',
    fold: 'median',
    views: ['costs'],
    shownFor: hasCapture,
    read: (m) => m.capture?.derived.mbps.total ?? null,
  },
  h2HeadersDownPerMessage: h2FrameFigure('HEADERS', 'down', ['headers'], 'HEADERS and CONTINUATION frames (the response heads, after HPACK)'),
  h2HeadersUpPerMessage: h2FrameFigure('HEADERS', 'up', ['headers'], 'HEADERS and CONTINUATION frames (the request heads, after HPACK)'),
  h2DataDownPerMessage: h2FrameFigure('DATA', 'down', ['data'], 'DATA frames (the answers and streams)'),
  h2DataUpPerMessage: h2FrameFigure('DATA', 'up', ['data'], 'DATA frames (request bodies: the publishes)'),
  h2ControlDownPerMessage: h2FrameFigure('control', 'down', H2_CONTROL_FRAME_KINDS, 'control frames (SETTINGS, WINDOW_UPDATE, PING, RST_STREAM, GOAWAY, others)'),
  h2ControlUpPerMessage: h2FrameFigure('control', 'up', [...H2_CONTROL_FRAME_KINDS, 'preface'], "control frames (SETTINGS, WINDOW_UPDATE, PING, RST_STREAM, GOAWAY, others) and the connection preface's 24 bytes"),
  // What TLS adds beneath the frames: the socket's bytes less the plaintext (0 in h2c).
  tlsBytesPerMessage: {
    name: 'TLS/msg (window)',
    unit: 'B',
    ...socket,
    ...inWindow,
    kind: 'info',
    definition: "HTTP/2 runs: socket bytes down + up in the window less the frames' plaintext — TLS record headers, tags, handshakes and alerts (0 in h2c) — ÷ messages delivered.",
    fold: 'reread',
    views: ['h2'],
    shownFor: hasH2Frames,
    read: (m) => {
      const down = frameBytes(m, 'down', H2_FRAME_KINDS);
      const up = frameBytes(m, 'up', H2_FRAME_KINDS);
      return down === null || up === null ? null : perDelivered(m.window, bothWays(m.window.bytes, 'totalBytes') - down - up);
    },
  },
  handshakeBytesPerConnection: {
    name: 'handshake/conn',
    unit: 'B',
    ...socket,
    scope: 'step',
    kind: 'info',
    definition: "One connection's opening, up + down, from a client's wire sample: the TLS handshake at the socket (ClientHello … the client's Finished) and HTTP/2's preface (the client's magic and first SETTINGS, the server's first SETTINGS); a WebSocket's upgrade request and answer are its wire sample's request and response head.",
    fold: 'median',
    views: ['h2', 'costs'],
    shownFor: hasHandshakes,
    read: (m) => {
      const w = m.wire;
      const parts = [w.tlsHandshakeUpBytes, w.tlsHandshakeDownBytes, w.h2PrefaceUpBytes, w.h2PrefaceDownBytes].filter((n) => n !== undefined);
      return parts.length === 0 ? null : parts.reduce((a, b) => a + b, 0);
    },
  },
  firstExchangeHeadBytes: exchangeHeadsFigure(
    'first request heads',
    "Polling: a connection's first request head + its response head, from a client's wire sample (HTTP/2: the HEADERS frames, which fill HPACK's dynamic table; HTTP/1.1: the heads as sent, the first answer stating the epoch).",
    (w) => w.firstExchangeHeadBytes,
  ),
  steadyExchangeHeadBytes: exchangeHeadsFigure(
    'steady request heads',
    "Polling: the median request head + response head of a connection's later exchanges, from a client's wire sample (HTTP/2: HEADERS frames whose repeated fields HPACK sends as table indices).",
    (w) => w.steadyExchangeHeadBytes,
  ),
  bytesPerMessageWindow: bytesPerMessageFigure('bytes/msg (window)', 'Bytes down + up in the measured window ÷ messages delivered in it.', 'both', 'totalBytes', ['steps', 'capture', 'progress']),
  overheadBytesPerMessage: bytesPerMessageFigure(
    'overhead/msg (window)',
    'Bytes that are not message text (heads, framing, handshakes, heartbeats), down + up, in the window ÷ messages delivered.',
    'both',
    'overheadBytes',
    ['steps'],
  ),
  // Over the whole step both bytes and messages are counted by arrival; in the window bytes are
  // counted by arrival and messages by publish time, so what is in flight at the window's edges
  // (latency × rate messages) moves the window's figure by about latency ÷ duration. The step's
  // figure is the deterministic one compare gates; it includes the connects, a fixed cost.
  bytesPerMessage: {
    name: 'bytes/msg (step)',
    unit: 'B',
    ...socket,
    scope: 'step',
    kind: 'deterministic',
    definition: 'Bytes down + up from first connect to last close ÷ messages delivered in that time (connects included).',
    fold: 'reread',
    views: ['steps'],
    // A polling answer carries every message published since the last one, so how many messages
    // share one request and response head — bytes per message — follows timing: a long-poll's
    // next request is on its way while messages arrive (5 % between two runs of the same code on
    // a busy machine); a short poll's schedule skips the ticks a blocked event loop missed, and
    // the step's first and last polls cover partial intervals (messages per poll 12.3 on a quiet
    // run, 13.2 on a loaded one: bytes per message 1.9 % apart on the same code). Their overhead
    // per request stays deterministic and is gated instead: it is what a header change moves.
    gate: {
      tolerance: 0.01,
      floor: 0,
      transports: { poll: { kind: 'noisy', tolerance: 0.05, floor: 0 }, longpoll: { kind: 'noisy', tolerance: 0.1, floor: 0 } },
    },
    read: (m) => perDelivered(m.totals, bothWays(m.totals.bytes, 'totalBytes')),
  },
  // The HTTP transports' head bytes (request + response head + body framing) per request: what a
  // header change moves, whatever the timing batched into each answer. The commas between a
  // batch's messages are per-message framing, so they are left out: with them, a loaded run whose
  // polls carried 21 messages instead of 12 measured +4 % per request on the same code. An answer
  // of k messages has k − 1 of them: (delivered + duplicated) − answers that carried any.
  // Push transports send no request in the window (only their connect), so they have none.
  overheadBytesPerRequest: {
    name: 'overhead/request (step)',
    unit: 'B',
    ...socket,
    scope: 'step',
    kind: 'deterministic',
    definition: 'Overhead bytes down + up over the whole step, less the commas between the messages of one answer, ÷ HTTP requests (polling transports only).',
    fold: 'reread',
    views: [],
    gate: { tolerance: 0.01, floor: 0 },
    read: (m) => {
      const t = m.totals;
      if (!(m.window.requests > 0 && t.requests > 0)) return null;
      const separators = Math.max(0, t.messages.delivered + t.messages.duplicated - (t.requests - t.emptyResponses));
      return (t.bytes.down.overheadBytes + t.bytes.up.overheadBytes - separators) / t.requests;
    },
  },
  mbps: {
    name: 'Mbps (window)',
    unit: 'Mbps',
    ...socket,
    ...inWindow,
    kind: 'info',
    definition: 'Bytes down + up in the window × 8 ÷ its duration ÷ 10^6.',
    fold: 'median',
    views: ['steps'],
    read: (m) => m.derived.mbps.total,
  },
  overheadMbps: {
    name: 'overhead Mbps (window)',
    unit: 'Mbps',
    ...socket,
    ...inWindow,
    kind: 'info',
    definition: 'Bytes that are not message text, down + up, in the window × 8 ÷ its duration ÷ 10^6.',
    fold: 'reread',
    views: [],
    // Divided as the report always has (÷ seconds, then ÷ 10^6), so not one last digit moves.
    read: (m) => (m.window.durationMs > 0 ? (bothWays(m.window.bytes, 'overheadBytes') * 8) / (m.window.durationMs / 1000) / 1e6 : null),
  },
  latencyP50Us: latencyFigure('latency p50', 'Median of receive time − scheduled publish time over the messages delivered in the window.', 'p50Us', ['steps', 'progress']),
  latencyP99Us: latencyFigure('latency p99', '99th percentile of receive time − scheduled publish time over the window.', 'p99Us', ['steps']),
  connectP50Us: connectFigure('connect p50', 'p50Us'),
  connectP99Us: connectFigure('connect p99', 'p99Us'),
  cpuPerMessageUs: {
    name: 'server CPU/msg',
    unit: 'us',
    ...none,
    ...inWindow,
    kind: 'noisy',
    definition: "The server process's CPU time (user + system) in the window ÷ messages delivered.",
    fold: 'reread',
    views: ['steps', 'costs'],
    gate: { tolerance: 0.3, floor: 20 },
    read: (m) => {
      const cpu = serverCpuUs(m);
      return cpu === null ? null : perOrNull(cpu, m.window.messages.delivered);
    },
  },
  generatorCpuPerMessageUs: {
    name: 'generator CPU/msg',
    unit: 'us',
    ...none,
    ...inWindow,
    kind: 'noisy',
    definition: "The load workers' CPU time (user + system) in the window ÷ messages delivered.",
    fold: 'median',
    views: ['costs'],
    read: (m) => m.generator.cpuUsPerMessage ?? null,
  },
  // The HTTP transports' generator cost per request: what a load worker pays per poll, to set
  // beside the server's (docs/benchmarks.md compares it with autocannon's); push transports send
  // no request in the window, so they have none.
  generatorCpuPerRequestUs: {
    name: 'generator CPU/request',
    unit: 'us',
    ...none,
    ...inWindow,
    kind: 'noisy',
    definition: "The load workers' CPU time (user + system) in the window ÷ HTTP requests sent in it (polling transports).",
    fold: 'median',
    views: ['costs'],
    read: (m) => m.generator.cpuUsPerRequest ?? null,
  },
  heapPerConnectionBytes: {
    name: 'server heap/conn',
    unit: 'B',
    ...none,
    scope: 'step',
    kind: 'noisy',
    definition: "The server's heap + external memory after a GC once the step's clients connected, less the same before they connected, ÷ connections.",
    fold: 'median',
    views: ['costs'],
    read: (m) => m.server?.memory?.heapBytesPerConnection ?? null,
  },
  rssPerConnectionBytes: {
    name: 'server RSS/conn',
    unit: 'B',
    ...none,
    scope: 'step',
    kind: 'noisy',
    definition: "The server's RSS after a GC once the step's clients connected, less the same before, ÷ connections.",
    fold: 'median',
    views: ['costs'],
    read: (m) => m.server?.memory?.rssBytesPerConnection ?? null,
  },
  clientsConnected: {
    name: 'connected',
    unit: 'count',
    ...none,
    scope: 'step',
    kind: 'info',
    definition: 'Clients of the step that connected.',
    fold: 'reread',
    views: ['correctness'],
    read: (m) => m.clientsConnected,
  },
  expected: {
    name: 'expected',
    unit: 'count',
    ...none,
    ...inWindow,
    kind: 'info',
    definition: 'Messages every client held to the window should have received, summed over clients.',
    fold: 'reread',
    views: ['correctness'],
    read: (m) => m.window.messages.expected,
  },
  delivered: {
    name: 'delivered',
    unit: 'count',
    ...none,
    ...inWindow,
    kind: 'info',
    definition: 'Distinct expected messages received in the window, summed over clients.',
    fold: 'reread',
    views: ['correctness'],
    read: (m) => m.window.messages.delivered,
  },
  reach: {
    name: 'reach',
    unit: 'fraction',
    ...none,
    ...inWindow,
    kind: 'info',
    definition: 'Messages delivered ÷ messages expected in the window.',
    fold: 'median',
    views: ['correctness'],
    read: (m) => m.derived.reach,
  },
  lost: {
    name: 'lost',
    unit: 'count',
    ...none,
    ...inWindow,
    kind: 'zero',
    definition: 'Messages published in the window that a client held to the window never received.',
    fold: 'worst',
    views: ['steps', 'progress', 'correctness', 'faults'],
    gate: { tolerance: 0, floor: 0 },
    read: (m) => m.window.messages.lost,
  },
  // recovered, and resets … stalledDropped below: the fault figures (`bench --fault`), null for a step no fault hit.
  recovered: {
    name: 'recovered',
    unit: 'count',
    ...none,
    ...inWindow,
    kind: 'info',
    definition: 'Window messages delivered after their client reconnected that were published before it (replayed from history).',
    fold: 'reread',
    views: ['faults'],
    read: (m) => m.faults?.recovered ?? null,
  },
  duplicated: {
    name: 'duplicated',
    unit: 'count',
    ...none,
    ...inWindow,
    kind: 'zero',
    definition: 'Messages a client received more than once in the window.',
    fold: 'worst',
    views: ['correctness', 'faults'],
    read: (m) => m.window.messages.duplicated,
  },
  outOfOrder: {
    name: 'out of order',
    unit: 'count',
    ...none,
    ...inWindow,
    kind: 'zero',
    definition: 'Messages a client received after a higher seq in the window.',
    fold: 'worst',
    views: ['correctness'],
    read: (m) => m.window.messages.outOfOrder,
  },
  requestsPerMessage: {
    name: 'requests / msg',
    unit: 'ratio',
    ...none,
    ...inWindow,
    kind: 'info',
    definition: 'HTTP requests sent in the window ÷ messages delivered (polling: polls; streams: their connects).',
    fold: 'reread',
    views: ['correctness'],
    read: (m) => m.derived.requestsPerMessage,
  },
  resets: {
    name: 'resets',
    unit: 'count',
    ...none,
    ...inWindow,
    kind: 'info',
    definition: 'Reset signals the clients received: a cursor of an epoch the server lost (the gap where the epoch changed).',
    fold: 'reread',
    views: ['faults'],
    read: (m) => m.faults?.resets ?? null,
  },
  recoveryP50Us: {
    name: 'recover p50',
    unit: 'us',
    ...none,
    ...inWindow,
    kind: 'info',
    definition: 'Median time from the fault to each hit client’s first delivered message after it.',
    fold: 'reread',
    views: ['faults'],
    read: (m) => (m.faults && m.faults.recovery.count > 0 ? m.faults.recovery.p50Us : null),
  },
  recoveryP99Us: {
    name: 'recover p99',
    unit: 'us',
    ...none,
    ...inWindow,
    kind: 'info',
    definition: '99th percentile of the time from the fault to each hit client’s first delivered message after it.',
    fold: 'reread',
    views: ['faults'],
    read: (m) => (m.faults && m.faults.recovery.count > 0 ? m.faults.recovery.p99Us : null),
  },
  unrecovered: {
    name: 'unrecovered',
    unit: 'count',
    ...none,
    scope: 'step',
    kind: 'info',
    definition: 'Clients the faults hit that had no message after it by the step’s end.',
    fold: 'reread',
    views: ['faults'],
    read: (m) => m.faults?.unrecovered ?? null,
  },
  ...serverDropFigures(),
  connectErrors: {
    name: 'connect errors (step)',
    unit: 'count',
    ...none,
    scope: 'step',
    kind: 'zero',
    definition: 'Clients of the step that never connected.',
    fold: 'worst',
    views: [],
    gate: { tolerance: 0, floor: 0 },
    read: (m, clients) => (clients === undefined ? null : Math.max(0, clients - m.clientsConnected)),
  },
  preflightsPerMessage: {
    name: 'preflights/msg (window)',
    unit: 'count',
    ...none,
    ...inWindow,
    kind: 'info',
    definition: 'Cross-origin runs: CORS preflights (OPTIONS requests, one extra round trip each) in the measured window ÷ messages delivered in it.',
    fold: 'reread',
    views: [],
    read: (m) => (m.window.preflight ? perDelivered(m.window, m.window.preflight.requests) : null),
  },
  preflightBytesPerMessage: {
    name: 'preflight bytes/msg (window)',
    unit: 'B',
    ...socket,
    ...inWindow,
    kind: 'info',
    definition: 'Cross-origin runs: bytes of the CORS preflights, requests and answers, in the measured window ÷ messages delivered in it (part of bytes/msg).',
    fold: 'reread',
    views: [],
    read: (m) => (m.window.preflight ? perDelivered(m.window, m.window.preflight.upBytes + m.window.preflight.downBytes) : null),
  },
} as const satisfies Record<string, FigureDefinition>;

export type FigureId = keyof typeof DEFINITIONS;

/** Every figure, by id, in the order the views list them. */
export const FIGURES: Readonly<Record<FigureId, FigureDefinition>> = DEFINITIONS;

export const FIGURE_IDS = Object.keys(FIGURES) as FigureId[];

/** The figures compare gates (those with a `gate`), as a type. */
export type GatedFigureId = { [K in FigureId]: (typeof DEFINITIONS)[K] extends { gate: FigureGate } ? K : never }[FigureId];

/** The figures a view shows, in order; with a document, only those shown for that run. */
export function figuresIn(view: FigureView, doc?: ResultsDocument): FigureId[] {
  return FIGURE_IDS.filter((id) => {
    const figure = FIGURES[id];
    return figure.views.includes(view) && (doc === undefined || figure.shownFor === undefined || figure.shownFor(doc));
  });
}

/** Compare's rows, in order: every figure with a gate. */
export const GATED_FIGURES = FIGURE_IDS.filter((id) => FIGURES[id].gate !== undefined) as GatedFigureId[];

/** A gated figure's default threshold, for every transport or for one (its exception, if it has one). */
export function defaultThreshold(id: GatedFigureId, transport?: string): FigureThreshold {
  const figure = FIGURES[id];
  const gate = figure.gate!;
  const exception = transport === undefined ? undefined : gate.transports?.[transport as TransportName];
  return exception ?? { kind: figure.kind as GatedKind, tolerance: gate.tolerance, floor: gate.floor };
}

/** A p99 from fewer samples than this is flagged: it is then little more than the maximum. */
export const MIN_P99_SAMPLES = 100;
