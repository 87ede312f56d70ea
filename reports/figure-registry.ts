/**
 * The vocabulary of figures: what each number the tools print is called, its unit, the layer its
 * bytes are counted at, whether it covers the measured window or the whole step, its kind, how it
 * is read from a measurement and how it is written. The end table (scripts/bench-progress.ts), the
 * HTML report and the Markdown (reports/tables.ts, reports/figures.ts) and compare
 * (reports/compare.ts) all read the definitions here, so the same step shows the same number under
 * the same name everywhere.
 *
 * This is the seed of the results model of issue 13: a figure added here is one entry, and every
 * place that lists figures by id picks it up by name.
 */
import type { CapturedDirection, Measurement, ResultsDocument, RunConfig, StepResult } from '../load/results/results-schema.js';
import { requestHeaderBytes } from './bytes-model.js';
import { formatBytes, formatCount, formatFraction, formatLatencyUs, formatMbps, formatNumber } from './format.js';

/** What "bytes" means wherever wirebench shows them without a capture layer. */
export const BYTES_SCOPE =
  "Bytes are counted at the clients' TCP sockets: HTTP request and response heads, bodies, chunk framing, SSE fields, WebSocket handshakes, frame headers and masks, heartbeats — no TCP/IP headers and no ACK segments.";

/** Added when the run carries a packet capture's figures. */
export const CAPTURE_SCOPE = 'The TCP/IP layer (the headers of every segment, ACK-only segments included) comes from a packet capture of the same run.';

/** The window is the measured window; the step is first connect to last close (ramp, warm-up, teardown). */
export type FigureScope = 'window' | 'step';

/**
 * deterministic: fixed by what goes on the wire for a configuration (moves only when the code
 * does); noisy: timings and CPU; zero: must stay 0; info: shown, never gated.
 */
export type FigureKind = 'deterministic' | 'noisy' | 'zero' | 'info';

/** Which layer a byte figure counts: the message texts, the TCP socket (HTTP / WebSocket framing included), or IP (TCP/IP headers too). */
export const FIGURE_LAYERS = ['payload', 'socket', 'ip'] as const;
export type FigureLayer = (typeof FIGURE_LAYERS)[number];

/** How the layers are called wherever a reader picks one. */
export const LAYER_LABELS: Readonly<Record<FigureLayer, string>> = {
  payload: 'payload',
  socket: '+ HTTP & WebSocket framing',
  ip: '+ TCP/IP',
};

export type FigureUnit = 'B' | 'us' | 'Mbps' | 'count' | 'fraction';

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
  /**
   * The figure for one measurement (a step, or one repeat); null when it has none (nothing
   * delivered, no server stats, no capture, or — for a figure that needs it — no configuration).
   */
  read(m: Measurement, clients?: number, config?: RunConfig): number | null;
}

const per = (numerator: number, denominator: number): number | null => (denominator > 0 ? numerator / denominator : null);
const serverCpuUs = (m: Measurement): number | null => (m.server ? m.server.cpuUserUs + m.server.cpuSystemUs : null);

const DEFINITIONS = {
  bytesPerMessageWindow: {
    name: 'bytes/msg (window)',
    unit: 'B',
    layer: 'socket',
    scope: 'window',
    kind: 'info',
    definition: 'Bytes down + up in the measured window ÷ messages delivered in it.',
    read: (m) => per(m.window.bytes.down.totalBytes + m.window.bytes.up.totalBytes, m.window.messages.delivered),
  },
  // Over the whole step both bytes and messages are counted by arrival; in the window bytes are
  // counted by arrival and messages by publish time, so what is in flight at the window's edges
  // (latency × rate messages) moves the window's figure by about latency ÷ duration. The step's
  // figure is the deterministic one compare gates; it includes the connects, a fixed cost.
  bytesPerMessage: {
    name: 'bytes/msg (step)',
    unit: 'B',
    layer: 'socket',
    scope: 'step',
    kind: 'deterministic',
    definition: 'Bytes down + up from first connect to last close ÷ messages delivered in that time (connects included).',
    read: (m) => per(m.totals.bytes.down.totalBytes + m.totals.bytes.up.totalBytes, m.totals.messages.delivered),
  },
  downBytesPerMessage: {
    name: 'down bytes/msg (window)',
    unit: 'B',
    layer: 'socket',
    scope: 'window',
    kind: 'info',
    definition: 'Server→client bytes in the window ÷ messages delivered.',
    read: (m) => per(m.window.bytes.down.totalBytes, m.window.messages.delivered),
  },
  upBytesPerMessage: {
    name: 'up bytes/msg (window)',
    unit: 'B',
    layer: 'socket',
    scope: 'window',
    kind: 'info',
    definition: 'Client→server bytes in the window ÷ messages delivered.',
    read: (m) => per(m.window.bytes.up.totalBytes, m.window.messages.delivered),
  },
  payloadBytesPerMessage: {
    name: 'payload/msg (window)',
    unit: 'B',
    layer: 'payload',
    scope: 'window',
    kind: 'info',
    definition: 'Message text (and publish bodies) down + up in the window ÷ messages delivered.',
    read: (m) => per(m.window.bytes.down.payloadBytes + m.window.bytes.up.payloadBytes, m.window.messages.delivered),
  },
  // The default run sends a browser's headers (the paper's scenario); the lower bound a client
  // sending only what HTTP/1.1 requires would pay is the same traffic less the profile's header
  // lines on every request the window saw. Exact for polling (every request is a fetch);
  // streams send no request in the window unless they reconnected.
  bytesPerMessageMinimalHeaders: {
    name: 'bytes/msg, minimal headers (window, modelled)',
    unit: 'B',
    layer: 'socket',
    scope: 'window',
    kind: 'info',
    source: 'modelled',
    definition: "bytes/msg (window) less the header profile's own header lines (the bytes a minimal request would not send) × requests in the window ÷ messages delivered.",
    read: (m, _clients, config) => {
      if (!config) return null;
      const measured = per(m.window.bytes.down.totalBytes + m.window.bytes.up.totalBytes, m.window.messages.delivered);
      return measured === null ? null : measured - (m.window.requests * requestHeaderBytes(config)) / m.window.messages.delivered;
    },
  },
  overheadBytesPerMessage: {
    name: 'overhead/msg (window)',
    unit: 'B',
    layer: 'socket',
    scope: 'window',
    kind: 'info',
    definition: 'Bytes that are not message text (heads, framing, handshakes, heartbeats), down + up, in the window ÷ messages delivered.',
    read: (m) => per(m.window.bytes.down.overheadBytes + m.window.bytes.up.overheadBytes, m.window.messages.delivered),
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
    layer: 'socket',
    scope: 'step',
    kind: 'deterministic',
    definition: 'Overhead bytes down + up over the whole step, less the commas between the messages of one answer, ÷ HTTP requests (polling transports only).',
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
    layer: 'socket',
    scope: 'window',
    kind: 'info',
    definition: 'Bytes down + up in the window × 8 ÷ its duration ÷ 10^6.',
    read: (m) => m.derived.mbps.total,
  },
  ipBytesPerMessage: {
    name: 'IP bytes/msg (window)',
    unit: 'B',
    layer: 'ip',
    scope: 'window',
    kind: 'info',
    definition: "IP bytes (TCP payload + TCP/IP headers, ACK-only segments included) down + up in the window, from the capture, ÷ messages delivered.",
    read: (m) => {
      const b = m.capture?.derived.bytesPerMessage;
      return b && b.down !== null && b.up !== null ? b.down + b.up : null;
    },
  },
  ipMbps: {
    name: 'IP Mbps (window)',
    unit: 'Mbps',
    layer: 'ip',
    scope: 'window',
    kind: 'info',
    definition: 'IP bytes down + up in the window, from the capture, × 8 ÷ its duration ÷ 10^6.',
    read: (m) => m.capture?.derived.mbps.total ?? null,
  },
  latencyP50Us: {
    name: 'latency p50',
    unit: 'us',
    layer: null,
    scope: 'window',
    kind: 'noisy',
    definition: 'Median of receive time − scheduled publish time over the messages delivered in the window.',
    read: (m) => (m.window.latency.count > 0 ? m.window.latency.p50Us : null),
  },
  latencyP99Us: {
    name: 'latency p99',
    unit: 'us',
    layer: null,
    scope: 'window',
    kind: 'noisy',
    definition: '99th percentile of receive time − scheduled publish time over the window.',
    read: (m) => (m.window.latency.count > 0 ? m.window.latency.p99Us : null),
  },
  cpuPerMessageUs: {
    name: 'server CPU/msg',
    unit: 'us',
    layer: null,
    scope: 'window',
    kind: 'noisy',
    definition: "The server process's CPU time (user + system) in the window ÷ messages delivered.",
    read: (m) => {
      const cpu = serverCpuUs(m);
      return cpu === null ? null : per(cpu, m.window.messages.delivered);
    },
  },
  generatorCpuPerMessageUs: {
    name: 'generator CPU/msg',
    unit: 'us',
    layer: null,
    scope: 'window',
    kind: 'noisy',
    definition: "The load workers' CPU time (user + system) in the window ÷ messages delivered.",
    read: (m) => m.generator.cpuUsPerMessage ?? null,
  },
  lost: {
    name: 'lost',
    unit: 'count',
    layer: null,
    scope: 'window',
    kind: 'zero',
    definition: 'Messages published in the window that a client held to the window never received.',
    read: (m) => m.window.messages.lost,
  },
  duplicated: {
    name: 'duplicated',
    unit: 'count',
    layer: null,
    scope: 'window',
    kind: 'zero',
    definition: 'Messages a client received more than once in the window.',
    read: (m) => m.window.messages.duplicated,
  },
  reach: {
    name: 'reach',
    unit: 'fraction',
    layer: null,
    scope: 'window',
    kind: 'info',
    definition: 'Messages delivered ÷ messages expected in the window.',
    read: (m) => m.derived.reach,
  },
  connectErrors: {
    name: 'connect errors (step)',
    unit: 'count',
    layer: null,
    scope: 'step',
    kind: 'zero',
    definition: 'Clients of the step that never connected.',
    read: (m, clients) => (clients === undefined ? null : Math.max(0, clients - m.clientsConnected)),
  },
  heapPerConnectionBytes: {
    name: 'server heap/conn',
    unit: 'B',
    layer: null,
    scope: 'step',
    kind: 'noisy',
    definition: "The server's heap + external memory after a GC once the step's clients connected, less the same before they connected, ÷ connections.",
    read: (m) => m.server?.memory?.heapBytesPerConnection ?? null,
  },
  rssPerConnectionBytes: {
    name: 'server RSS/conn',
    unit: 'B',
    layer: null,
    scope: 'step',
    kind: 'noisy',
    definition: "The server's RSS after a GC once the step's clients connected, less the same before, ÷ connections.",
    read: (m) => m.server?.memory?.rssBytesPerConnection ?? null,
  },
  preflightsPerMessage: {
    name: 'preflights/msg (window)',
    unit: 'count',
    layer: null,
    scope: 'window',
    kind: 'info',
    definition: 'Cross-origin runs: CORS preflights (OPTIONS requests, one extra round trip each) in the measured window ÷ messages delivered in it.',
    read: (m) => (m.window.preflight ? per(m.window.preflight.requests, m.window.messages.delivered) : null),
  },
  preflightBytesPerMessage: {
    name: 'preflight bytes/msg (window)',
    unit: 'B',
    layer: 'socket',
    scope: 'window',
    kind: 'info',
    definition: 'Cross-origin runs: bytes of the CORS preflights, requests and answers, in the measured window ÷ messages delivered in it (part of bytes/msg).',
    read: (m) => (m.window.preflight ? per(m.window.preflight.upBytes + m.window.preflight.downBytes, m.window.messages.delivered) : null),
  },
  ...captureDirectionFigures('down', 'Server→client'),
  ...captureDirectionFigures('up', 'Client→server'),
} as const satisfies Record<string, FigureDefinition>;

/**
 * The capture's per-direction figures over the window (`bench --capture`): segments, TCP/IP header
 * bytes, ACK-only segments and the IP-layer total, each for one direction.
 */
function captureDirectionFigures<D extends 'down' | 'up'>(direction: D, who: string) {
  const read = (pick: (d: CapturedDirection) => number) => (m: Measurement) => {
    const d = m.capture?.window[direction];
    return d ? pick(d) : null;
  };
  const figure = (name: string, unit: FigureUnit, definition: string, pick: (d: CapturedDirection) => number): FigureDefinition => ({
    name: `${name} ${direction} (window)`,
    unit,
    layer: 'ip',
    scope: 'window',
    kind: 'info',
    definition: `${who} ${definition} in the window, from the packet capture.`,
    read: read(pick),
  });
  const D = direction === 'down' ? 'Down' : 'Up';
  return {
    [`ipSegments${D}`]: figure('segments', 'count', 'TCP segments', (d) => d.segments),
    [`ipAckOnlySegments${D}`]: figure('ACK-only', 'count', 'segments that only acknowledge (no payload, no SYN, FIN or RST)', (d) => d.ackOnlySegments),
    [`ipHeaderBytes${D}`]: figure('TCP/IP headers', 'B', 'IP and TCP header bytes of every segment', (d) => d.tcpIpHeaderBytes),
    [`ipBytes${D}`]: figure('IP bytes', 'B', 'IP bytes (TCP payload + TCP/IP headers)', (d) => d.ipBytes),
  } as Record<`${'ipSegments' | 'ipAckOnlySegments' | 'ipHeaderBytes' | 'ipBytes'}${typeof D}`, FigureDefinition>;
}

export type FigureId = keyof typeof DEFINITIONS;

/** Every figure, by id. */
export const FIGURES: Readonly<Record<FigureId, FigureDefinition>> = DEFINITIONS;

/** The figures of the end table and of the report's steps table, in this order. */
export const STEP_TABLE_FIGURES: readonly FigureId[] = [
  'bytesPerMessageWindow',
  'overheadBytesPerMessage',
  'bytesPerMessage',
  'mbps',
  'latencyP50Us',
  'latencyP99Us',
  'cpuPerMessageUs',
  'lost',
];

/** The end table's TCP/IP layer (printed when the run has a capture), in this order. */
export const CAPTURE_TABLE_FIGURES: readonly FigureId[] = [
  'ipSegmentsDown',
  'ipSegmentsUp',
  'ipAckOnlySegmentsDown',
  'ipAckOnlySegmentsUp',
  'ipHeaderBytesDown',
  'ipHeaderBytesUp',
  'ipBytesDown',
  'ipBytesUp',
  'ipBytesPerMessage',
  'bytesPerMessageWindow',
];

/** A p99 from fewer samples than this is flagged: it is then little more than the maximum. */
export const MIN_P99_SAMPLES = 100;

/** A value in a unit, as every table and compare write it. */
export function formatInUnit(value: number | null, unit: FigureUnit): string {
  if (value === null || !Number.isFinite(value)) return '—';
  switch (unit) {
    case 'B':
      return Math.abs(value) >= 10 * 1024 ? formatBytes(value) : `${formatNumber(value)} B`;
    case 'us':
      return formatLatencyUs(value);
    case 'Mbps':
      return formatMbps(value);
    case 'count':
      return formatCount(value);
    case 'fraction':
      return formatFraction(value);
  }
}

/** A figure's value in its unit. */
export function formatFigure(id: FigureId, value: number | null): string {
  return formatInUnit(value, FIGURES[id].unit);
}

/**
 * Why a figure of this step deserves a caveat, or null: a p99 from fewer than MIN_P99_SAMPLES
 * samples (with --repeat, the folded p99 is a median of each repeat's own p99, so the smallest
 * repeat's count is what counts).
 */
export function figureCaveat(id: FigureId, step: StepResult): string | null {
  const m = step.measurement;
  if (id !== 'latencyP99Us' || !m || m.window.latency.count === 0) return null;
  const counts = step.status === 'ok' && step.repeats && step.repeats.length > 1 ? step.repeats.map((r) => r.window.latency.count) : [m.window.latency.count];
  const samples = Math.min(...counts);
  if (samples >= MIN_P99_SAMPLES) return null;
  return counts.length > 1 ? `n=${formatCount(samples)}/repeat` : `n=${formatCount(samples)}`;
}

/** min and max of a figure over a step's repeats (null without repeats, or when a repeat has none). */
export function figureSpread(id: FigureId, step: StepResult, config?: RunConfig): { min: number; max: number } | null {
  if (step.status !== 'ok' || !step.repeats || step.repeats.length < 2) return null;
  const values = step.repeats.map((m) => FIGURES[id].read(m, step.clients, config));
  if (values.some((v) => v === null)) return null;
  const numbers = values as number[];
  return { min: Math.min(...numbers), max: Math.max(...numbers) };
}

/** The mark a caveat puts beside a value. */
export const CAVEAT_MARK = '†';

/**
 * One step's figure as a table cell: the value (the median with --repeat), the spread of the
 * repeats as "(min–max)" beside it, and a † with the caveat when there is one.
 */
export function figureCell(id: FigureId, step: StepResult, config?: RunConfig): string {
  const m = step.measurement;
  if (!m) return '—';
  const value = FIGURES[id].read(m, step.clients, config);
  let text = formatFigure(id, value);
  const spread = value === null ? null : figureSpread(id, step, config);
  if (spread) text += ` (${formatFigure(id, spread.min)}–${formatFigure(id, spread.max)})`;
  const caveat = value === null ? null : figureCaveat(id, step);
  if (caveat) text += ` ${CAVEAT_MARK} ${caveat}`;
  return text;
}

/** The legend every table of figures carries: scopes, the caveat mark, spreads. */
export const FIGURE_LEGEND = `(window): the measured window; (step): first connect to last close, connects included; unmarked figures are over the window. ${CAVEAT_MARK} n=…: a p99 from fewer than ${MIN_P99_SAMPLES} samples (n, the smallest repeat's with --repeat) is little more than the maximum. With --repeat: the median, and the repeats' min–max beside it.`;

/** The scope sentence for a results document: the socket layer's, and the capture's when it has one. */
export function bytesScope(doc: ResultsDocument): string {
  const captured = doc.results.some((r) => r.steps.some((step) => step.measurement?.capture !== undefined));
  return captured ? `${BYTES_SCOPE} ${CAPTURE_SCOPE}` : BYTES_SCOPE;
}
