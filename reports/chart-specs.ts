/**
 * What each chart shows, as plain JSON: the browser script (html-client.ts) turns a spec into a
 * Chart.js configuration. Keeping the numbers and labels here (pure, unit-tested) leaves the
 * browser side to styling only.
 */
import { BREAKDOWN_PARTS, type BytesBreakdown } from './bytes-model.js';
import { crossOriginSetup, preflightCosts } from './cross-origin.js';
import { comparisonSteps, okSteps, type ReportFigures, type StepFigures } from './figures.js';
import { formatCount, formatNumber, transportVariantLabel } from './format.js';
import { SATURATED_MARK } from './tables.js';
import { FIGURE_LAYERS, FIGURES, type FigureLayer } from '../load/results/figure-registry.js';
import { CAPTURE_SCOPE, LAYER_LABELS } from './figure-cells.js';

const LAYER_TITLES: Record<FigureLayer, string> = { payload: 'payload', socket: 'TCP socket', ip: 'IP layer' };

export interface XYPoint {
  x: number;
  y: number | null;
}

export interface DatasetSpec {
  label: string;
  color: string;
  /** Bar charts: one value per label. Line charts: points. */
  data: (number | null)[] | XYPoint[];
  /** Overhead-only view of the same series (throughput chart's toggle). */
  altData?: (number | null)[];
  /** Per layer of the layer switch: the series (`layer`) and its overhead-only view (`layer:overhead`). */
  views?: Record<string, (number | null)[]>;
  /** Per value: projected rather than measured (drawn hatched, labelled). */
  projected?: boolean[];
  /** Per value: the run tried this count and the step failed (no bar; marked "✗ failed"). */
  failed?: boolean[];
  /** Per value: the step was generator-saturated (drawn with a marker). */
  saturated?: boolean[];
  /** A reference series (the paper's model): outlined, not filled. */
  reference?: boolean;
  dashed?: boolean;
  /** Line charts: a dotted line (a third kind of series beside solid and dashed). */
  dotted?: boolean;
  stack?: string;
  /** Line drawn over a bar chart, on the right-hand axis. */
  overlayLine?: boolean;
}

export interface AxisSpec {
  title: string;
  log?: boolean;
  stacked?: boolean;
  /** Unit appended to tooltip values. */
  unit?: string;
  min?: number;
  max?: number;
  /** Bounds on a log axis: the smallest bar must stand above the floor, the tallest leave room for its marks. */
  logMin?: number;
  logMax?: number;
}

export interface ChartSpec {
  id: string;
  title: string;
  kind: 'bar' | 'line';
  /** Bar charts: category labels (an array is drawn on several lines). */
  labels?: (string | string[])[];
  datasets: DatasetSpec[];
  x: AxisSpec;
  y: AxisSpec;
  /** Right-hand axis for overlay lines. */
  y2?: AxisSpec;
  /** Offer a linear / log button for the y axis. */
  scaleToggle: boolean;
  /** Offer a total / overhead-only button (datasets carry altData). */
  overheadToggle?: { altTitle: string };
  /** Offer a button per layer (datasets carry views); `initial` is drawn first. */
  layerSwitch?: { layers: { id: string; label: string; title: string }[]; initial: string };
  notes: string[];
}

/** One colour per transport, stable across charts; a transport added later gets a spare. */
const TRANSPORT_COLORS: Readonly<Record<string, string>> = {
  poll: '#c0392b',
  longpoll: '#e67e22',
  sse: '#27ae60',
  ws: '#2471a3',
};
const SPARE_COLORS = ['#8e44ad', '#16a085', '#7f8c8d'];

export function transportColor(transport: string, index = 0): string {
  return TRANSPORT_COLORS[transport] ?? SPARE_COLORS[index % SPARE_COLORS.length] ?? '#555555';
}

/** How the n-th variant of a run of several shades its transport's colour: as is, darker, lighter, … */
const VARIANT_SHADES = [0, -0.45, 0.45, -0.7, 0.7];

/** A transport's colour in a run of several variants: shaded by the variant's place in the run. */
export function seriesColor(figures: ReportFigures, series: { transport: string; variant: string | null }, index = 0): string {
  const base = transportColor(series.transport, index);
  const ordinal = figures.variants?.findIndex((v) => v.label === series.variant) ?? -1;
  const shade = VARIANT_SHADES[Math.max(0, ordinal) % VARIANT_SHADES.length] ?? 0;
  if (shade === 0 || !/^#[0-9a-f]{6}$/i.test(base)) return base;
  const channels = [1, 3, 5].map((at) => parseInt(base.slice(at, at + 2), 16));
  const mixed = channels.map((c) => Math.round(shade < 0 ? c * (1 + shade) : c + (255 - c) * shade));
  return `#${mixed.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

const PART_COLORS: Record<keyof BytesBreakdown, string> = {
  payload: '#5dade2',
  headers: '#c0392b',
  framing: '#f5b041',
  handshake: '#8e44ad',
  heartbeats: '#58d68d',
  publish: '#7f8c8d',
  preflight: '#d35400',
};

type StepRef = Pick<StepFigures, 'transport' | 'variant' | 'clients' | 'saturated'>;

function saturationNote(steps: readonly StepRef[]): string[] {
  const saturated = steps.filter((step) => step.saturated);
  if (saturated.length === 0) return [];
  const list = [...new Set(saturated.map((step) => `${transportVariantLabel(step)} at ${formatCount(step.clients)}`))].join(', ');
  return [`${SATURATED_MARK} generator-saturated (figures may reflect the load generator): ${list}.`];
}

function allStepsOf(figures: ReportFigures): StepFigures[] {
  return figures.transports.flatMap((t) => t.steps);
}

function stepLabel(step: StepFigures): string[] {
  return [transportVariantLabel(step), `${formatCount(step.clients)} clients${step.saturated ? ` ${SATURATED_MARK}` : ''}`];
}

function positiveValues(datasets: readonly DatasetSpec[]): number[] {
  return datasets
    .flatMap((ds) => [...ds.data, ...(ds.altData ?? []), ...Object.values(ds.views ?? {}).flat()])
    .flatMap((v) => (typeof v === 'number' ? [v] : v && v.y !== null ? [v.y] : []))
    .filter((v) => v > 0);
}

/** The power of ten below the smallest positive value, a decade lower when that value sits within 1.5× of it. */
export function logAxisMin(datasets: readonly DatasetSpec[]): number | undefined {
  const values = positiveValues(datasets);
  if (values.length === 0) return undefined;
  const smallest = Math.min(...values);
  const floor = 10 ** Math.floor(Math.log10(smallest));
  return smallest / floor < 1.5 ? floor / 10 : floor;
}

/** The first 1, 2 or 5 × 10^k at or above twice the largest value: room above the tallest bar for its marks. */
export function logAxisMax(datasets: readonly DatasetSpec[]): number | undefined {
  const values = positiveValues(datasets);
  if (values.length === 0) return undefined;
  const target = Math.max(...values) * 2;
  const decade = 10 ** Math.floor(Math.log10(target));
  const lead = [1, 2, 5, 10].find((d) => d * decade >= target * (1 - 1e-9)) ?? 10;
  return Number((lead * decade).toPrecision(6));
}

/** One variant's websocket.org figure among several (the protocol view): its own id, its variant in the title, the y axis all of them share. */
export interface ThroughputChartPlace {
  id: string;
  variant: string;
  logMin: number | undefined;
  logMax: number | undefined;
}

export function throughputChart(figures: ReportFigures, place?: ThroughputChartPlace): ChartSpec {
  const counts = figures.paper.map((p) => p.clients);
  // The TCP/IP layer only when the run carries a capture's figures.
  const captured = figures.throughput.some((cell) => cell.layers.ip.total !== null);
  const layers = FIGURE_LAYERS.filter((layer) => layer !== 'ip' || captured);
  const datasets: DatasetSpec[] = figures.transports.map((t, index) => {
    const cells = counts.map((clients) => figures.throughput.find((c) => c.transport === t.transport && c.variant === t.variant && c.clients === clients));
    return {
      label: transportVariantLabel(t),
      color: seriesColor(figures, t, index),
      data: cells.map((cell) => cell?.totalMbps ?? null),
      altData: cells.map((cell) => cell?.overheadMbps ?? null),
      views: Object.fromEntries(
        layers.flatMap((layer) => [
          [layer, cells.map((cell) => cell?.layers[layer].total ?? null)],
          [`${layer}:overhead`, cells.map((cell) => cell?.layers[layer].overhead ?? null)],
        ]),
      ),
      projected: cells.map((cell) => cell?.source === 'projected'),
      failed: cells.map((cell) => cell?.source === 'failed'),
      saturated: cells.map((cell) => cell?.saturated ?? false),
    };
  });
  datasets.push(
    {
      label: "paper's model, polling 871 B/poll (our SI recomputation)",
      color: '#555555',
      data: figures.paper.map((p) => p.pollMbps),
      altData: figures.paper.map((p) => p.pollMbps),
      reference: true,
    },
    {
      label: "paper's model, WebSocket 2 B/frame (our SI recomputation)",
      color: '#999999',
      data: figures.paper.map((p) => p.wsMbps),
      altData: figures.paper.map((p) => p.wsMbps),
      reference: true,
    },
  );
  const projectedFrom = figures.throughput
    .filter((cell) => cell.source === 'projected')
    .map((cell) => `${transportVariantLabel(cell)} from ${formatCount(cell.fromClients ?? 0)}`);
  const uniqueFrom = [...new Set(projectedFrom)];
  const failedCells = figures.throughput.filter((cell) => cell.source === 'failed');
  const notProjected = figures.throughput.filter((cell) => cell.source === 'none' && cell.failedAt !== null);
  const notes = [
    `At ${formatNumber(figures.messagesPerSec)} msg/s per client, short polls every ${formatNumber(1000 / figures.pollsPerSec)} ms.`,
    uniqueFrom.length > 0
      ? `Hatched bars labelled "projected" were not measured: they scale linearly the per-client byte rate of the largest measured step (${uniqueFrom.join('; ')} clients).`
      : failedCells.length === 0 ? 'Every bar was measured.' : 'No bar is projected.',
    ...(failedCells.length > 0
      ? [`✗ failed: the run tried ${failedCells.map((c) => `${transportVariantLabel(c)} at ${formatCount(c.clients)}`).join(', ')} and the step failed (reasons in the steps table); nothing is projected there or beyond.`]
      : []),
    ...(notProjected.length > 0 && failedCells.length === 0
      ? [`Not projected beyond a failed step: ${notProjected.map((c) => `${transportVariantLabel(c)} at ${formatCount(c.clients)}`).join(', ')}.`]
      : []),
    `Outlined grey bars: the paper's model (871 B of HTTP headers per poll, 2 B per WebSocket frame), overhead only, recomputed by us in decimal Mbps at this run's rates; measured bars include the payload unless “overhead only” is selected. The paper printed ${figures.paper.map((p) => p.publishedPoll).join(' / ')} and ${figures.paper.map((p) => p.publishedWs).join(' / ')} Mbps: it divided bits/s by 2^20.`,
    `Layers: “payload” is the message texts; “${LAYER_LABELS.socket}” adds what the clients' TCP sockets carry besides (HTTP heads, chunk framing, SSE fields, WebSocket frame headers and masks, handshakes, heartbeats); ${
      captured ? `“${LAYER_LABELS.ip}” adds the TCP/IP headers of every segment and the ACK-only segments. ${CAPTURE_SCOPE}` : `“${LAYER_LABELS.ip}” appears when the run has a packet capture (bench --capture).`
    }`,
    ...saturationNote(figures.throughput.map((c) => ({ transport: c.transport, variant: c.variant, clients: c.fromClients ?? c.clients, saturated: c.saturated }))),
  ];
  const crossOrigin = [crossOriginSetup(figures.doc.config), preflightCosts(figures)].filter((line) => line !== null);
  notes.push(...crossOrigin);
  return {
    id: place?.id ?? 'chart-throughput',
    title: `The websocket.org figure, measured${place ? ` over ${place.variant}` : ''}: network throughput${crossOrigin.length > 0 ? ' (cross-origin variant)' : ''}`,
    kind: 'bar',
    labels: counts.map((clients) => `${formatCount(clients)} clients`),
    datasets,
    x: { title: 'connected clients' },
    // Log by default: on a linear axis the WebSocket and SSE bars (and the paper's) vanish beside polling.
    y: { title: 'Mbps (decimal megabits/s, 10^6 bit/s), down + up', unit: 'Mbps', min: 0, log: true, logMin: place ? place.logMin : logAxisMin(datasets), logMax: place ? place.logMax : logAxisMax(datasets) },
    scaleToggle: true,
    overheadToggle: { altTitle: 'overhead Mbps (decimal megabits/s), down + up' },
    layerSwitch: {
      initial: 'socket',
      layers: layers.map((layer) => ({ id: layer, label: LAYER_LABELS[layer], title: `Mbps, ${LAYER_TITLES[layer]} (10^6 bit/s), down + up` })),
    },
    notes,
  };
}

export function bytesPerMessageChart(figures: ReportFigures): ChartSpec {
  const steps = comparisonSteps(figures);
  const measured = (label: string, color: string, pick: (s: StepFigures) => number | null, top = false): DatasetSpec => ({
    label,
    color,
    data: steps.map(pick),
    stack: 'measured',
    // Marked once, on the top segment of the stack.
    ...(top ? { saturated: steps.map((s) => s.saturated) } : {}),
  });
  const datasets: DatasetSpec[] = [
    measured('measured: payload down', PART_COLORS.payload, (s) => s.figures.downPayloadBytesPerMessage),
    measured('measured: overhead down', '#922b21', (s) => s.figures.downOverheadBytesPerMessage),
    measured('measured: payload up', '#aed6f1', (s) => s.figures.upPayloadBytesPerMessage),
    measured('measured: overhead up', '#e6b0aa', (s) => s.figures.upOverheadBytesPerMessage, true),
  ];
  for (const part of BREAKDOWN_PARTS) {
    const values = steps.map((s) => (s.model ? s.model.down[part] + s.model.up[part] : null));
    if (values.every((v) => v === null || v === 0) && part !== 'payload') continue;
    datasets.push({ label: `model: ${part}`, color: PART_COLORS[part], data: values, stack: 'model', reference: true });
  }
  return {
    id: 'chart-bytes',
    title: 'Bytes per delivered message: payload vs overhead, measured beside the model',
    kind: 'bar',
    labels: steps.map(stepLabel),
    datasets,
    x: { title: 'transport (at the largest client count all transports measured)', stacked: true },
    y: { title: 'bytes per delivered message (down + up)', unit: 'B', stacked: true, min: 0 },
    scaleToggle: false,
    notes: [
      'Left bar of each pair: measured at the clients’ sockets (down = server→client, up = client→server). Right bar, outlined: the bytes model, split into payload, headers, framing, handshake, heartbeats and publishing.',
      ...saturationNote(steps),
    ],
  };
}

function lineSeries(figures: ReportFigures, label: string, pick: (s: StepFigures) => number | null, dashed = false): DatasetSpec[] {
  return figures.transports.map((t, index) => {
    const steps = okSteps(t).filter((s) => pick(s) !== null);
    return {
      label: label ? `${transportVariantLabel(t)} ${label}` : transportVariantLabel(t),
      color: seriesColor(figures, t, index),
      data: steps.map((s) => ({ x: s.clients, y: pick(s) })),
      saturated: steps.map((s) => s.saturated),
      dashed,
    };
  });
}

export function latencyChart(figures: ReportFigures): ChartSpec {
  const ms = (us: number | null) => (us === null ? null : us / 1000);
  return {
    id: 'chart-latency',
    title: 'Delivery latency: p50 (solid) and p99 (dashed)',
    kind: 'line',
    datasets: [...lineSeries(figures, 'p50', (s) => ms(s.figures.latencyP50Us)), ...lineSeries(figures, 'p99', (s) => ms(s.figures.latencyP99Us), true)],
    x: { title: 'connected clients (log)', log: true },
    y: { title: 'latency, ms (log): receive time − scheduled publish time', log: true, unit: 'ms' },
    scaleToggle: true,
    notes: saturationNote(allStepsOf(figures).filter((s) => s.status === 'ok')),
  };
}

export function cpuChart(figures: ReportFigures): ChartSpec {
  const server = FIGURES.cpuPerMessageUs;
  const generator = FIGURES.generatorCpuPerMessageUs;
  const generatorSeries = lineSeries(figures, `(${generator.name})`, (s) => s.figures.generatorCpuPerMessageUs, true).filter((ds) => ds.data.length > 0);
  return {
    id: 'chart-cpu',
    title: 'CPU time per delivered message: server (solid), load generator (dashed)',
    kind: 'line',
    datasets: [...lineSeries(figures, '', (s) => s.figures.cpuPerMessageUs), ...generatorSeries],
    x: { title: 'connected clients (log)', log: true },
    y: { title: `${server.name}, µs (user + system, window)`, unit: 'µs', min: 0 },
    scaleToggle: true,
    notes: [
      `${server.name}: ${server.definition}${generatorSeries.length > 0 ? ` ${generator.name} (dashed): ${generator.definition}` : ''}`,
      ...saturationNote(allStepsOf(figures).filter((s) => s.status === 'ok' && s.figures.cpuPerMessageUs !== null)),
    ],
  };
}

export function rssChart(figures: ReportFigures): ChartSpec {
  const heap = FIGURES.heapPerConnectionBytes;
  const rss = FIGURES.rssPerConnectionBytes;
  const kib = (bytes: number | null) => (bytes === null ? null : bytes / 1024);
  const datasets = [
    ...lineSeries(figures, 'heap', (s) => kib(s.figures.heapPerConnectionBytes)),
    ...lineSeries(figures, 'RSS', (s) => kib(s.figures.rssPerConnectionBytes), true),
  ].filter((ds) => ds.data.length > 0);
  return {
    id: 'chart-rss',
    title: 'Server memory per connection, measured within each step',
    kind: 'line',
    datasets,
    x: { title: 'connected clients (log)', log: true },
    y: { title: 'KiB per connection', unit: 'KiB' },
    scaleToggle: true,
    notes: [
      datasets.length > 0
        ? `${heap.name} (solid): ${heap.definition} ${rss.name} (dashed): ${rss.definition}`
        : 'This results file has no memory per connection (it needs a results file of version 2 and a server that can collect garbage on request).',
      ...saturationNote(allStepsOf(figures).filter((s) => s.figures.heapPerConnectionBytes !== null)),
    ],
  };
}

/** Low enough to show the lowest reach, high enough that a 0.2 % loss is visible. */
export function reachAxisMin(steps: readonly StepFigures[]): number {
  const reaches = steps.flatMap((s) => (s.figures.reach === null ? [] : [s.figures.reach * 100]));
  const lowest = reaches.length > 0 ? Math.min(...reaches) : 100;
  return Math.max(0, Math.floor(lowest) - (lowest > 99 ? 1 : 5));
}

export function correctnessChart(figures: ReportFigures): ChartSpec {
  const steps = allStepsOf(figures);
  const counts = (pick: (s: StepFigures) => number | null) => steps.map(pick);
  return {
    id: 'chart-correctness',
    title: 'Correctness: reach, lost and duplicated messages per step',
    kind: 'bar',
    labels: steps.map((s) => (s.status === 'failed' ? [...stepLabel(s), '✗ failed'] : stepLabel(s))),
    datasets: [
      { label: 'lost', color: '#c0392b', data: counts((s) => s.figures.lost), saturated: steps.map((s) => s.saturated) },
      { label: 'duplicated', color: '#f39c12', data: counts((s) => s.figures.duplicated) },
      { label: 'out of order', color: '#8e44ad', data: counts((s) => s.figures.outOfOrder) },
      {
        label: 'reach (delivered ÷ expected), right axis',
        color: '#27ae60',
        data: steps.map((s) => (s.figures.reach === null ? null : s.figures.reach * 100)),
        overlayLine: true,
      },
    ],
    x: { title: 'step' },
    y: { title: 'messages (lost / duplicated / out of order)', unit: 'messages', min: 0 },
    y2: { title: 'reach, %', unit: '%', min: reachAxisMin(steps), max: 100 },
    scaleToggle: false,
    notes: [
      'Zero lost, duplicated and out-of-order messages and 100 % reach on a healthy run. Failed steps are marked ✗ (their reasons are in the table).',
      ...saturationNote(steps),
    ],
  };
}

export function upstreamChart(figures: ReportFigures): ChartSpec | null {
  if (figures.doc.config.workload !== 'chat') return null;
  const steps = comparisonSteps(figures).filter((s) => s.measurement && s.published !== null && s.published > 0);
  if (steps.length === 0) return null;
  return {
    id: 'chart-upstream',
    title: 'Upstream: bytes per published message (chat workload)',
    kind: 'bar',
    labels: steps.map(stepLabel),
    datasets: [
      {
        label: 'measured: publish body (payload up) ÷ published',
        color: '#aed6f1',
        data: steps.map((s) => (s.measurement && s.published ? s.measurement.window.bytes.up.payloadBytes / s.published : null)),
        saturated: steps.map((s) => s.saturated),
      },
      { label: 'wire sample: one publish, up (request or frame)', color: '#2471a3', data: steps.map((s) => s.measurement?.wire.publishUpBytes ?? null) },
      { label: 'wire sample: its answer, down', color: '#5dade2', data: steps.map((s) => s.measurement?.wire.publishDownBytes ?? null) },
    ],
    x: { title: 'transport' },
    y: { title: 'bytes per published message', unit: 'B', min: 0 },
    scaleToggle: true,
    notes: [
      'HTTP transports publish with POST /publish (a request and its answer); WebSocket sends a masked frame on its own socket and gets no answer. The difference between a publish and its body is the upstream overhead.',
      ...saturationNote(steps),
    ],
  };
}

/**
 * The report's charts. A run of several variants draws the websocket.org figure once per variant
 * (reports/protocol-view.ts, placed first by the exporter), not one chart of every transport × variant.
 */
export function chartSpecs(figures: ReportFigures): ChartSpec[] {
  const upstream = upstreamChart(figures);
  return [
    ...(figures.variants ? [] : [throughputChart(figures)]),
    bytesPerMessageChart(figures),
    latencyChart(figures),
    cpuChart(figures),
    rssChart(figures),
    correctnessChart(figures),
    ...(upstream ? [upstream] : []),
  ];
}
