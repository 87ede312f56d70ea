/**
 * How long the controller waits for each phase of a step, named in one place: every wait is
 * bounded (a broken target or a stuck worker fails the step with its reason, never hangs the
 * run), and the bounds scale with what the step asks for (clients, connect rate). The graces
 * after the window and the --start-at slots are step-schedule.ts's.
 */

/** Beyond the connect ramp (clients ÷ connect rate): how long the workers may take to report every client connected or failed. */
export const CONNECT_TIMEOUT_SLACK_MS = 60_000;
/** How long the workers may take to report after `collect` (closing every client, encoding histograms). */
export const COLLECT_TIMEOUT_MS = 60_000;
/** How often the controller looks whether the embedded server is still alive during the window. */
export const SERVER_WATCH_PERIOD_MS = 200;
/** A worker whose event-loop delay p99 exceeds this marks the step generator-saturated, µs (RunOptions.loopDelayThresholdUs). */
export const DEFAULT_LOOP_DELAY_THRESHOLD_US = 50_000;
/** Bucket of the fault timeline (and period of the /stats CPU samples), ms. */
export const FAULT_BUCKET_MS = 500;

/** The connect phase's bound without a --start-at slot: the ramp at the connect rate, and the slack. */
export function connectTimeoutMs(clients: number, connectRate: number): number {
  return (clients / connectRate) * 1000 + CONNECT_TIMEOUT_SLACK_MS;
}

/**
 * How long a client of the step lives at most (the clients' bound on what they hold, client-limits.ts):
 * ramp-up, warm-up, window, and the connect and collect timeouts.
 */
export function clientLifetimeMs(clients: number, connectRate: number, warmupMs: number, durationMs: number): number {
  return connectTimeoutMs(clients, connectRate) + warmupMs + durationMs + COLLECT_TIMEOUT_MS;
}
