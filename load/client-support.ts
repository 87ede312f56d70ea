/**
 * Small pieces every client shares: the empty wire sample, a running mean for per-message
 * framing, error kinds and coded errors, and the reconnect backoff.
 */
import type { WireSample } from './results-schema.js';

/** A WireSample with nothing seen yet (every field 0 until seen). */
export function emptyWireSample(): WireSample {
  return {
    requestBytes: 0,
    responseHeadBytes: 0,
    emptyBodyBytes: 0,
    framingBytesPerMessage: 0,
    heartbeatBytes: 0,
    publishUpBytes: 0,
    publishDownBytes: 0,
  };
}

/** A running mean for WireSample.framingBytesPerMessage. */
export class RunningMean {
  private sum = 0;
  private count = 0;

  add(total: number, count: number): void {
    this.sum += total;
    this.count += count;
  }

  get value(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }
}

/** Error kind of a socket / request failure: the errno code (ECONNRESET, EPIPE, …) when there is one. */
export function errorKind(error: unknown, fallback: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : fallback;
}

/** An Error carrying `code`, what start() rejects with (the runner reads the code). */
export function codedError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

export const RETRY_BASE_MS = 250;
export const RETRY_MAX_MS = 10_000;

/**
 * Doubling backoff after consecutive failures (base, 2 × base, … up to 10 s or the base if
 * larger), so thousands of clients do not hammer a failing server in lockstep.
 */
export function backoffMs(failures: number, baseMs = RETRY_BASE_MS): number {
  return Math.min(Math.max(RETRY_MAX_MS, baseMs), baseMs * 2 ** Math.max(0, Math.min(failures - 1, 16)));
}
