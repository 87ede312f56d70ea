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

/**
 * Polling: the head bytes (request + response) of a connection's first exchange and of the later
 * ones — HPACK's dynamic table makes an HTTP/2 connection's first request dearer than the next.
 * The later sizes are kept as counts by size (a handful of distinct sizes), so memory stays flat.
 */
export class ExchangeHeadSizes {
  private first: number | undefined;
  private readonly later = new Map<number, number>();
  private laterCount = 0;

  add(bytes: number, firstOnConnection: boolean): void {
    if (firstOnConnection) {
      this.first ??= bytes;
      return;
    }
    this.later.set(bytes, (this.later.get(bytes) ?? 0) + 1);
    this.laterCount++;
  }

  /** Into the sample: the client's first connection's first exchange, and the median of the later ones. */
  fill(sample: WireSample): void {
    if (this.first !== undefined) sample.firstExchangeHeadBytes = this.first;
    const median = this.median();
    if (median !== undefined) sample.steadyExchangeHeadBytes = median;
  }

  /** Median of the later sizes (mean of the two middle ones for an even count). */
  private median(): number | undefined {
    if (this.laterCount === 0) return undefined;
    const sizes = [...this.later.keys()].sort((a, b) => a - b);
    const at = (rank: number): number => {
      let seen = 0;
      for (const size of sizes) {
        seen += this.later.get(size) as number;
        if (rank < seen) return size;
      }
      return sizes[sizes.length - 1] as number;
    };
    const mid = Math.floor(this.laterCount / 2);
    return this.laterCount % 2 === 1 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
  }
}
