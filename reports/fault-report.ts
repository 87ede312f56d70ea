/**
 * The "when connections break" figure and table of a run with `--fault`: per transport (its
 * largest step that ran), messages delivered live, recovered (replayed after a reconnect) and
 * lost per second of publish time around the fault; and per step lost, recovered, duplicates,
 * time to recover and the reconnect storm against the steady state. Reads only the results schema.
 */
import type { FaultFigures, Measurement, ResultsDocument } from '../load/results/results-schema.js';
import { FIGURES, figuresIn, type FigureId } from '../load/results/figure-registry.js';
import { transportColor, type ChartSpec, type DatasetSpec } from './chart-specs.js';
import { formatCount, formatNumber, transportLabel } from './format.js';
import { formatFigure } from './figure-cells.js';
import type { Table, TableRow } from './tables.js';
import { entryName } from '../load/results/run-variants.js';

interface FaultStep {
  transport: string;
  /** Its display name, with its variant in a run of several. */
  name: string;
  clients: number;
  /** The step's measurement (it has `faults`): the registry reads the table's counts from it. */
  measurement: Measurement;
  faults: FaultFigures;
}

function faultSteps(doc: ResultsDocument): FaultStep[] {
  return doc.results.flatMap((r) =>
    r.steps.flatMap((s) => {
      const m = s.measurement;
      return m?.faults ? [{ transport: r.transport, name: entryName(doc.config, r, transportLabel(r.transport)), clients: s.clients, measurement: m, faults: m.faults }] : [];
    }),
  );
}

/**
 * Per bucket → per second, on an x axis of seconds from the window's start. Buckets are merged
 * `k` at a time so that each holds at least one feed interval (at 1 msg/s a 500 ms bucket holds a
 * message every other time, and the line would zig-zag between 0 and twice the rate).
 */
function series(values: readonly number[], bucketMs: number, k: number): Array<{ x: number; y: number }> {
  const points: Array<{ x: number; y: number }> = [];
  // A trailing partial group is left out: half a feed interval would read as half (or twice) the rate.
  for (let i = 0; i + k <= values.length; i += k) {
    const sum = values.slice(i, i + k).reduce((a, b) => a + b, 0);
    points.push({ x: (i * bucketMs) / 1000, y: (sum * 1000) / (k * bucketMs) });
  }
  return points;
}

export function faultChart(doc: ResultsDocument): ChartSpec | undefined {
  const steps = faultSteps(doc);
  if (steps.length === 0) return undefined;
  const largest = new Map<string, FaultStep>();
  for (const step of steps) if ((largest.get(step.name)?.clients ?? 0) < step.clients) largest.set(step.name, step);
  const datasets: DatasetSpec[] = [...largest.values()].flatMap((step, index) => {
    const { timeline } = step.faults;
    const k = doc.config.rate > 0 ? Math.max(1, Math.ceil(1000 / (doc.config.rate * timeline.bucketMs))) : 1;
    const label = `${step.name} (${formatCount(step.clients)})`;
    const color = transportColor(step.transport, index);
    return [
      { label: `${label} delivered`, color, data: series(timeline.delivered, timeline.bucketMs, k) },
      { label: `${label} recovered`, color, data: series(timeline.recovered, timeline.bucketMs, k), dashed: true },
      { label: `${label} lost`, color, data: series(timeline.lost, timeline.bucketMs, k), dotted: true },
    ];
  });
  const first = [...largest.values()][0];
  const injected = first?.faults.injected ?? [];
  return {
    id: 'chart-faults',
    title: 'When connections break: messages delivered, recovered and lost per second, by publish time',
    kind: 'line',
    datasets,
    x: { title: 'seconds from the start of the measured window (publish time)', unit: 's', min: 0 },
    y: { title: 'messages per second (all clients)', unit: 'msg/s', min: 0 },
    scaleToggle: true,
    notes: [
      `Injected (${first ? `${first.name}, ${formatCount(first.clients)} clients` : ''}; every step has its own in the table): ${injected.map((f) => `${f.kind} at ${formatNumber(f.atMs / 1000)} s (${f.note})`).join('; ') || 'nothing'}.`,
      'Delivered (solid): arrived live. Recovered (dashed): published before the client’s reconnect and replayed to it afterwards. Lost (dotted): expected (the seqs any client saw × clients) and never delivered — after a restart the old epoch’s history is gone.',
      'Each transport’s largest step is drawn; the table below has every step.',
    ],
  };
}

function rates(r: FaultFigures['storm'] | null): string {
  if (r === null) return '—';
  const cpu = r.serverCpuMsPerSec === null ? '—' : `${formatNumber(r.serverCpuMsPerSec)} ms/s`;
  return `${formatNumber(r.connectsPerSec)} conn/s · ${formatNumber(r.bytesPerSec / 1000)} kB/s · CPU ${cpu}`;
}

export function faultTable(doc: ResultsDocument): Table | undefined {
  const steps = faultSteps(doc);
  if (steps.length === 0) return undefined;
  // The counts and times are the registry's (view `faults`); what was injected and the rates are text.
  const ids = figuresIn('faults');
  const rows: TableRow[] = steps.map((s) => {
    const value = (id: FigureId) => FIGURES[id].read(s.measurement, s.clients, doc.config);
    return {
      kind: (value('lost') ?? 0) > 0 ? 'failed' : 'normal',
      cells: [
        s.name,
        formatCount(s.clients),
        s.faults.injected.map((f) => `${f.kind} ${formatNumber(f.durationMs / 1000)} s`).join(', ') || '—',
        ...ids.map((id) => formatFigure(id, value(id))),
        rates(s.faults.steady),
        rates(s.faults.storm),
      ],
    };
  });
  return {
    id: 'faults',
    title: 'When connections break: loss, recovery and the reconnect storm',
    head: ['transport', 'clients', 'fault (how long it lasted)', ...ids.map((id) => FIGURES[id].name), 'steady (before the fault)', 'storm (fault → 99 % recovered)'],
    numeric: [false, true, false, ...ids.map(() => true), false, false],
    rows,
    note: 'How long: a restart from the signal until the new server listened (downtime plus its start-up), a stall until SIGCONT, a drop its period. Lost and duplicated: messages published in the window. Recovered: delivered after the client reconnected, published before it (replayed from history). Resets: reset signals received — a cursor from an epoch the server lost (the gap where the epoch changed). Time to recover: from the fault to each hit client’s first delivered message after it. Connections reset, idle dropped, stalled dropped: counted by the server over the window (/stats; — when it does not say) — connections it reset (drop-server), long-polls it closed for sending no next request in time, SSE streams it cut for taking no byte in time. Storm: TCP connections opened, socket bytes both ways, and server CPU per second.',
  };
}
