/**
 * The reconnect backoff every client shares (what a failure costs in waiting before the next attempt).
 */
/**
 * How clients come back after a failure, with browser-like defaults. EventSource follows the
 * WHATWG rule: wait the reconnection time (the server's `retry:`, else `sseRetryMs`), doubling
 * while attempts keep failing, no jitter (Chromium adds none, so a restart brings every stream
 * back in the same instant — that storm is part of what SSE costs). WebSocket has no built-in
 * reconnect; the policy is the one socket.io and most reconnecting wrappers ship: a base delay
 * doubling to a cap, each delay randomized by ± `jitter`. Polls retry with the same policy.
 */
export interface ReconnectPolicy {
  /** First retry delay after a failure (WebSocket reconnect, poll / long-poll retry), ms. */
  baseMs: number;
  /** Cap of the doubling delay, ms. */
  maxMs: number;
  /** Each delay is multiplied by 1 ± jitter (uniform), 0..1. */
  jitter: number;
  /** SSE reconnection time until the server sends `retry:`, ms (Chromium's default). */
  sseRetryMs: number;
}

export const DEFAULT_RECONNECT: Readonly<ReconnectPolicy> = { baseMs: 1000, maxMs: 5000, jitter: 0.5, sseRetryMs: 3000 };

/**
 * The delay before attempt number `failures` (1 = the first retry): `baseMs` doubling up to
 * `maxMs` (or the base if larger), times 1 ± jitter.
 */
export function backoffMs(failures: number, policy: ReconnectPolicy, baseMs = policy.baseMs, jitter = policy.jitter): number {
  const doubled = Math.min(Math.max(policy.maxMs, baseMs), baseMs * 2 ** Math.max(0, Math.min(failures - 1, 16)));
  return doubled * (1 + jitter * (2 * Math.random() - 1));
}
