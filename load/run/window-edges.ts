/**
 * The measured window's edges in a load worker (its byte counters, CPU time and loop-delay monitor
 * are snapshot there), each taken once at its instant: at the first client event at or after it
 * (DeliveryTracker.nextInstantUs: a message or an answer read, a request sent), or by a timer
 * when no event comes first (an idle feed, a quiet moment).
 *
 * Why not the timer alone: Node runs timers only between the loop's poll phases, and one poll
 * phase runs the read callbacks of every socket that is ready — a tick's burst of thousands of
 * messages, 100+ ms of work in a loaded worker. In the 4 × 4,000 demo (docs/scale-out.md) the
 * timers fired 25–118 ms late, the byte counters read then held that much of the window's traffic
 * on the wrong side of its edge, and each shard's window was another interval. A client event
 * reaches the instant within the read that passed it.
 *
 * What the edge cannot move: time the process waits for a CPU (or a GC pause) — but nothing is
 * read meanwhile, so the counters taken at the first moment after it are still those of the instant.
 */
import { monotonicUs } from '../../servers/contract.js';
import type { DeliveryTracker } from '../meter/delivery-tracker.js';

export interface WindowEdge {
  /** µs, monotonic. */
  atUs: number;
  /** Takes the snapshot; `takenUs` is when (≥ atUs), before the snapshot's own work. */
  take(takenUs: number): void;
}

export class WindowEdges {
  private pending: WindowEdge[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly tracker: Pick<DeliveryTracker, 'nextInstantUs' | 'instantReached'>) {
    tracker.instantReached = () => this.reach();
  }

  /** Watches these edges (replacing any not yet taken), each taken once, in time order. */
  schedule(edges: readonly WindowEdge[]): void {
    this.stop();
    this.pending = [...edges].sort((a, b) => a.atUs - b.atUs);
    for (const edge of this.pending) this.arm(edge.atUs);
    this.tracker.nextInstantUs = this.pending[0]?.atUs ?? Infinity;
  }

  /** Edges not yet taken (none once each was or after stop()). */
  get waiting(): number {
    return this.pending.length;
  }

  /** Takes every edge due by now. */
  reach(): void {
    for (;;) {
      const edge = this.pending[0];
      const nowUs = monotonicUs();
      if (edge === undefined || nowUs < edge.atUs) break;
      this.pending.shift();
      this.tracker.nextInstantUs = this.pending[0]?.atUs ?? Infinity;
      edge.take(nowUs);
    }
  }

  /** Drops the edges not yet taken and their timers. */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pending = [];
    this.tracker.nextInstantUs = Infinity;
  }

  /**
   * The timer for an edge no event reaches first. Node counts a timer from the loop time cached
   * at the start of the loop's turn (in whole ms), so one set late in a busy turn fires early by
   * as much as that turn had run: then it waits again.
   */
  private arm(atUs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.reach();
      if (this.pending.some((edge) => edge.atUs === atUs)) this.arm(atUs);
    }, Math.max(0, Math.ceil((atUs - monotonicUs()) / 1000)));
    this.timers.add(timer);
  }
}
