/**
 * What every client fills in of its WireSample from real traffic: the empty sample and a running
 * mean for per-message framing.
 */
import type { WireSample } from '../results/results-schema.js';

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
