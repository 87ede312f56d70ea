/**
 * The load worker's side of a fault step: it marks the clients a fault hit (their next
 * delivered message ends their time to recover), resets a share of the connections per second
 * for the `drop` fault (TCP RST, as a NAT or load balancer would), and samples the sockets'
 * bytes and new connections per bucket of the window for the "when connections break" chart.
 */
import { monotonicUs } from '../../servers/contract.js';
import { socketsOpened } from '../meter/socket-meter.js';
import type { TransportClient } from '../clients/client-contract.js';
import type { WireCountersPair } from './worker-protocol.js';

/** How often the drop fault picks connections to reset, ms. */
const DROP_TICK_MS = 100;

/** Per bucket, by time: TCP connections opened and socket bytes (both directions). */
export interface RawWireTimeline {
  connects: number[];
  bytes: number[];
}

export interface FaultTarget {
  readonly client: TransportClient;
  readonly tracker: { faultAt(atUs: number): void };
}

export class FaultAgent {
  private readonly timers: NodeJS.Timeout[] = [];
  private wireTimeline: RawWireTimeline | undefined;
  /** Fractional connections owed by the drop fault between ticks. */
  private dropOwed = 0;

  constructor(
    private readonly targets: readonly FaultTarget[],
    private readonly sumWire: () => WireCountersPair,
  ) {}

  /** Samples bytes and new connections every `bucketMs` from `startUs` for `buckets` buckets. */
  startTimeline(startUs: number, bucketMs: number, buckets: number): void {
    const timeline: RawWireTimeline = { connects: new Array<number>(buckets).fill(0), bytes: new Array<number>(buckets).fill(0) };
    this.wireTimeline = timeline;
    let previous: { bytes: number; connects: number } | undefined;
    const sample = (index: number) => {
      const wire = this.sumWire();
      const now = { bytes: wire.readBytes + wire.writtenBytes, connects: socketsOpened() };
      if (previous !== undefined && index > 0 && index <= buckets) {
        timeline.bytes[index - 1] = now.bytes - previous.bytes;
        timeline.connects[index - 1] = now.connects - previous.connects;
      }
      previous = now;
    };
    for (let i = 0; i <= buckets; i++) {
      this.timers.push(setTimeout(() => sample(i), Math.max(0, (startUs + i * bucketMs * 1000 - monotonicUs()) / 1000)));
    }
  }

  /** A server-side fault (restart, stall) at `atUs` hit every client. */
  faultAt(atUs: number): void {
    for (const target of this.targets) target.tracker.faultAt(atUs);
  }

  /** Resets `perSec` × clients connections per second, at random, until `untilUs`. */
  drop(untilUs: number, perSec: number): void {
    const timer = setInterval(() => {
      if (monotonicUs() >= untilUs) {
        clearInterval(timer);
        return;
      }
      this.dropOwed += (perSec * this.targets.length * DROP_TICK_MS) / 1000;
      for (; this.dropOwed >= 1; this.dropOwed--) {
        const target = this.targets[Math.floor(Math.random() * this.targets.length)];
        if (target === undefined) return;
        target.tracker.faultAt(monotonicUs());
        target.client.dropConnection();
      }
    }, DROP_TICK_MS);
    this.timers.push(timer);
  }

  stop(): RawWireTimeline | undefined {
    for (const timer of this.timers) clearTimeout(timer);
    return this.wireTimeline;
  }
}
