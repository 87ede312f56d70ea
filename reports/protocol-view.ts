/**
 * The protocol view of a run of several variants (`bench --protocol http1,http1-tls,h2`): the
 * websocket.org figure for each variant side by side on one y axis, bytes per delivered message
 * per transport under each, and the sentence saying what changed between them. Built from each
 * variant's own figures (reports/figures.ts `ReportFigures.variants`), so every number is the one
 * that variant's report, the end table and compare show.
 */
import { FIGURES } from '../load/results/figure-registry.js';
import { logAxisMax, logAxisMin, throughputChart, type ChartSpec, type DatasetSpec } from './chart-specs.js';
import { COMPARED_PAIRS as PAIRS, okSteps, type ReportFigures, type StepFigures, type VariantFigures } from './figures.js';
import { formatBytes, formatCount, formatNumber, formatRatio, transportLabel } from './format.js';
import type { Table, TableRow } from './tables.js';

/** One colour per variant, in run order (the transports' colours already tell transports apart elsewhere). */
const VARIANT_COLORS = ['#7f8c8d', '#2471a3', '#1e8449', '#8e44ad', '#d35400', '#17202a'];

function variantColor(index: number): string {
  return VARIANT_COLORS[index % VARIANT_COLORS.length] ?? '#555555';
}

/** The variant's ok step of `transport` at `clients`. */
function stepAt(variant: VariantFigures, transport: string, clients: number): StepFigures | undefined {
  const found = variant.figures.transports.find((t) => t.transport === transport);
  return found ? okSteps(found).find((step) => step.clients === clients) : undefined;
}

/** The largest client count at which every variant measured every one of `transports` ok, or null. */
function commonClients(variants: readonly VariantFigures[], transports: readonly string[]): number | null {
  const counts = variants.flatMap((v) => v.figures.transports.flatMap((t) => okSteps(t).map((step) => step.clients)));
  const common = [...new Set(counts)].filter((clients) => variants.every((v) => transports.every((transport) => stepAt(v, transport, clients) !== undefined)));
  return common.length > 0 ? Math.max(...common) : null;
}

/** What the chart and the table show: the variants, the client count they compare at, the transports (null: a one-variant run, or nothing measured). */
function viewOf(figures: ReportFigures): { variants: VariantFigures[]; clients: number; transports: string[] } | null {
  const variants = figures.variants;
  const clients = variants ? viewClients(variants) : null;
  return variants && clients !== null ? { variants, clients, transports: transportsOf(variants) } : null;
}

/** The transports the view lists: every transport any variant has, in the report's order. */
function transportsOf(variants: readonly VariantFigures[]): string[] {
  return [...new Set(variants.flatMap((v) => v.figures.transports.map((t) => t.transport)))];
}

/** The client count the view compares at: the largest every variant measured for every transport, else for most of them. */
function viewClients(variants: readonly VariantFigures[]): number | null {
  const transports = transportsOf(variants);
  const all = commonClients(variants, transports);
  if (all !== null) return all;
  const each = transports.map((t) => commonClients(variants, [t])).filter((c): c is number => c !== null);
  return each.length > 0 ? Math.max(...each) : null;
}

/** "measured once, under HTTP/1.1 + TLS": a transport whose wire two variants share (WebSocket under h2). */
function sharedNote(variants: readonly VariantFigures[]): string | null {
  const shared = variants.flatMap((v) => v.figures.transports.filter((t) => t.sharedFrom !== null).map((t) => `${transportLabel(t.transport)} under ${v.label} is the ${t.sharedFrom} run, measured once (${v.sharedWhy[t.transport] ?? 'the same wire'})`));
  return shared.length === 0 ? null : `${shared.join('. ')}.`;
}

/**
 * The websocket.org figure per variant, side by side: one chart each, on the same y axis so the
 * bars compare across charts.
 */
export function variantThroughputCharts(figures: ReportFigures): ChartSpec[] {
  const variants = figures.variants ?? [];
  const datasets: DatasetSpec[] = variants.flatMap((v) => throughputChart(v.figures).datasets);
  const [logMin, logMax] = [logAxisMin(datasets), logAxisMax(datasets)];
  return variants.map((v, index) => {
    const chart = throughputChart(v.figures, { id: `chart-throughput-${index + 1}`, variant: v.label, logMin, logMax });
    const note = sharedNote([v]);
    return note ? { ...chart, notes: [note, ...chart.notes] } : chart;
  });
}

/** Bytes per delivered message per transport, one bar per variant, at the view's client count. */
export function protocolChart(figures: ReportFigures): ChartSpec | null {
  const view = viewOf(figures);
  if (!view) return null;
  const { variants, clients, transports } = view;
  const figure = FIGURES.bytesPerMessageWindow;
  const datasets: DatasetSpec[] = variants.map((v, index) => {
    const steps = transports.map((t) => stepAt(v, t, clients));
    return {
      label: v.label,
      color: variantColor(index),
      data: steps.map((step) => step?.figures.bytesPerMessageWindow ?? null),
      saturated: steps.map((step) => step?.saturated ?? false),
    };
  });
  return {
    id: 'chart-protocols',
    title: `Bytes per delivered message by protocol, at ${formatCount(clients)} clients`,
    kind: 'bar',
    labels: transports.map(transportLabel),
    datasets,
    x: { title: 'transport' },
    y: { title: `${figure.name}, down + up`, unit: 'B', log: true, logMin: logAxisMin(datasets), logMax: logAxisMax(datasets) },
    scaleToggle: true,
    notes: [`${figure.name}: ${figure.definition}`, ...[sharedNote(variants)].filter((n) => n !== null)],
  };
}

/** The same as a table (the Markdown's protocol view): a row per transport, a column per variant, and the costly ÷ cheap ratio under each. */
export function protocolTable(figures: ReportFigures): Table | null {
  const view = viewOf(figures);
  if (!view) return null;
  const { variants, clients, transports } = view;
  const rows: TableRow[] = transports.map((transport) => ({
    kind: 'normal',
    cells: [
      transportLabel(transport),
      ...variants.map((v) => {
        const step = stepAt(v, transport, clients);
        const value = step?.figures.bytesPerMessageWindow;
        if (value === null || value === undefined) return '—';
        const shared = v.figures.transports.find((t) => t.transport === transport)?.sharedFrom;
        return `${formatNumber(value)} B${step?.saturated ? ' *' : ''}${shared ? ` (= ${shared})` : ''}`;
      }),
    ],
  }));
  const pair = comparedPair(variants, clients);
  if (pair) {
    rows.push({
      kind: 'reference',
      cells: [`${transportLabel(pair[0])} ÷ ${transportLabel(pair[1])}`, ...variants.map((v) => ratioOf(v, pair, clients)).map((r) => (r === null ? '—' : formatRatio(r.ratio)))],
    });
  }
  return {
    id: 'protocols',
    title: `The protocol view: bytes per delivered message at ${formatCount(clients)} clients`,
    head: ['transport', ...variants.map((v) => v.label)],
    numeric: [false, ...variants.map(() => true)],
    rows,
    note: [`${FIGURES.bytesPerMessageWindow.name}: ${FIGURES.bytesPerMessageWindow.definition} * generator-saturated.`, sharedNote(variants)].filter((n) => n !== null).join(' '),
  };
}

/** The first pair of the headline's order that every variant measured at `clients`. */
function comparedPair(variants: readonly VariantFigures[], clients: number): readonly [string, string] | undefined {
  return PAIRS.find((pair) => variants.every((v) => ratioOf(v, pair, clients) !== null));
}

function ratioOf(v: VariantFigures, [costly, cheap]: readonly [string, string], clients: number): { ratio: number; costly: StepFigures; cheap: StepFigures } | null {
  const a = stepAt(v, costly, clients);
  const b = stepAt(v, cheap, clients);
  const [x, y] = [a?.figures.bytesPerMessageWindow ?? null, b?.figures.bytesPerMessageWindow ?? null];
  return a && b && x !== null && y !== null && y > 0 ? { ratio: x / y, costly: a, cheap: b } : null;
}

/**
 * What changed between the variants, in one sentence: the last variant listed (the one the run
 * leads to, e.g. HTTP/2 + TLS) against each earlier one — "At 1,000 clients, over HTTP/2 + TLS
 * short polling moved 4.1× the bytes of WebSocket per delivered message (…), against 13× over
 * HTTP/1.1 and 12× over HTTP/1.1 + TLS." Returns the sentence and the steps it compares.
 */
export function protocolSentence(figures: ReportFigures): { sentence: string; steps: StepFigures[] } | null {
  const variants = figures.variants;
  if (!variants || variants.length < 2) return null;
  for (const pair of PAIRS) {
    const clients = commonClients(variants, pair);
    if (clients === null) continue;
    const ratios = variants.map((v) => ({ v, r: ratioOf(v, pair, clients) }));
    if (ratios.some(({ r }) => r === null)) continue;
    const [lead, ...others] = [...ratios].reverse();
    const r = lead!.r!;
    const bytes = (s: StepFigures) => formatBytes(s.figures.bytesPerMessageWindow ?? 0);
    const against = others.reverse().map(({ v, r: o }) => `${formatRatio(o!.ratio)} over ${v.label} (${bytes(o!.costly)} against ${bytes(o!.cheap)})`);
    const sentence = `At ${formatCount(clients)} clients, over ${lead!.v.label} ${transportLabel(pair[0])} moved ${formatRatio(r.ratio)} the bytes of ${transportLabel(pair[1])} per delivered message (${bytes(r.costly)} against ${bytes(r.cheap)}), against ${listed(against)}.`;
    // Each step once (a transport measured once for two variants is one step), named with its variant.
    const steps = new Map<StepFigures['result'], StepFigures>();
    for (const { v, r: o } of ratios) for (const step of [o!.costly, o!.cheap]) if (!steps.has(step.result)) steps.set(step.result, { ...step, variant: v.label });
    return { sentence, steps: [...steps.values()] };
  }
  return null;
}

/** "a", "a and b", "a, b and c". */
function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
