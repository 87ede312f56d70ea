/**
 * What the server measures about itself for `GET /stats` (contract.ts `ServerStats`).
 * Counters are cumulative from start; the fan-out histogram is shipped encoded so the load
 * runner can subtract two snapshots and get exactly the window it measured.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { monotonicUs, type ServerStats, type TransportName } from './contract.js';

/**
 * Same shape as the load side's histograms (µs, 1 µs .. 1 h, 3 significant digits, packed) so
 * the encoded snapshot decodes and merges there without conversion.
 */
const HIGHEST_TRACKABLE_US = 3_600_000_000;

export class ServerStatsCollector {
  slowConsumersDropped = 0;
  badRequests = 0;
  originRejected = 0;
  corsPreflights = 0;
  publishedFeed = 0;
  publishedUpstream = 0;

  private readonly fanout = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 'packed',
    useWebAssembly: false,
  });
  private readonly startedMs = performance.now();
  private readonly eluAtStart: EventLoopUtilization = performance.eventLoopUtilization();

  /** One fan-out of one message to every subscriber, ns (hrtime difference). */
  recordFanoutNs(ns: bigint): void {
    const us = Number(ns / 1000n);
    this.fanout.recordValue(us < 1 ? 1 : us > HIGHEST_TRACKABLE_US ? HIGHEST_TRACKABLE_US : us);
  }

  snapshot(connections: Record<TransportName, number>, seq: number, epoch: string): ServerStats {
    const h = this.fanout;
    const empty = h.totalCount === 0;
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
      fanout: {
        count: h.totalCount,
        minUs: empty ? 0 : h.minNonZeroValue,
        meanUs: empty ? 0 : h.mean,
        p50Us: h.getValueAtPercentile(50),
        p90Us: h.getValueAtPercentile(90),
        p99Us: h.getValueAtPercentile(99),
        maxUs: h.maxValue,
        histogram: empty ? '' : hdr.encodeIntoCompressedBase64(h),
      },
      cpu: { userUs: cpu.user, systemUs: cpu.system },
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      elu: performance.eventLoopUtilization(this.eluAtStart).utilization,
      slowConsumersDropped: this.slowConsumersDropped,
      badRequests: this.badRequests,
      originRejected: this.originRejected,
      corsPreflights: this.corsPreflights,
    };
  }
}
