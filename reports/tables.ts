/**
 * The report's tables as plain strings (rows of cells), built once from the figures and rendered
 * by each exporter with its own escaping — the HTML and the Markdown show the same numbers.
 */
import { protocolUsesHttp2, runCompression, runPayload, type RunConfig } from '../load/results/results-schema.js';
import { crossOriginSetup, preflightCosts } from './cross-origin.js';
import { FIGURES, figuresIn, hasH2Frames, type FigureId, type FigureView } from '../load/results/figure-registry.js';
import { FIGURE_LEGEND, figureCell, formatFigure } from './figure-cells.js';
import { PAPER_METHOD, type ReportFigures, type StepFigures, type ThroughputCell } from './figures.js';
import {
  formatBytes,
  formatCount,
  formatMbps,
  formatDurationMs,
  formatNumber,
  formatSignedPercent,
  transportLabel,
  transportVariantLabel,
  clipText,
} from './format.js';
import { hasVariants, runVariants, variantLabel, varyingAxes } from '../load/results/run-variants.js';

export type RowKind = 'normal' | 'failed' | 'saturated' | 'reference';

export interface TableRow {
  cells: string[];
  kind: RowKind;
}

export interface Table {
  id: string;
  title: string;
  head: string[];
  /** Columns right-aligned as numbers. */
  numeric: boolean[];
  rows: TableRow[];
  note?: string;
}

const DASH = '—';
export const SATURATED_MARK = '*';

function opt<T>(value: T | null | undefined, format: (value: T) => string): string {
  return value === null || value === undefined ? DASH : format(value);
}

function stepKind(step: StepFigures): RowKind {
  return step.status === 'failed' ? 'failed' : step.saturated ? 'saturated' : 'normal';
}

function clientsCell(step: StepFigures): string {
  return `${formatCount(step.clients)}${step.saturated ? ` ${SATURATED_MARK}` : ''}`;
}

function allSteps(figures: ReportFigures): StepFigures[] {
  return figures.transports.flatMap((t) => t.steps);
}

function statusCell(step: StepFigures): string {
  if (step.status === 'ok') return step.saturated ? `ok ${SATURATED_MARK}` : 'ok';
  return `failed: ${step.reason ?? 'no reason given'}`;
}

function errorsCell(errors: Record<string, number>): string {
  const entries = Object.entries(errors).filter(([, count]) => count > 0);
  return entries.length === 0 ? DASH : entries.map(([kind, count]) => `${kind} ×${formatCount(count)}`).join(', ');
}

/** A column of a per-step table: its head, alignment and how a step fills it. */
interface StepColumn {
  head: string;
  numeric: boolean;
  cell(step: StepFigures): string;
}

/** A registry figure's plain value as a column (no spread over repeats, no caveat). */
function valueColumn(id: FigureId): StepColumn {
  return { head: FIGURES[id].name, numeric: true, cell: (step) => formatFigure(id, step.figures[id]) };
}

/** transport, the variant in a run of several (headed by the axes it varies: "protocol"), clients. */
function leadColumns(figures: ReportFigures): StepColumn[] {
  const variant: StepColumn[] = figures.variants ? [{ head: varyingAxes(figures.doc.config).join(', '), numeric: false, cell: (step) => step.variant ?? DASH }] : [];
  return [{ head: 'transport', numeric: false, cell: (step) => transportLabel(step.transport) }, ...variant, { head: 'clients', numeric: true, cell: clientsCell }];
}

function stepTable(figures: ReportFigures, id: string, title: string, columns: StepColumn[], note?: string): Table {
  const all = [...leadColumns(figures), ...columns];
  return {
    id,
    title,
    head: all.map((c) => c.head),
    numeric: all.map((c) => c.numeric),
    rows: allSteps(figures).map((step) => ({ kind: stepKind(step), cells: all.map((c) => c.cell(step)) })),
    ...(note ? { note } : {}),
  };
}

/** A registry figure as a column: its name, and its cell (value, spread over repeats, caveat). */
function figureColumn(id: FigureId): StepColumn {
  return { head: FIGURES[id].name, numeric: true, cell: (step) => figureCell(id, step.result, step.config) };
}

export function stepsTable(figures: ReportFigures): Table {
  return stepTable(
    figures,
    'steps',
    'Every step',
    [{ head: 'status', numeric: false, cell: statusCell }, ...figuresIn('steps', figures.doc).map((id) => figureColumn(id))],
    `The same figures, under the same names, as the end table of the bench and compare. ${FIGURE_LEGEND} ${SATURATED_MARK} generator-saturated: a load worker's event-loop delay exceeded the threshold, so the figures may reflect the generator, not the server.`,
  );
}

/** A table of one registry view's figures, their definitions as its note (after `lead`, if any). */
function viewTable(figures: ReportFigures, view: FigureView, title: string, lead = ''): Table {
  const ids = figuresIn(view, figures.doc);
  const definitions = ids.map((id) => `${FIGURES[id].name}: ${FIGURES[id].definition}`).join(' ');
  return stepTable(figures, view, title, ids.map((id) => figureColumn(id)), `${lead}${definitions}`);
}

/** Per-direction bytes, the capture's IP layer when present, CPU of both sides, memory per connection. */
export function costsTable(figures: ReportFigures): Table {
  return viewTable(figures, 'costs', 'Bytes by direction and layer, CPU and memory per step');
}

/** HTTP/2 runs: frame bytes by kind beneath TLS, TLS's share, the handshake and the first request against the steady state. */
export function h2FramesTable(figures: ReportFigures): Table {
  return viewTable(figures, 'h2', 'HTTP/2 frames by kind, TLS and handshakes', 'WebSocket stays on HTTP/1.1 (RFC 8441 is not in ws): its steps have no frames here. ');
}

export function correctnessTable(figures: ReportFigures): Table {
  return stepTable(figures, 'correctness', 'Correctness and errors', [
    ...figuresIn('correctness').map(valueColumn),
    { head: 'errors', numeric: false, cell: (step) => errorsCell(step.errors) },
  ]);
}

function throughputText(cell: ThroughputCell): string {
  if (cell.source === 'failed') return '✗ failed (reason in the steps table)';
  if (cell.totalMbps === null) return cell.reason ? `${DASH} (${cell.reason})` : DASH;
  const value = formatMbps(cell.totalMbps);
  if (cell.source === 'projected') return `${value} (projected from ${formatCount(cell.fromClients ?? 0)}${cell.saturated ? ` ${SATURATED_MARK}` : ''})`;
  return `${value}${cell.saturated ? ` ${SATURATED_MARK}` : ''}`;
}

export function throughputTable(figures: ReportFigures): Table {
  const counts = figures.paper.map((p) => p.clients);
  const rows: TableRow[] = figures.transports.map((t) => ({
    kind: 'normal',
    cells: [
      transportVariantLabel(t),
      ...counts.map((clients) => {
        const cell = figures.throughput.find((c) => c.transport === t.transport && c.variant === t.variant && c.clients === clients);
        return cell ? throughputText(cell) : DASH;
      }),
    ],
  }));
  rows.push(
    { kind: 'reference', cells: ['paper, as published: polling (871 B per poll)', ...figures.paper.map((p) => `${p.publishedPoll} Mbps (2^20)`)] },
    { kind: 'reference', cells: ['paper, as published: WebSocket (2 B per frame)', ...figures.paper.map((p) => `${p.publishedWs} Mbps (2^20)`)] },
    { kind: 'reference', cells: ["paper's model, our SI recomputation: polling", ...figures.paper.map((p) => formatMbps(p.pollMbps))] },
    { kind: 'reference', cells: ["paper's model, our SI recomputation: WebSocket", ...figures.paper.map((p) => formatMbps(p.wsMbps))] },
  );
  const crossOrigin = [crossOriginSetup(figures.doc.config), preflightCosts(figures)].filter((line) => line !== null);
  return {
    id: 'throughput',
    title: `The websocket.org figure: network throughput, both directions${crossOrigin.length > 0 ? ' (cross-origin variant)' : ''}`,
    head: ['transport', ...counts.map((clients) => `${formatCount(clients)} clients`)],
    numeric: [false, ...counts.map(() => true)],
    rows,
    note: `Decimal megabits per second (10^6 bit/s), at ${formatNumber(figures.messagesPerSec)} msg/s per client and ${formatNumber(figures.pollsPerSec)} polls/s. Measured where the run reached the count; failed where it tried the count and the step failed; otherwise projected linearly from the per-client byte rate of the largest measured step, and never beyond a count that failed. ${PAPER_METHOD} ("2^20" marks that unit). Our recomputation divides by 10^6 instead, at this run's poll interval and feed rate. The paper's series count header and frame overhead only; measured figures include the payload.${crossOrigin.map((line) => ` ${line}`).join('')}`,
  };
}

export function modelTable(figures: ReportFigures): Table {
  const rows = allSteps(figures)
    .filter((step) => step.status === 'ok' && step.model)
    .map((step): TableRow => {
      const model = step.model;
      return {
        kind: stepKind(step),
        cells: [
          transportVariantLabel(step),
          clientsCell(step),
          opt(model?.downBytes, formatNumber),
          opt(step.figures.downBytesPerMessage, formatNumber),
          opt(model?.upBytes, formatNumber),
          opt(step.figures.upBytesPerMessage, formatNumber),
          opt(model?.totalBytes, formatNumber),
          opt(step.figures.bytesPerMessageWindow, formatNumber),
          opt(step.modelResidualPercent, formatSignedPercent),
        ],
      };
    });
  return {
    id: 'model',
    title: 'Bytes per delivered message: model vs measured',
    head: ['transport', 'clients', 'model down', 'measured down', 'model up', 'measured up', 'model total', `measured ${FIGURES.bytesPerMessageWindow.name}`, 'residual'],
    numeric: [false, true, true, true, true, true, true, true, true],
    rows,
    note: "Bytes per delivered message. The model predicts overhead from the sampled header and frame sizes and the configuration (see reports/bytes-model.ts); residual = (measured − model) ÷ model. Heartbeats are modelled from the run's heartbeat interval and the heartbeat size one client saw.",
  };
}

export function configTable(figures: ReportFigures): Table {
  const c = figures.doc.config;
  const rows: [string, string][] = [
    ['transports', c.transports.map(transportLabel).join(', ')],
    ['client ladder', c.clients.map(formatCount).join(' → ')],
    ['duration / warm-up', `${formatDurationMs(c.durationMs)} / ${formatDurationMs(c.warmupMs)}`],
    ['feed rate', `${formatNumber(c.rate)} msg/s`],
    ['payload', payloadSetup(c)],
    ['short-poll interval', formatDurationMs(c.intervalMs)],
    ['long-poll hold', formatDurationMs(c.holdMs)],
    ['heartbeat', c.heartbeatMs > 0 ? formatDurationMs(c.heartbeatMs) : 'off'],
    ['header profile', `${c.headers.name} (cookies ${formatCount(c.headers.cookieBytes)} B; ${c.headers.source})`],
    ['workload', c.workload === 'chat' ? `chat: ${formatCount(c.publishers)} publishers × ${formatNumber(c.publishRate)} msg/s` : 'feed'],
    ['compression', compressionSetup(c)],
    ['protocol', protocolSetup(c)],
    ['connect rate / workers / repeats', `${formatNumber(c.connectRate)}/s / ${formatCount(c.workers)} / ${formatCount(c.repeat)}`],
    ['server', c.target ? `target ${c.target}` : 'embedded (a fresh process per transport)'],
    ['preset', c.preset ?? DASH],
    ['cross-origin', crossOriginSetup(c) ?? 'no (same-origin)'],
    ['Authorization header', c.authorizationBytes ? `${formatCount(c.authorizationBytes)} B on every poll, long-poll and publish` : 'none'],
  ];
  return keyValueTable('config', 'Configuration', rows);
}

const COMPRESSION_LABELS = {
  off: 'off (nothing compressed, whatever the clients offer)',
  on: 'on: WebSocket permessage-deflate with context takeover, SSE a gzip stream flushed per event, poll/long-poll br or gzip bodies (bytes at the socket are compressed)',
  'no-context-takeover':
    'on, each message alone: WebSocket permessage-deflate with no context takeover, SSE a gzip stream fully flushed per event, poll/long-poll br or gzip bodies (bytes at the socket are compressed)',
} as const;

/** The run's compression in words (the config table; the Markdown header names it short). */
export function compressionSetup(c: RunConfig): string {
  // A run of several compressions: each, a variant of the run.
  if (varyingAxes(c).includes('compression')) return [...new Set(runVariants(c).map((v) => v.compression))].map((compression) => COMPRESSION_LABELS[compression]).join('; ');
  return COMPRESSION_LABELS[runCompression(c)];
}

const PAYLOAD_LABELS = {
  repeat: 'one repeated string',
  ticks: 'JSON price ticks varying per message',
  chat: 'JSON chat messages varying per message',
} as const;

function payloadSetup(c: RunConfig): string {
  return `${formatCount(c.size)} B, ${runPayload(c)} (${PAYLOAD_LABELS[runPayload(c)]})`;
}

const PROTOCOL_LABELS = {
  http1: 'HTTP/1.1 cleartext',
  'http1-tls': 'HTTP/1.1 over TLS',
  h2: 'HTTP/2 over TLS (WebSocket: HTTP/1.1 over TLS; RFC 8441 is not in ws)',
  h2c: 'HTTP/2 cleartext (WebSocket: HTTP/1.1; RFC 8441 is not in ws)',
} as const;

const TLS_VERIFY_LABELS = {
  'embedded-certificate': "certificate verified (the embedded server's own, self-signed)",
  'ca-file': 'certificate verified against --ca',
  system: "certificate verified against the system's store",
  skipped: 'certificate NOT verified (--insecure, loopback)',
} as const;

function protocolSetup(c: RunConfig): string {
  if (hasVariants(c)) {
    const variants = runVariants(c).map((v) => variantLabel(v)).join('; ');
    return `${variants} (each transport under each; WebSocket stays HTTP/1.1, over TLS when the protocol is)${c.tls === undefined ? '' : `; ${TLS_VERIFY_LABELS[c.tls.verify]}`}${h2SharingSetup(c)}`;
  }
  const label = PROTOCOL_LABELS[c.protocol ?? 'http1'];
  return `${c.tls === undefined ? label : `${label}; ${TLS_VERIFY_LABELS[c.tls.verify]}`}${h2SharingSetup(c)}`;
}

/** Over HTTP/2: how many clients share a connection (`--h2-clients-per-connection`); nothing for runs without HTTP/2. */
function h2SharingSetup(c: RunConfig): string {
  if (!runVariants(c).some((v) => protocolUsesHttp2(v.protocol))) return '';
  const perConnection = c.h2ClientsPerConnection ?? 1;
  return perConnection > 1
    ? `; HTTP/2: ${formatCount(perConnection)} clients per connection, their streams multiplexed (bytes counted once per connection; WebSocket and HTTP/1.1 a connection per client)`
    : '; HTTP/2: a connection per client, as a browser tab opens';
}

export function environmentTable(figures: ReportFigures): Table {
  const { environment: e, startedAt, finishedAt, status } = figures.doc;
  const git = e.gitRevision ? `${e.gitRevision}${e.gitDirty ? ' (dirty)' : ''}` : DASH;
  const rows: [string, string][] = [
    ['run', `${status}, ${startedAt} → ${finishedAt ?? DASH}`],
    ['Node', e.node],
    ['CPU', `${e.cpuModel} × ${formatCount(e.cores)}`],
    ['memory', formatBytes(e.totalMemoryBytes)],
    ['OS', `${e.os} (${e.arch})`],
    ['git revision', git],
    ['wirebench', e.wirebenchVersion],
  ];
  return keyValueTable('environment', 'Environment', rows);
}

function keyValueTable(id: string, title: string, rows: [string, string][]): Table {
  return {
    id,
    title,
    head: ['', ''],
    numeric: [false, false],
    // Free text from the results file (a CPU model, a target URL): clipped, the file is untrusted.
    rows: rows.map(([key, value]) => ({ kind: 'normal', cells: [key, clipText(value, 400)] })),
  };
}

/** Every table, in reading order. */
export function allTables(figures: ReportFigures): Table[] {
  const h2 = hasH2Frames(figures.doc) ? [h2FramesTable(figures)] : [];
  return [throughputTable(figures), stepsTable(figures), costsTable(figures), ...h2, modelTable(figures), correctnessTable(figures), configTable(figures), environmentTable(figures)];
}
