/**
 * The ramp-up's pace in a load worker: connects start at the worker's share of `--connect-rate`,
 * and no more than one second of that rate (at least {@link MIN_CONNECTS_IN_FLIGHT}) is left
 * unfinished at once, so a server that takes handshakes slower than the rate slows the ramp to its
 * own pace. Offered regardless, the connects overflowed its accept queue, where the kernel drops a
 * handshake's last ACK and the client retransmits after 1, 2, 4, 8 s: against a CPU-starved
 * server, connects at 500/s took 21 s (p50) and missed their schedule (docs/scale-out.md).
 */

/** Fewest connects in flight, for very low rates (a handshake takes more than one gap there). */
export const MIN_CONNECTS_IN_FLIGHT = 16;

/** Connects a worker may leave unfinished at once at `connectRate` connects/s. */
export function connectsInFlight(connectRate: number): number {
  return Math.max(MIN_CONNECTS_IN_FLIGHT, Math.ceil(connectRate));
}

export class ConnectPacer {
  private readonly gapMs: number;
  private readonly startedMs = performance.now();
  private started = 0;
  private inFlight = 0;
  private slotFreed: (() => void) | undefined;
  readonly maxInFlight: number;

  /** @param connectRate connects per second (> 0). */
  constructor(connectRate: number) {
    this.gapMs = 1000 / connectRate;
    this.maxInFlight = connectsInFlight(connectRate);
  }

  /** Connects started and not yet finished. */
  get pending(): number {
    return this.inFlight;
  }

  /**
   * Resolves when the next connect may start: its time on the schedule (the schedule, not the
   * previous connect, so the rate holds on average) has come and a slot is free. Resolves false
   * as soon as `stopping()` says so (checked whenever a wait ends).
   */
  async next(stopping: () => boolean): Promise<boolean> {
    const waitMs = this.startedMs + this.started * this.gapMs - performance.now();
    if (waitMs > 1) await new Promise((resolve) => setTimeout(resolve, waitMs));
    while (this.inFlight >= this.maxInFlight && !stopping()) await new Promise<void>((resolve) => (this.slotFreed = resolve));
    return !stopping();
  }

  /** A connect that started: its slot is free again once `connecting` settles. */
  track<T>(connecting: Promise<T>): Promise<T> {
    this.started++;
    this.inFlight++;
    const free = () => {
      this.inFlight--;
      const wake = this.slotFreed;
      this.slotFreed = undefined;
      wake?.();
    };
    connecting.then(free, free);
    return connecting;
  }
}
