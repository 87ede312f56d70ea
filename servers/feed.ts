/**
 * The feed: seq 1, 2, 3, … from timer ticks and upstream publishes, kept in the history and
 * handed to every subscribing transport. Each message is serialized exactly once here.
 */
import { monotonicUs, newEpochId, serializeMessage, type FeedMessage, type PayloadKind } from './contract.js';
import { DeadlineQueue } from './deadline-queue.js';
import type { FeedState } from './feed-state.js';
import { MessageHistory, type PreparedMessage } from './history.js';
import { makePayload, payloadFor } from './payloads.js';
import type { ServerStatsCollector } from './server-stats.js';

/** A transport's fan-out: called once per message, it writes that message to all its clients. */
export type FeedSink = (message: PreparedMessage) => void;

export interface FeedOptions {
  rate: number;
  sizeBytes: number;
  /** What each tick's `data` is (contract.ts PAYLOADS); default `repeat`. */
  payload?: PayloadKind;
  historyLength: number;
  deliveryDelayMs: number;
  /** The feed's clock runs this far ahead of the host's monotonic clock (tests of the offset estimate); default 0. */
  clockSkewMs?: number;
}

export class Feed {
  readonly history: MessageHistory;
  /**
   * Stream identity: a new one per feed, since a new feed starts with an empty history at seq 1 —
   * unless it continues a stream handed over by a graceful restart (feed-state.ts), history and all.
   */
  readonly epoch: string;
  private readonly sinks: FeedSink[] = [];
  private readonly payload: string;
  private readonly tickIntervalUs: number;
  private readonly delayed: DeadlineQueue<number, PreparedMessage> | undefined;
  private lastSeq = 0;
  private ticks = 0;
  private startUs = 0;
  private tickTimer: NodeJS.Timeout | undefined;
  private running = false;
  /** Stopped for good: nothing more may join the history a successor was handed (upstream included). */
  private sealed = false;

  constructor(
    private readonly options: FeedOptions,
    private readonly stats: ServerStatsCollector,
    handedOver?: FeedState,
  ) {
    this.history = new MessageHistory(options.historyLength);
    this.epoch = handedOver?.epoch ?? newEpochId();
    if (handedOver !== undefined) {
      for (const message of handedOver.messages.slice(-options.historyLength)) this.history.restore(message);
      this.lastSeq = this.history.head;
    }
    this.payload = makePayload(options.sizeBytes);
    this.tickIntervalUs = options.rate > 0 ? 1e6 / options.rate : Infinity;
    this.delayed = options.deliveryDelayMs > 0 ? new DeadlineQueue(options.deliveryDelayMs, (_seq, message) => this.commit(message)) : undefined;
  }

  /** Highest seq visible to clients (history head). */
  get head(): number {
    return this.history.head;
  }

  subscribe(sink: FeedSink): void {
    this.sinks.push(sink);
  }

  /** Now on the feed's clock: the clock of every `ts` (and of /healthz `nowUs`). */
  nowUs(): number {
    return monotonicUs() + (this.options.clockSkewMs ?? 0) * 1000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.startUs = this.nowUs();
    if (this.options.rate > 0) this.scheduleTick();
  }

  stop(): void {
    this.running = false;
    if (this.tickTimer !== undefined) clearTimeout(this.tickTimer);
    this.tickTimer = undefined;
    this.delayed?.clear();
  }

  /**
   * Stops the feed for good and returns what a successor needs to continue the stream: upstream
   * publishes are refused from now on, so the history handed over is the whole stream.
   */
  handOver(): FeedState {
    this.stop();
    this.sealed = true;
    return { epoch: this.epoch, messages: this.history.after(0).messages };
  }

  /**
   * An upstream (chat) message: `ts` is now, `sent` the publisher's clock. Returns its seq, or
   * undefined once the feed was handed over (the server is shutting down).
   */
  publishUpstream(data: string, sentUs: number | undefined): number | undefined {
    if (this.sealed) return undefined;
    const seq = ++this.lastSeq;
    const message: FeedMessage = sentUs === undefined ? { seq, ts: this.nowUs(), data } : { seq, ts: this.nowUs(), sent: sentUs, data };
    this.stats.publishedUpstream++;
    this.enqueue({ seq, text: serializeMessage(message) });
    return seq;
  }

  /**
   * Drift-corrected: tick n is due at startUs + n / rate, and its `ts` is that scheduled time,
   * not the time the timer happened to fire, so a late timer shows up as latency instead of
   * being absorbed (no coordinated omission). Ticks that are overdue are published at once.
   */
  private scheduleTick(): void {
    const nextDueUs = this.startUs + (this.ticks + 1) * this.tickIntervalUs;
    const waitMs = Math.max(0, (nextDueUs - this.nowUs()) / 1000);
    this.tickTimer = setTimeout(this.onTick, waitMs);
  }

  private readonly onTick = (): void => {
    if (!this.running) return;
    const nowUs = this.nowUs();
    for (;;) {
      const dueUs = this.startUs + (this.ticks + 1) * this.tickIntervalUs;
      if (dueUs > nowUs) break;
      this.ticks++;
      const seq = ++this.lastSeq;
      this.stats.publishedFeed++;
      this.enqueue({ seq, text: serializeMessage({ seq, ts: Math.round(dueUs), data: payloadFor(this.options.payload ?? 'repeat', this.options.sizeBytes, seq, this.payload) }) });
    }
    this.scheduleTick();
  };

  private enqueue(message: PreparedMessage): void {
    if (this.delayed === undefined) this.commit(message);
    else this.delayed.add(message.seq, message);
  }

  private commit(message: PreparedMessage): void {
    this.history.append(message);
    const startNs = process.hrtime.bigint();
    for (const sink of this.sinks) sink(message);
    // Node's HTTP responses cork their socket and flush it in a nextTick, while ws writes
    // through at once; timing the fan-out up to a nextTick queued after all of theirs counts
    // the actual socket writes for every transport alike.
    process.nextTick(this.endFanout, startNs);
  }

  private readonly endFanout = (startNs: bigint): void => {
    this.stats.recordFanoutNs(process.hrtime.bigint() - startNs);
  };
}
