/**
 * What the server measures about itself for `GET /stats` (contract.ts `ServerStats`).
 * Counters are cumulative from start; the fan-out histogram is shipped encoded so the load
 * runner can subtract two snapshots and get exactly the window it measured.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { monotonicUs, type ServerStats, type TransportName } from './contract.js';
import { createUsHistogram, recordClampedUs, summarize } from './histogram-summary.js';

/**
 * After a full GC, V8 hands freed pages back to the OS from a background task: RSS read at once
 * still holds them (measured here: 143 MB at once, 86 MB 100 ms later). The snapshot waits this
 * long — and no other forced GC starts meanwhile, which bounds `GET /stats?gc=1` to one full GC
 * per this period: a client asking in a loop cannot turn /stats into a way to stall the server.
 * A bench asks twice a step, one answer after the other.
 */
export const GC_SETTLE_MS = 200;

/** `global.gc` exists only when node runs with --expose-gc (the embedded servers do). */
const exposedGc = (globalThis as { gc?: () => void }).gc;

/** The heap right after a forced GC. */
export interface AfterGc {
  heapUsedBytes: number;
  externalBytes: number;
}

export class ServerStatsCollector {
  slowConsumersDropped = 0;
  heartbeatTimeouts = 0;
  pingFloodDropped = 0;
  stalledDropped = 0;
  idleDropped = 0;
  connectionsReset = 0;
  badRequests = 0;
  originRejected = 0;
  corsPreflights = 0;
  publishedFeed = 0;
  publishedUpstream = 0;

  /** Kept for the server's life: packed buckets (servers/histogram-summary.ts). */
  private readonly fanout = createUsHistogram('packed');
  private readonly startedMs = performance.now();
  private gcInProgress = false;
  private readonly eluAtStart: EventLoopUtilization = performance.eventLoopUtilization();

  /** One fan-out of one message to every subscriber, ns (hrtime difference). */
  recordFanoutNs(ns: bigint): void {
    recordClampedUs(this.fanout, Number(ns / 1000n));
  }

  /**
   * A full GC if node exposes one and no other forced GC is settling; the heap read at once (what
   * is alive: any later read would count the garbage made since), RSS after {@link GC_SETTLE_MS}
   * for freed pages to leave it. Undefined when no GC ran.
   */
  async collectGarbage(): Promise<AfterGc | undefined> {
    if (!exposedGc || this.gcInProgress) return undefined;
    this.gcInProgress = true;
    try {
      // Twice, the second after the first's weak callbacks and finalizers have run: objects they
      // release (closed sockets' wrappers, buffers) are garbage only then.
      exposedGc();
      await new Promise((resolve) => setImmediate(resolve));
      exposedGc();
      const { heapUsed, external } = process.memoryUsage();
      await new Promise((resolve) => setTimeout(resolve, GC_SETTLE_MS));
      return { heapUsedBytes: heapUsed, externalBytes: external };
    } finally {
      this.gcInProgress = false;
    }
  }

  snapshot(connections: Record<TransportName, number>, seq: number, epoch: string, afterGc?: AfterGc): ServerStats {
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    return {
      name: 'wirebench',
      epoch,
      nowUs: monotonicUs(),
      uptimeMs: Math.round(performance.now() - this.startedMs),
      connections,
      seq,
      published: { feed: this.publishedFeed, upstream: this.publishedUpstream },
      fanout: summarize(this.fanout),
      cpu: { userUs: cpu.user, systemUs: cpu.system },
      rssBytes: memory.rss,
      heapUsedBytes: afterGc?.heapUsedBytes ?? memory.heapUsed,
      externalBytes: afterGc?.externalBytes ?? memory.external,
      gc: afterGc !== undefined,
      elu: performance.eventLoopUtilization(this.eluAtStart).utilization,
      slowConsumersDropped: this.slowConsumersDropped,
      heartbeatTimeouts: this.heartbeatTimeouts,
      pingFloodDropped: this.pingFloodDropped,
      stalledDropped: this.stalledDropped,
      idleDropped: this.idleDropped,
      connectionsReset: this.connectionsReset,
      badRequests: this.badRequests,
      originRejected: this.originRejected,
      corsPreflights: this.corsPreflights,
    };
  }
}
