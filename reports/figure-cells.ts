/**
 * How the figures are written: a value in its unit, a step's figure as a table cell (the median
 * with --repeat, the repeats' spread beside it, a caveat mark), the legend and the scope sentences
 * every table carries. What a figure is — name, unit, kind, how it is read and folded, where it is
 * shown — is the results model's (load/figure-registry.ts); the end table, the report, the
 * Markdown and compare write it with these functions, so the same step shows the same text.
 */
import { runVariants } from '../load/results/run-variants.js';
import { runCompression, type Compression, type ResultsDocument, type RunConfig, type StepResult } from '../load/results/results-schema.js';
import { FIGURES, hasCapture, MIN_P99_SAMPLES, type FigureId, type FigureLayer, type FigureUnit } from '../load/results/figure-registry.js';
import { formatBytes, formatCount, formatFraction, formatLatencyUs, formatMbps, formatNumber } from './format.js';

/** What "bytes" means wherever wirebench shows them without a capture layer. */
export const BYTES_SCOPE =
  "Bytes are counted at the clients' TCP sockets: HTTP request and response heads, bodies, chunk framing, SSE fields, WebSocket handshakes, frame headers and masks, heartbeats — no TCP/IP headers and no ACK segments.";

/** Added when the run carries a packet capture's figures. */
export const CAPTURE_SCOPE = 'The TCP/IP layer (the headers of every segment, ACK-only segments included) comes from a packet capture of the same run.';

/** How the layers are called wherever a reader picks one. */
export const LAYER_LABELS: Readonly<Record<FigureLayer, string>> = {
  payload: 'payload',
  socket: '+ HTTP & WebSocket framing',
  ip: '+ TCP/IP',
};

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
    case 'ratio':
      return formatNumber(value);
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
/** Added when the run compressed (--compression): what the byte figures are then. */
export function compressionScope(compression: Exclude<Compression, 'off'>): string {
  return `Compression ${compression}: the bytes at the sockets are compressed; payload is the messages' text as delivered (decoded), so a layer's overhead (its bytes − payload) is clamped at 0 where compression saves more than the framing costs — compare total bytes.`;
}

export function bytesScope(doc: ResultsDocument): string {
  // A run of several variants: the scope of its compressed ones, if any.
  const compression = runVariants(doc.config).map((v) => v.compression).find((c) => c !== 'off') ?? runCompression(doc.config);
  const scope = hasCapture(doc) ? `${BYTES_SCOPE} ${CAPTURE_SCOPE}` : BYTES_SCOPE;
  return compression === 'off' ? scope : `${scope} ${compressionScope(compression)}`;
}
