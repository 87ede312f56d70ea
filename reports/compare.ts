/**
 * Compare two results documents (a baseline and a current run) per transport and client step,
 * metric by metric, against thresholds that are data (reports/compare-thresholds.ts). Pure: the
 * CLI reads the files, this decides, an exporter (reports/compare-exporters.ts) renders.
 *
 * With `--repeat N` a step's measurement already holds the medians of its repeats
 * (load/meter/repeat-median.ts), so compare reads `measurement` whatever N was.
 */
import { runPayload, type Measurement, type ResultsDocument, type RunConfig, type StepResult } from '../load/results/results-schema.js';
import { judge, type GateScope, type Threshold, type Verdict } from './compare-thresholds.js';
import { defaultThreshold, FIGURES, GATED_FIGURES, type FigureUnit, type GatedFigureId } from '../load/results/figure-registry.js';
import { clipText } from './format.js';
import { TRANSPORTS } from '../servers/contract.js';
import { entryOf, hasVariants, plannedRuns, runVariants, VARIANT_AXES, variantLabel, varyingAxes, type VariantAxis } from '../load/results/run-variants.js';

/** The figures compare gates, in the order of its rows: every figure of the results model with a `gate`. */
export const RESULT_METRICS: readonly GatedFigureId[] = GATED_FIGURES;
export type ResultMetric = GatedFigureId;

/** Units of compare's rows: the figures' own, and nanoseconds for microbenchmarks. */
export type MetricUnit = FigureUnit | 'ns';

interface MetricDefinition {
  label: string;
  unit: MetricUnit;
  /** null when the step has no such figure (nothing delivered, no server stats). */
  value(measurement: Measurement, clients: number): number | null;
}

/**
 * How each gated figure is read from a step's (median) measurement: the results model's
 * definition, name and unit (load/figure-registry.ts), so compare, the end table and the report
 * say the same thing. Bytes per message is the whole step's figure, the deterministic one (see there).
 */
export const RESULT_METRIC_DEFINITIONS: Readonly<Record<ResultMetric, MetricDefinition>> = Object.fromEntries(
  RESULT_METRICS.map((metric) => [metric, { label: FIGURES[metric].name, unit: FIGURES[metric].unit, value: FIGURES[metric].read }]),
) as Record<ResultMetric, MetricDefinition>;

/**
 * Defaults, each the figure's `gate` in the results model; every one is a flag (scripts/compare.ts).
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<ResultMetric, Threshold>> = Object.fromEntries(RESULT_METRICS.map((metric) => [metric, defaultThreshold(metric)])) as Record<ResultMetric, Threshold>;

/**
 * Where a transport's figure is gated otherwise (polling's bytes per message follows timing; see
 * the figure's gate in the results model), by transport and figure.
 */
export const TRANSPORT_THRESHOLDS: Readonly<Partial<Record<string, Partial<Record<ResultMetric, Threshold>>>>> = Object.fromEntries(
  TRANSPORTS.map((transport) => [
    transport,
    Object.fromEntries(RESULT_METRICS.flatMap((metric) => (FIGURES[metric].gate?.transports?.[transport] ? [[metric, defaultThreshold(metric, transport)]] : []))),
  ]),
);

export interface CompareRow {
  /** What is compared: "ws @ 10 clients" ("ws (HTTP/2 + TLS) @ 10 clients" in a run of several variants), or a microbenchmark group. */
  subject: string;
  transport?: string;
  /** A run of several variants: the step's ("HTTP/2 + TLS"). */
  variant?: string;
  clients?: number;
  metric: string;
  label: string;
  unit: MetricUnit;
  baseline: number | null;
  current: number | null;
  threshold: Threshold;
  verdict: Verdict;
  /** Why a row has no numbers or what to keep in mind (failed step, saturated generator). */
  note?: string;
}

export interface CompareReport {
  baselineName: string;
  currentName: string;
  scope: GateScope;
  rows: CompareRow[];
  /** Printed on stderr; never fail the comparison (different machine, different duration). */
  warnings: string[];
  regressions: number;
}

/** Two runs whose results cannot be compared (different configuration): exit 2. */
export class CompareRefusedError extends Error {
  override name = 'CompareRefusedError';
}

export interface CompareOptions {
  baselineName: string;
  currentName: string;
  thresholds?: Partial<Record<ResultMetric, Threshold>>;
  scope?: GateScope;
}

/** Configuration that changes what is measured: comparing across a change would be meaningless. */
export const COMPARABLE_CONFIG: readonly { key: string; read: (c: RunConfig) => unknown }[] = [
  { key: 'transports', read: (c) => c.transports.join(',') },
  { key: 'clients (ladder)', read: (c) => c.clients.join(',') },
  { key: 'header profile', read: (c) => `${c.headers.name}, cookie ${c.headers.cookieBytes} B, ${JSON.stringify(c.headers.headers)}` },
  { key: 'rate', read: (c) => c.rate },
  { key: 'size', read: (c) => c.size },
  { key: 'interval', read: (c) => c.intervalMs },
  { key: 'hold', read: (c) => c.holdMs },
  { key: 'heartbeat', read: (c) => c.heartbeatMs },
  { key: 'workload', read: (c) => `${c.workload}, ${c.publishers} publishers at ${c.publishRate}/s` },
  { key: 'payload', read: (c) => runPayload(c) },
  // Each axis of the matrix (load/results/run-variants.ts): the run's values of it, in order.
  ...(Object.keys(VARIANT_AXES) as VariantAxis[]).map((axis) => ({ key: axis, read: (c: RunConfig) => runVariants(c).map((v) => v[axis]).join(',') })),
  { key: 'authorization', read: (c) => `${c.authorizationBytes ?? 0} B` },
  { key: 'HTTP/2 clients per connection', read: (c) => c.h2ClientsPerConnection ?? 1 },
  {
    key: 'cross-origin',
    read: (c) => (c.crossOrigin ? `${c.crossOrigin.pageOrigin}, credentials ${String(c.crossOrigin.credentials)}, max-age ${c.crossOrigin.serverMaxAgeSeconds ?? 'target'}` : 'same-origin'),
  },
];

/** Settings that move only the noise: a warning in compare, not a refusal (merge refuses some: {@link MERGE_CONFIG}). */
const NOISE_CONFIG: readonly { key: string; read: (c: RunConfig) => unknown }[] = [
  { key: 'duration', read: (c) => c.durationMs },
  { key: 'warmup', read: (c) => c.warmupMs },
  { key: 'repeat', read: (c) => c.repeat },
  { key: 'workers', read: (c) => c.workers },
  { key: 'connect rate', read: (c) => c.connectRate },
  // A server started per run on port 0 (wirebench ci --server-command) is the same target on another port.
  { key: 'target', read: (c) => (c.target ? new URL(c.target).hostname : 'embedded') },
];

/**
 * What whole runs merged into one document must share: the comparable settings and the schedule
 * and target — the merged document states one duration, warm-up, repeat count and target, so a
 * part measured otherwise would be labelled with another run's (workers and connect rate only
 * move the noise and may differ).
 */
export const MERGE_CONFIG: readonly { key: string; read: (c: RunConfig) => unknown }[] = [
  ...COMPARABLE_CONFIG,
  ...NOISE_CONFIG.filter(({ key }) => ['duration', 'warmup', 'repeat', 'target'].includes(key)),
];

/** Throws {@link CompareRefusedError} naming every configuration difference. */
export function checkComparable(baseline: ResultsDocument, current: ResultsDocument): void {
  const differences = COMPARABLE_CONFIG.flatMap(({ key, read }) => {
    const [a, b] = [read(baseline.config), read(current.config)];
    return String(a) === String(b) ? [] : [`${key} ${clipText(a)} vs ${clipText(b)}`];
  });
  if (differences.length > 0) {
    throw new CompareRefusedError(
      `the runs have different configurations and cannot be compared (${differences.join('; ')}); re-run the current bench with the baseline's settings, or refresh the baseline`,
    );
  }
}

/** Machine and noise-only differences, as stderr warnings. */
export function comparabilityWarnings(baseline: ResultsDocument, current: ResultsDocument): string[] {
  const warnings: string[] = [];
  const env = (d: ResultsDocument) => `${d.environment.cpuModel}, ${d.environment.cores} cores, Node ${d.environment.node}`;
  if (env(baseline) !== env(current)) {
    warnings.push(`different machines (baseline: ${clipText(env(baseline))}; current: ${clipText(env(current))}): latency and CPU figures may differ for that reason alone`);
  }
  for (const { key, read } of NOISE_CONFIG) {
    const [a, b] = [read(baseline.config), read(current.config)];
    if (String(a) !== String(b)) warnings.push(`different ${key} (baseline ${clipText(a)}, current ${clipText(b)})`);
  }
  for (const [name, doc] of [['baseline', baseline], ['current', current]] as const) {
    if (doc.status !== 'complete') warnings.push(`the ${name} run is ${doc.status}`);
  }
  return warnings;
}

function stepNote(step: StepResult): string | undefined {
  if (step.status === 'ok' && step.measurement.generator.saturated) return 'generator saturated: latency and CPU reflect the load generator';
  return undefined;
}

function metricRows(
  subject: { transport: string; variant?: string; clients: number },
  base: StepResult | undefined,
  curr: StepResult | undefined,
  thresholds: Readonly<Record<ResultMetric, Threshold>>,
  scope: GateScope,
): CompareRow[] {
  const head = { subject: `${subject.transport}${subject.variant === undefined ? '' : ` (${subject.variant})`} @ ${subject.clients} clients`, ...subject };
  if (!curr || curr.status === 'failed') {
    // A step that no longer runs is the worst regression there is, whatever scope gates.
    return [{
      ...head,
      metric: 'step',
      label: 'step',
      unit: 'count',
      baseline: null,
      current: null,
      threshold: { kind: 'zero', tolerance: 0, floor: 0 },
      verdict: 'regressed',
      note: curr ? `current step failed: ${curr.reason}` : 'step missing from the current run',
    }];
  }
  const baseMeasurement = base?.status === 'ok' ? base.measurement : null;
  const baseNote = !base ? 'no baseline step' : base.status === 'failed' ? `baseline step failed: ${base.reason}` : undefined;
  const note = [baseNote, stepNote(curr), base ? stepNote(base) : undefined].filter(Boolean).join('; ') || undefined;
  return RESULT_METRICS.map((metric): CompareRow => {
    const definition = RESULT_METRIC_DEFINITIONS[metric];
    const threshold = TRANSPORT_THRESHOLDS[subject.transport]?.[metric] ?? thresholds[metric];
    const current = definition.value(curr.measurement, subject.clients);
    const baseline = baseMeasurement ? definition.value(baseMeasurement, subject.clients) : null;
    let verdict: Verdict;
    if (current === null) verdict = 'info';
    else if (baseline === null) {
      // Without a baseline only the must-stay-zero metrics can still be judged.
      verdict = threshold.kind === 'zero' ? judge(0, current, threshold, scope) : 'info';
    } else verdict = judge(baseline, current, threshold, scope);
    return { ...head, metric, label: definition.label, unit: definition.unit, baseline, current, threshold, verdict, ...(note ? { note } : {}) };
  });
}

/** Compares two validated results documents; throws {@link CompareRefusedError} if their configurations differ. */
export function compareResults(baseline: ResultsDocument, current: ResultsDocument, options: CompareOptions): CompareReport {
  checkComparable(baseline, current);
  const thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const scope = options.scope ?? 'all';
  const rows: CompareRow[] = [];
  // Steps match by transport × variant × clients (a one-variant run: by transport and clients).
  const axes = varyingAxes(baseline.config);
  for (const { transport, variant } of plannedRuns(baseline.config)) {
    const baseSteps = entryOf(baseline, transport, variant)?.steps ?? [];
    const currSteps = entryOf(current, transport, variant)?.steps ?? [];
    const label = hasVariants(baseline.config) ? { variant: variantLabel(variant, axes) } : {};
    for (const clients of baseline.config.clients) {
      const base = baseSteps.find((s) => s.clients === clients);
      const curr = currSteps.find((s) => s.clients === clients);
      rows.push(...metricRows({ transport, ...label, clients }, base, curr, thresholds, scope));
    }
  }
  return {
    baselineName: options.baselineName,
    currentName: options.currentName,
    scope,
    rows,
    warnings: comparabilityWarnings(baseline, current),
    regressions: rows.filter((r) => r.verdict === 'regressed').length,
  };
}
