/**
 * Compare two microbenchmark documents (`wirebench/micro`) task by task on the median time per
 * message. Microbenchmarks are noisy by nature, so the threshold is a relative tolerance with an
 * absolute floor in ns, like latency in a run.
 */
import type { MicroDocument } from '../load/results/micro-schema.js';
import { judge, type GateScope, type Threshold } from './compare-thresholds.js';
import { clipText } from './format.js';
import { CompareRefusedError, type CompareReport, type CompareRow } from './compare.js';

/** Allocation-heavy tasks (a poll body: a join and a Buffer) swing ±70 ns between runs with GC. */
export const DEFAULT_MICRO_THRESHOLD: Threshold = { kind: 'noisy', tolerance: 0.3, floor: 100 };

export interface MicroCompareOptions {
  baselineName: string;
  currentName: string;
  threshold?: Threshold;
  scope?: GateScope;
}

export function compareMicro(baseline: MicroDocument, current: MicroDocument, options: MicroCompareOptions): CompareReport {
  if (baseline.config.size !== current.config.size || baseline.config.batch !== current.config.batch) {
    throw new CompareRefusedError(
      `the microbenchmarks ran on different messages and cannot be compared (size ${baseline.config.size} vs ${current.config.size} B, batch ${baseline.config.batch} vs ${current.config.batch}); re-run with the baseline's settings`,
    );
  }
  const threshold = options.threshold ?? DEFAULT_MICRO_THRESHOLD;
  const scope = options.scope ?? 'all';
  const rows: CompareRow[] = baseline.tasks.map((task): CompareRow => {
    const now = current.tasks.find((t) => t.name === task.name);
    const head = { subject: task.name, metric: 'medianNs', label: 'median/msg', unit: 'ns' as const, baseline: task.medianNs, threshold };
    if (!now) return { ...head, current: null, verdict: 'info', note: 'task missing from the current run' };
    // A peer library's time is shown for reference; it is not our code to gate on.
    const verdict = judge(task.medianNs, now.medianNs, threshold, task.reference ? 'deterministic' : scope);
    return { ...head, current: now.medianNs, verdict, ...(task.reference ? { note: 'reference implementation (not ours): not gated' } : {}) };
  });
  const env = (d: MicroDocument) => `${d.environment.cpuModel}, ${d.environment.cores} cores, Node ${d.environment.node}`;
  const warnings = env(baseline) === env(current) ? [] : [`different machines (baseline: ${clipText(env(baseline))}; current: ${clipText(env(current))}): timings may differ for that reason alone`];
  return { baselineName: options.baselineName, currentName: options.currentName, scope, rows, warnings, regressions: rows.filter((r) => r.verdict === 'regressed').length };
}
