/**
 * The life cycle every instrumented client shares: start() resolving on the first answer /
 * first byte of the stream (reporting the connect time once) or rejecting with a coded Error;
 * stop() closing every socket and resolving when they are closed; wire() from the socket meter;
 * wireSample() from what the client filled in from real traffic.
 */
import { monotonicUs, parseEpoch, type FeedMessage, type GapSignal, type ResetSignal, type TransportName } from '../../servers/contract.js';
import { DEFAULT_CLIENT_LIMITS, LIMIT_ERROR, type ClientLimits } from './client-limits.js';
import { DEFAULT_RECONNECT, type ReconnectPolicy } from './reconnect-backoff.js';
import { RunningMean, emptyWireSample } from './wire-sample.js';
import { codedError, type ClientErrorKind } from './client-errors.js';
import type { ClientTracker } from '../meter/delivery-tracker.js';
import type { WireSample } from '../results/results-schema.js';
import { SocketMeter } from '../meter/socket-meter.js';
import type { ClientOptions, TransportClient, WireCounters } from './client-contract.js';

export abstract class ClientBase implements TransportClient {
  abstract readonly transport: TransportName;
  protected readonly tracker: ClientTracker;
  protected readonly limits: ClientLimits;
  protected readonly meter = new SocketMeter();
  protected readonly sample: WireSample = emptyWireSample();
  /** Feeds WireSample.framingBytesPerMessage. */
  protected readonly framing = new RunningMean();
  /** Resume point: the highest seq seen, or the end of a gap. */
  protected cursor: number;
  /** Where this client's tracked seq range starts: its first cursor, 0 after a reset. */
  private seqBase: number;
  /** The epoch the cursor belongs to (contract.ts `EPOCH_HEADER`); undefined until known. */
  protected epoch: string | undefined;
  protected readonly reconnect: ReconnectPolicy;
  protected stopped = false;
  /** A failure since the last good answer / open: the next one is a recovery. */
  private outage = false;
  private starting: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private connectStartUs = 0;

  constructor(protected readonly options: ClientOptions) {
    this.tracker = options.tracker;
    this.limits = options.limits ?? DEFAULT_CLIENT_LIMITS;
    this.cursor = options.since;
    this.seqBase = options.since;
    this.epoch = options.epoch;
    this.reconnect = options.reconnect ?? DEFAULT_RECONNECT;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.starting = { resolve, reject };
      this.connectStartUs = monotonicUs();
      this.begin();
    });
  }

  abstract publish(data: string): void;
  abstract dropConnection(): void;

  async stop(): Promise<void> {
    this.stopped = true;
    await this.shutdown();
    await this.meter.allClosed();
  }

  wire(): WireCounters {
    return this.meter.counters();
  }

  localPorts(): readonly number[] {
    return this.meter.localPorts();
  }

  wireSample(): WireSample {
    this.sample.framingBytesPerMessage = this.framing.value;
    // A connection shared by a group (--h2-clients-per-connection) is counted on its own meter.
    const connectionMeter = this.options.h2Session?.meter ?? this.meter;
    const handshake = connectionMeter.tlsHandshake();
    if (handshake !== undefined) {
      this.sample.tlsHandshakeUpBytes = handshake.upBytes;
      this.sample.tlsHandshakeDownBytes = handshake.downBytes;
    }
    const preface = connectionMeter.h2Preface();
    if (preface !== undefined) {
      this.sample.h2PrefaceUpBytes = preface.upBytes;
      this.sample.h2PrefaceDownBytes = preface.downBytes;
    }
    return { ...this.sample };
  }

  /** Sends the first request / opens the first connection. */
  protected abstract begin(): void;
  /** Clears timers and closes (or starts closing) every socket. */
  protected abstract shutdown(): Promise<void>;

  /** The first answer / first byte of the stream arrived: reports the connect time, resolves start(). */
  protected connected(receivedUs: number): void {
    if (this.outage) {
      this.outage = false;
      this.tracker.onRecovered(receivedUs);
    }
    const starting = this.starting;
    if (starting === undefined) return;
    this.starting = undefined;
    this.tracker.onConnected(receivedUs - this.connectStartUs);
    starting.resolve();
  }

  /**
   * A failure: during start() it rejects start() with an Error whose `code` is `kind` (the runner
   * reads it: ECONNREFUSED, EMFILE, http_404, …) and shuts the client down — returns true; after
   * start() it only returns false (the caller counts it and recovers).
   */
  protected failStart(kind: ClientErrorKind): boolean {
    const starting = this.starting;
    if (starting === undefined) return false;
    this.starting = undefined;
    this.stopped = true;
    const message = `${this.transport} client could not connect to ${this.options.baseUrl.origin}: ${kind}`;
    void this.shutdown()
      .then(() => this.meter.allClosed())
      .then(() => starting.reject(codedError(kind, message)));
    return true;
  }

  /** A failure after start(): counted by kind; the next good answer or open is a recovery. */
  protected failed(kind: ClientErrorKind): void {
    this.outage = true;
    this.tracker.onError(kind);
  }

  /** The server stated its epoch (response header): adopted if the client had none. */
  protected epochStated(epoch: string | undefined): void {
    // It will be written into request lines: only a well-formed epoch id is adopted.
    const parsed = parseEpoch(epoch);
    if (this.epoch === undefined && typeof parsed === 'string') this.epoch = parsed;
  }

  /**
   * One JSON text as it came on the wire (a poll array element, a WebSocket frame, an SSE data
   * field): the gap signal `{"gap":{…}}` or a feed message. Reports it, moves the resume cursor;
   * returns 1 for a message, 0 for a gap, -1 for anything else (counted as `parse_error`).
   */
  protected decodeJson(text: string, textBytes: number, receivedUs: number): number {
    let value: { gap?: GapSignal; reset?: ResetSignal; seq?: unknown; ts?: unknown } | null;
    try {
      value = JSON.parse(text) as typeof value;
    } catch {
      value = null;
    }
    if (value !== null && typeof value === 'object' && value.gap !== undefined) {
      const { from, to } = value.gap as { from: unknown; to: unknown };
      if (!this.trackableSeq(from) || !this.trackableSeq(to) || from > to) {
        this.tracker.onError(LIMIT_ERROR.badMessage);
        return -1;
      }
      this.gapReceived(value.gap, receivedUs);
      return 0;
    }
    if (value !== null && typeof value === 'object' && value.reset !== undefined) return this.resetSignal(value.reset, receivedUs) ? 0 : -1;
    if (value === null || typeof value.seq !== 'number' || typeof value.ts !== 'number') {
      this.tracker.onError('parse_error');
      return -1;
    }
    const sent = (value as { sent?: unknown }).sent;
    if (!this.trackableSeq(value.seq) || !Number.isFinite(value.ts) || (sent !== undefined && !Number.isFinite(sent))) {
      this.tracker.onError(LIMIT_ERROR.badMessage);
      return -1;
    }
    const message = value as FeedMessage;
    this.tracker.onMessage(message, textBytes, receivedUs);
    if (message.seq > this.cursor) this.cursor = message.seq;
    return 1;
  }

  /**
   * A reset signal as it came (untrusted): its epoch goes into the next request line, so
   * anything but an epoch id is counted as a bad message. Returns whether it was taken.
   */
  protected resetSignal(reset: unknown, receivedUs: number): boolean {
    const epoch = parseEpoch((reset as { epoch?: unknown } | null)?.epoch);
    const head = (reset as { head?: unknown } | null)?.head;
    if (typeof epoch !== 'string' || typeof head !== 'number') {
      this.tracker.onError(LIMIT_ERROR.badMessage);
      return false;
    }
    this.resetReceived({ epoch, head }, receivedUs);
    return true;
  }

  /**
   * The cursor belonged to another epoch (or lay ahead of the head): the server starts this
   * client over at the beginning of its epoch. The tracker closes the old epoch's books.
   */
  protected resetReceived(reset: ResetSignal, receivedUs: number): void {
    this.tracker.onReset(reset, receivedUs);
    this.epoch = reset.epoch;
    this.cursor = 0;
    this.seqBase = 0;
  }

  /** A seq the contract allows (a non-negative integer) within the range this client tracks. */
  private trackableSeq(seq: unknown): seq is number {
    return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 && seq - this.seqBase <= this.limits.seqSpan;
  }

  /** Messages gap.from..gap.to are gone (counted lost); resume after them. */
  protected gapReceived(gap: GapSignal, receivedUs: number): void {
    this.tracker.onGap(gap, receivedUs);
    if (gap.to > this.cursor) this.cursor = gap.to;
  }
}
