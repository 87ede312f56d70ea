/**
 * What compare gates on, as data (k6-style thresholds): each metric has a kind and a tolerance,
 * and a verdict is one pure function of (baseline, current, threshold). Every metric here is
 * smaller-is-better.
 *
 * - deterministic: what goes on the wire for a fixed configuration. It moves only when the code
 *   does, so the tolerance is tight (default 1 %) and there is no noise floor.
 * - noisy: timings and CPU. A change counts only when it exceeds BOTH the relative tolerance and
 *   the absolute floor — a 40 % jump from 0.3 ms to 0.42 ms is scheduler noise, not a regression.
 * - zero: must stay 0 (loss, connect errors): any occurrence fails, whatever the baseline had.
 */

export type MetricKind = 'deterministic' | 'noisy' | 'zero';

export interface Threshold {
  kind: MetricKind;
  /** Relative tolerance as a fraction (0.01 = 1 %). Ignored for `zero`. */
  tolerance: number;
  /** Absolute noise floor in the metric's unit; a change must exceed it too. */
  floor: number;
}

export type Verdict = 'ok' | 'regressed' | 'improved' | 'info';

/** Which metrics gate the exit code: all of them, or only the deterministic ones (and loss). */
export type GateScope = 'all' | 'deterministic';

/** `--only deterministic` still gates loss and connect errors: they are not noise. */
export function isGated(kind: MetricKind, scope: GateScope): boolean {
  return scope === 'all' || kind !== 'noisy';
}

/**
 * The verdict for one smaller-is-better metric. `scope` decides whether a worse value fails
 * (`regressed`) or is only shown (`info`).
 */
export function judge(baseline: number, current: number, threshold: Threshold, scope: GateScope = 'all'): Verdict {
  const gated = isGated(threshold.kind, scope);
  if (threshold.kind === 'zero') {
    if (current > 0) return gated ? 'regressed' : 'info';
    return baseline > 0 ? 'improved' : 'ok';
  }
  const delta = current - baseline;
  const limit = Math.max(Math.abs(baseline) * threshold.tolerance, threshold.floor);
  if (delta > limit) return gated ? 'regressed' : 'info';
  if (-delta > limit) return 'improved';
  return 'ok';
}
