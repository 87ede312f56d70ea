/**
 * Pure derivations from a results document, shared by every exporter (HTML, Markdown), so the
 * chart, the table and the headline can never disagree about a number.
 *
 * Every per-message figure comes from the measured window's raw counters (or load/'s derived
 * figures where they say exactly what is needed), per delivered message.
 */
import type { Measurement, ResultsDocument, RunConfig, StepResult } from '../load/results/results-schema.js';
import { TRANSPORTS } from '../servers/contract.js';
import { FIGURE_IDS, FIGURES, type FigureId, type FigureLayer } from '../load/results/figure-registry.js';
import { formatCount } from './format.js';
import { hasVariants, variantViews, type FullVariant } from '../load/results/run-variants.js';
import { messagesPerSecPerClient, modelBytesPerMessage, residualPercent, type BytesModel } from './bytes-model.js';

/** Which pair of transports a headline compares, best story first: [costly, cheap]. */
export const COMPARED_PAIRS: readonly (readonly [string, string])[] = [
  ['poll', 'ws'],
  ['poll', 'sse'],
  ['longpoll', 'ws'],
  ['longpoll', 'sse'],
  ['poll', 'longpoll'],
  ['sse', 'ws'],
];

/** The client counts of the websocket.org figure. */
export const FIGURE_CLIENT_COUNTS = [1_000, 10_000, 100_000] as const;

/**
 * The paper's model (websocket.org, "HTML5 Web Sockets: A Quantum Leap in Scalability for the
 * Web"): every client polls once a second and gets one message a second; a poll costs 871 B of
 * HTTP request + response headers, a WebSocket message 2 B of frame header. Overhead only.
 */
export const PAPER_MODEL = {
  /** HTTP request + response headers of one poll. */
  pollHeaderBytes: 871,
  /** WebSocket frame overhead per message. */
  wsFrameBytes: 2,
  /** The paper's scenario: polls and messages a second per client. */
  pollsPerSec: 1,
  messagesPerSec: 1,
  /** The paper's "Mbps" divides bits/s by 2^20 (871 B × 1,000 × 8 ÷ 2^20 = 6.6), not by 10^6. */
  bitsPerPaperMegabit: 2 ** 20,
} as const;

/** The paper's figures exactly as it printed them ("Mbps", bits/s ÷ 2^20), at 1,000 / 10,000 / 100,000 clients. */
export const PAPER_PUBLISHED: readonly { clients: number; poll: string; ws: string }[] = [
  { clients: 1_000, poll: '6.6', ws: '0.015' },
  { clients: 10_000, poll: '66', ws: '0.153' },
  { clients: 100_000, poll: '665', ws: '1.526' },
];

/** How the paper computed its figures, for every place that shows them. */
export const PAPER_METHOD =
  "The paper's figures as published: 871 B (polling) or 2 B (WebSocket) × clients × 8 bits, once a second, divided by 2^20 and called Mbps";

/**
 * One step's figures for the report: every figure of the results model (load/figure-registry.ts),
 * read once, so the report, the end table and compare agree; beside them the step's own counts
 * and the bytes model.
 */
export interface StepFigures {
  transport: string;
  /** A run of several variants: the step's ("HTTP/2 + TLS"); null in a one-variant run. */
  variant: string | null;
  clients: number;
  status: 'ok' | 'failed';
  /** Failed steps: why (one line from load/). */
  reason: string | null;
  /** The step as recorded (its repeats, for spreads). */
  result: StepResult;
  /** The configuration its figures were read with (its variant's, in a run of several). */
  config: RunConfig;
  /** The measurement these figures come from (partial for a failed step), null when none. */
  measurement: Measurement | null;
  saturated: boolean;
  /** Every figure of the results model, by id (null without a measurement or where the step has none). */
  figures: Readonly<Record<FigureId, number | null>>;
  published: number | null;
  errors: Record<string, number>;
  model: BytesModel | null;
  /** Measured vs model, both directions, per delivered message (%). */
  modelResidualPercent: number | null;
}

export interface TransportFigures {
  transport: string;
  /** A run of several variants: the entry's ("HTTP/2 + TLS"); null in a one-variant run. */
  variant: string | null;
  /** In one variant's view: the variant the transport was measured under when it ran once for both (WebSocket under h2: HTTP/1.1 + TLS), else null. */
  sharedFrom: string | null;
  steps: StepFigures[];
}

/**
 * measured: the run reached the count; projected: scaled from a smaller ok step; failed: the run
 * tried the count and the step failed; none: nothing to show (no ok step, or the count lies beyond
 * a count the run tried and failed — a projection there would contradict the run).
 */
export type ThroughputSource = 'measured' | 'projected' | 'failed' | 'none';

export interface LayerMbps {
  total: number | null;
  /** Beyond the payload at this layer (null for the payload layer itself). */
  overhead: number | null;
}

export interface ThroughputCell {
  transport: string;
  /** As its transport's {@link TransportFigures.variant}. */
  variant: string | null;
  clients: number;
  source: ThroughputSource;
  /** Both directions, decimal Mbps, at the socket layer. */
  totalMbps: number | null;
  overheadMbps: number | null;
  /** The same at every layer; ip only with a capture. */
  layers: Record<FigureLayer, LayerMbps>;
  /** The step the projection scales (or the measured step itself). */
  fromClients: number | null;
  saturated: boolean;
  /** failed: the step's reason; none beyond a failure: which step failed. */
  reason: string | null;
  /** The smallest client count of this transport that the run tried and failed, at or below this count. */
  failedAt: number | null;
}

export interface PaperCell {
  clients: number;
  /** As the paper printed it (bits/s ÷ 2^20, its own scenario of 1 poll and 1 message a second). */
  publishedPoll: string;
  publishedWs: string;
  /** Ours: the paper's model in decimal Mbps (10^6 bit/s) at this run's poll interval and feed rate. */
  pollMbps: number;
  wsMbps: number;
}

/** One variant of a run of several: its figures as a run of that variant alone would have them. */
export interface VariantFigures {
  variant: FullVariant;
  label: string;
  /** Why a transport measured under another variant stands for this one (load/results/run-variants.ts `VariantView.sharedWhy`). */
  sharedWhy: Partial<Record<string, string>>;
  figures: ReportFigures;
}

export interface ReportFigures {
  doc: ResultsDocument;
  /** Every transport × variant the run measured (a transport that ran once for two variants is here once). */
  transports: TransportFigures[];
  /** A run of several variants: each one's own figures (the protocol view); null in a one-variant run. */
  variants: VariantFigures[] | null;
  /** Per transport, the cells at 1,000 / 10,000 / 100,000 clients. */
  throughput: ThroughputCell[];
  paper: PaperCell[];
  /** Messages a second each client should receive. */
  messagesPerSec: number;
  /** Short polls a second per client. */
  pollsPerSec: number;
}

export function stepFigures(transport: string, step: StepResult, config: RunConfig): StepFigures {
  const m = step.measurement;
  const w = m?.window;
  const figures = Object.fromEntries(FIGURE_IDS.map((id) => [id, m ? FIGURES[id].read(m, step.clients, config) : null])) as Record<FigureId, number | null>;
  const model = m ? modelBytesPerMessage(transport, config, m) : null;
  const total = figures.bytesPerMessageWindow;
  return {
    transport,
    variant: null,
    clients: step.clients,
    status: step.status,
    reason: step.status === 'failed' ? step.reason : null,
    result: step,
    config,
    measurement: m,
    saturated: m?.generator.saturated ?? false,
    figures,
    published: w?.published ?? null,
    errors: w?.errors ?? {},
    model,
    modelResidualPercent: model && total !== null ? residualPercent(total, model.totalBytes) : null,
  };
}

/** Transports in the contract's drawing order; one this build does not know goes last, by name. */
function transportOrder(name: string): number {
  const index = (TRANSPORTS as readonly string[]).indexOf(name);
  return index === -1 ? TRANSPORTS.length : index;
}

export function okSteps(transport: TransportFigures): StepFigures[] {
  return transport.steps.filter((step) => step.status === 'ok' && step.measurement !== null);
}

/** clients × bytes/s per client × 8 bits ÷ 10^6: decimal megabits a second. */
export function projectMbps(clients: number, bytesPerClientPerSec: number): number {
  return (clients * bytesPerClientPerSec * 8) / 1e6;
}

/** The paper's method: clients × bytes a second × 8 ÷ 2^20 (what it printed as Mbps). */
export function paperMethodMbps(clients: number, bytesPerClientPerSec: number): number {
  return (clients * bytesPerClientPerSec * 8) / PAPER_MODEL.bitsPerPaperMegabit;
}

/** Our SI recomputation of the paper's polling series: clients × polls/s × 871 B × 8 ÷ 10^6. */
export function paperPollMbps(clients: number, pollsPerSec: number): number {
  return projectMbps(clients, pollsPerSec * PAPER_MODEL.pollHeaderBytes);
}

/** Our SI recomputation of the paper's WebSocket series: clients × messages/s × 2 B × 8 ÷ 10^6. */
export function paperWsMbps(clients: number, messagesPerSec: number): number {
  return projectMbps(clients, messagesPerSec * PAPER_MODEL.wsFrameBytes);
}

/**
 * The websocket.org figure for one transport: measured where the run reached the count; failed
 * where it tried the count and failed; else projected linearly from the per-client byte rate of
 * the largest ok step — unless the run failed at a smaller count on the way.
 */
export function throughputCells(transport: TransportFigures): ThroughputCell[] {
  const measured = okSteps(transport);
  const failed = transport.steps.filter((step) => step.status === 'failed');
  return FIGURE_CLIENT_COUNTS.map((clients): ThroughputCell => {
    const noLayers = { payload: NO_MBPS, socket: NO_MBPS, ip: NO_MBPS };
    const empty = { transport: transport.transport, variant: transport.variant, clients, totalMbps: null, overheadMbps: null, layers: noLayers, fromClients: null, saturated: false, reason: null, failedAt: null };
    const exact = measured.find((step) => step.clients === clients);
    if (exact?.measurement) {
      const layers = layerMbps(exact.measurement, 1);
      return { ...empty, source: 'measured', totalMbps: exact.figures.mbps, overheadMbps: exact.figures.overheadMbps, layers, fromClients: clients, saturated: exact.saturated };
    }
    const firstFailure = failed.filter((step) => step.clients <= clients).sort((a, b) => a.clients - b.clients)[0];
    if (firstFailure) {
      return firstFailure.clients === clients
        ? { ...empty, source: 'failed', reason: firstFailure.reason, failedAt: clients }
        : { ...empty, source: 'none', reason: `not projected: the ${formatCount(firstFailure.clients)}-client step failed`, failedAt: firstFailure.clients };
    }
    const base = measured[measured.length - 1];
    const m = base?.measurement;
    if (!base || !m) return { ...empty, source: 'none' };
    const perClient = m.derived.bytesPerClientPerSec;
    const totalMbps = projectMbps(clients, perClient.down + perClient.up);
    // Every layer scales by the same factor as the socket layer: clients ÷ the clients in the base's window.
    const layers = layerMbps(m, m.derived.mbps.total > 0 ? totalMbps / m.derived.mbps.total : 0);
    return {
      ...empty,
      source: 'projected',
      totalMbps,
      overheadMbps: layers.socket.overhead,
      layers,
      fromClients: base.clients,
      saturated: base.saturated,
    };
  });
}

const NO_MBPS = { total: null, overhead: null } as const;

/**
 * The window's Mbps at each layer (× `scale` for a projection): the payload, the socket (HTTP and
 * WebSocket framing added) and IP (TCP/IP headers and ACK-only segments added, from a capture).
 * Overhead is everything above the payload at that layer.
 */
export function layerMbps(m: Measurement, scale: number): Record<FigureLayer, LayerMbps> {
  const w = m.window;
  const seconds = w.durationMs / 1000;
  const mbps = (bytes: number) => (seconds > 0 ? ((bytes * 8) / seconds / 1e6) * scale : null);
  const payload = w.bytes.down.payloadBytes + w.bytes.up.payloadBytes;
  const socket = w.bytes.down.totalBytes + w.bytes.up.totalBytes;
  const ip = m.capture ? m.capture.window.down.ipBytes + m.capture.window.up.ipBytes : null;
  return {
    payload: { total: mbps(payload), overhead: null },
    socket: { total: mbps(socket), overhead: mbps(socket - payload) },
    ip: ip === null ? NO_MBPS : { total: mbps(ip), overhead: mbps(ip - payload) },
  };
}

/**
 * A run of several variants (`--protocol http1,h2`): each variant's figures from its one-variant
 * view (load/results/run-variants.ts), and every measured transport × variant together, labelled
 * with its variant, for the tables that list every step. A one-variant run: its figures as ever.
 */
export function deriveFigures(doc: ResultsDocument): ReportFigures {
  if (!hasVariants(doc.config)) return deriveVariantFigures(doc, {});
  const variants = variantViews(doc).map((view): VariantFigures => ({ variant: view.variant, label: view.label, sharedWhy: view.sharedWhy, figures: deriveVariantFigures(view.doc, view.sharedFrom) }));
  const measured = variants.flatMap(({ label, figures }) =>
    figures.transports
      .filter((t) => t.sharedFrom === null)
      .map((t): TransportFigures => ({ ...t, variant: label, steps: t.steps.map((step) => ({ ...step, variant: label })) })),
  );
  return {
    ...variants[0]!.figures,
    doc,
    transports: measured,
    variants,
    throughput: measured.flatMap(throughputCells),
  };
}

function deriveVariantFigures(doc: ResultsDocument, sharedFrom: Partial<Record<string, string>>): ReportFigures {
  const transports = [...doc.results]
    .sort((a, b) => transportOrder(a.transport) - transportOrder(b.transport))
    .map((result): TransportFigures => {
      const steps = [...result.steps].sort((a, b) => a.clients - b.clients).map((step) => stepFigures(result.transport, step, doc.config));
      return { transport: result.transport, variant: null, sharedFrom: sharedFrom[result.transport] ?? null, steps };
    });
  const messagesPerSec = messagesPerSecPerClient(doc.config);
  const pollsPerSec = 1000 / doc.config.intervalMs;
  return {
    doc,
    transports,
    variants: null,
    throughput: transports.flatMap(throughputCells),
    paper: PAPER_PUBLISHED.map((published) => ({
      clients: published.clients,
      publishedPoll: published.poll,
      publishedWs: published.ws,
      pollMbps: paperPollMbps(published.clients, pollsPerSec),
      wsMbps: paperWsMbps(published.clients, messagesPerSec),
    })),
    messagesPerSec,
    pollsPerSec,
  };
}

/** The ok step of `transport` at exactly `clients`, if measured. */
export function okStepAt(figures: ReportFigures, transport: string, clients: number): StepFigures | undefined {
  const found = figures.transports.find((t) => t.transport === transport);
  return found ? okSteps(found).find((step) => step.clients === clients) : undefined;
}

/** The largest client count every one of `transports` measured ok, or null. */
export function largestCommonClients(figures: ReportFigures, transports: readonly string[]): number | null {
  return commonClients(transports.map((name) => figures.transports.find((t) => t.transport === name)));
}

/** The largest client count every one of these (a transport absent: none) measured ok, or null. */
function commonClients(transports: readonly (TransportFigures | undefined)[]): number | null {
  const sets = transports.map((found) => new Set(found ? okSteps(found).map((step) => step.clients) : []));
  const [first, ...rest] = sets;
  if (!first) return null;
  const common = [...first].filter((clients) => rest.every((set) => set.has(clients)));
  return common.length > 0 ? Math.max(...common) : null;
}

/**
 * One step per transport to compare side by side (bytes per message, upstream): the largest
 * client count all transports measured, else each transport's own largest measured step.
 */
export function comparisonSteps(figures: ReportFigures): StepFigures[] {
  const common = commonClients(figures.transports.filter((t) => okSteps(t).length > 0));
  return figures.transports.flatMap((t) => {
    const steps = okSteps(t);
    const chosen = (common !== null ? steps.find((s) => s.clients === common) : undefined) ?? steps[steps.length - 1];
    return chosen ? [chosen] : [];
  });
}

/** Every step flagged generator-saturated, as "transport @ clients". */
export function saturatedSteps(figures: ReportFigures): StepFigures[] {
  return figures.transports.flatMap((t) => t.steps.filter((step) => step.saturated));
}
