/**
 * The delivery half of the meter: one definition, the same code, for all four transports.
 * Every client reports each message it decodes here; the tracker keeps per-client sequence
 * bookkeeping (lost / duplicated / out of order, from `seq`) and the worker's HDR histograms.
 *
 * Two intervals are kept side by side:
 * - the measured window: messages whose publish time `ts` falls in [startUs, endUs) — judged by
 *   publish time, not arrival, so a message published in the window and delivered late still
 *   counts against the window; clients that were not connected when it opened are left out;
 * - totals: everything from first connect to last close.
 * Payload bytes are attributed by arrival time, like the socket byte counters they are split from.
 */
import { monotonicUs, type FeedMessage, type GapSignal, type ResetSignal } from '../../servers/contract.js';
import { createHistogram, encodeHistogram, recordUs, type Histogram } from './histogram.js';
import type { ClientErrorKind } from '../clients/client-errors.js';

/** The measured window on the host's monotonic clock (µs). */
export interface MeasureWindow {
  startUs: number;
  endUs: number;
}

/** Raw counters of one interval in one worker; the controller merges these exactly. */
export interface RawInterval {
  /** Payload bytes received (message texts) and sent (publish bodies). */
  payloadDownBytes: number;
  payloadUpBytes: number;
  /** Sum over clients of the distinct messages received. */
  delivered: number;
  /**
   * Sum over clients of the messages they should have received. In the window this is filled
   * in by the controller from the union seq range; in totals it is per client (its highest seq − its cursor).
   */
  expected: number;
  duplicated: number;
  outOfOrder: number;
  gapped: number;
  requests: number;
  emptyResponses: number;
  published: number;
  /** CORS preflights sent, their bytes (up: the OPTIONS requests; down: their answers), and non-simple requests the preflight cache spared one. */
  preflights: number;
  preflightUpBytes: number;
  preflightDownBytes: number;
  preflightCacheHits: number;
  errors: Record<string, number>;
  /** Lowest and highest seq of the step's starting epoch seen in the interval by any client (window: −1 when none). */
  minSeq: number;
  maxSeq: number;
  /** The same for epochs clients reached through a reset signal (a server restart), by epoch id. */
  laterEpochs: Record<string, [number, number]>;
  /** Reset signals received (a cursor from another epoch, e.g. after a server restart). */
  resets: number;
  /** Delivered messages that were published before their client's reconnect (replayed from history). */
  recovered: number;
  latency: string;
  endToEndLatency: string;
  requestRtt: string;
}

class IntervalAccumulator {
  payloadDownBytes = 0;
  payloadUpBytes = 0;
  delivered = 0;
  expected = 0;
  duplicated = 0;
  outOfOrder = 0;
  gapped = 0;
  requests = 0;
  emptyResponses = 0;
  published = 0;
  preflights = 0;
  preflightUpBytes = 0;
  preflightDownBytes = 0;
  preflightCacheHits = 0;
  errors: Record<string, number> = {};
  minSeq = -1;
  maxSeq = -1;
  laterEpochs: Record<string, [number, number]> = {};
  resets = 0;
  recovered = 0;
  readonly latency: Histogram = createHistogram();
  readonly endToEndLatency: Histogram = createHistogram();
  readonly requestRtt: Histogram = createHistogram();

  seeSeq(seq: number, laterEpoch: string | undefined): void {
    if (laterEpoch !== undefined) {
      const range = (this.laterEpochs[laterEpoch] ??= [seq, seq]);
      if (seq < range[0]) range[0] = seq;
      if (seq > range[1]) range[1] = seq;
      return;
    }
    if (this.minSeq < 0 || seq < this.minSeq) this.minSeq = seq;
    if (seq > this.maxSeq) this.maxSeq = seq;
  }

  toRaw(): RawInterval {
    return {
      payloadDownBytes: this.payloadDownBytes,
      payloadUpBytes: this.payloadUpBytes,
      delivered: this.delivered,
      expected: this.expected,
      duplicated: this.duplicated,
      outOfOrder: this.outOfOrder,
      gapped: this.gapped,
      requests: this.requests,
      emptyResponses: this.emptyResponses,
      published: this.published,
      preflights: this.preflights,
      preflightUpBytes: this.preflightUpBytes,
      preflightDownBytes: this.preflightDownBytes,
      preflightCacheHits: this.preflightCacheHits,
      errors: { ...this.errors },
      minSeq: this.minSeq,
      maxSeq: this.maxSeq,
      laterEpochs: structuredClone(this.laterEpochs),
      resets: this.resets,
      recovered: this.recovered,
      latency: encodeHistogram(this.latency),
      endToEndLatency: encodeHistogram(this.endToEndLatency),
      requestRtt: encodeHistogram(this.requestRtt),
    };
  }
}

/** What a transport client calls; one per simulated client. */
export interface ClientTracker {
  /** The first byte of the stream / first answer arrived, `connectUs` after the connect began. */
  onConnected(connectUs: number): void;
  /** A decoded feed message; `textBytes` = UTF-8 length of its serialized text. */
  onMessage(message: FeedMessage, textBytes: number, receivedUs: number): void;
  /** The server said messages from..to are gone (cursor older than its history). */
  onGap(gap: GapSignal, receivedUs: number): void;
  /** The server said the cursor is from another epoch (or ahead of its head): seqs start over. */
  onReset(reset: ResetSignal, receivedUs: number): void;
  /** A good answer / open after a failure: messages published before now that still arrive were recovered. */
  onRecovered(receivedUs: number): void;
  /** A poll / long-poll answer: its round trip and whether it carried no message. */
  onResponse(rttUs: number, empty: boolean, receivedUs: number): void;
  /** An HTTP request (or WS / SSE connect) went out. */
  onRequest(sentUs: number): void;
  /** An upstream message went out carrying `payloadBytes` of body text. */
  onPublished(payloadBytes: number, sentUs: number): void;
  /**
   * This host's monotonic µs on the server's clock (the estimated offset added): what a publish
   * states as its send time, so a client of another shard, on another host, can read it on its own.
   */
  serverClockUs(localUs: number): number;
  /** A CORS preflight went out at `sentUs` (`upBytes`) and its answer (`downBytes`) came at `receivedUs`. */
  onPreflight(upBytes: number, downBytes: number, sentUs: number, receivedUs: number): void;
  /** A non-simple request went without a preflight: the preflight cache held its URL. */
  onPreflightCacheHit(atUs: number): void;
  /** Something went wrong; `kind` is a short stable key (ECONNRESET, http_503, ws_close_1006, parse_error, …). */
  onError(kind: ClientErrorKind): void;
}

/**
 * Per-bucket figures around faults, by publish time (delivered, recovered, seq ranges for the
 * expected count) — the "when connections break" chart. Buckets start at the window's start.
 */
export interface RawTimeline {
  bucketMs: number;
  delivered: number[];
  recovered: number[];
  /** Per bucket, per epoch ('' = the starting one): the union seq range seen, for the expected count. */
  seqRanges: Array<Record<string, [number, number]>>;
}

class TimelineAccumulator {
  readonly delivered: number[];
  readonly recovered: number[];
  readonly seqRanges: Array<Record<string, [number, number]>>;

  constructor(
    readonly startUs: number,
    readonly bucketUs: number,
    buckets: number,
  ) {
    this.delivered = new Array<number>(buckets).fill(0);
    this.recovered = new Array<number>(buckets).fill(0);
    this.seqRanges = Array.from({ length: buckets }, () => ({}));
  }

  add(tsUs: number, seq: number, epochKey: string, recovered: boolean): void {
    const b = Math.floor((tsUs - this.startUs) / this.bucketUs);
    if (b < 0 || b >= this.delivered.length) return;
    if (recovered) this.recovered[b]!++;
    else this.delivered[b]!++;
    const ranges = this.seqRanges[b]!;
    const range = (ranges[epochKey] ??= [seq, seq]);
    if (seq < range[0]) range[0] = seq;
    if (seq > range[1]) range[1] = seq;
  }

  toRaw(): RawTimeline {
    return { bucketMs: this.bucketUs / 1000, delivered: [...this.delivered], recovered: [...this.recovered], seqRanges: structuredClone(this.seqRanges) };
  }
}

class ClientState implements ClientTracker {
  /** Received flags by (seq − since − 1); grown on demand. */
  private seen = new Uint8Array(64);
  private highest = 0;
  /** Messages expected in epochs this client has left through a reset. */
  private closedExpected = 0;
  /** Set after a reset: the epoch this client is in now (not the step's starting one). */
  private laterEpoch: string | undefined;
  /** The last reconnect after a failure (µs): messages published before it that arrive now were recovered. */
  private reconnectedUs = 0;
  /** A fault hit this client at this time (µs) and no message has arrived since; 0 = none pending. */
  awaitingSinceUs = 0;
  connected = false;
  /** Connected before the window opened: only such clients are held to the window's messages. */
  inWindow = false;

  constructor(
    private readonly tracker: DeliveryTracker,
    private since: number,
  ) {}

  /** A fault at `atUs` hit this client: its next delivered message ends its recovery time. */
  faultAt(atUs: number): void {
    if (this.connected && this.awaitingSinceUs === 0) this.awaitingSinceUs = atUs;
  }

  onConnected(connectUs: number): void {
    if (this.connected) return;
    this.connected = true;
    this.tracker.connectedClients++;
    recordUs(this.tracker.connect, connectUs);
    // Connected during the warm-up (window known, its start not reached): held to it from now, by
    // the clock — not by a start timer, which a loaded event loop fires late, after the client may
    // already have read in-window messages without being held to them.
    if (this.tracker.beforeWindowStart(monotonicUs())) this.inWindow = true;
  }

  onMessage(message: FeedMessage, textBytes: number, receivedUs: number): void {
    const t = this.tracker;
    if (receivedUs >= t.nextInstantUs) t.instantReached();
    // The publish time on this host's clock: the server's `ts` less the estimated offset
    // between the clocks (0 on one host, where both read the same monotonic clock).
    const tsUs = message.ts - t.serverClockOffsetUs;
    const inWindowByTs = this.inWindow && t.inWindow(tsUs);
    const arrivedInWindow = t.arrivedInWindow(receivedUs);
    t.totals.payloadDownBytes += textBytes;
    if (arrivedInWindow) t.window.payloadDownBytes += textBytes;

    const index = message.seq - this.since - 1;
    if (index < 0) {
      // Older than the cursor we asked from: the server sent something we did not ask for.
      t.totals.duplicated++;
      if (inWindowByTs) t.window.duplicated++;
      return;
    }
    if (index >= this.seen.length) this.grow(index);
    if (this.seen[index] === 1) {
      t.totals.duplicated++;
      if (inWindowByTs) t.window.duplicated++;
      return;
    }
    this.seen[index] = 1;
    const outOfOrder = message.seq < this.highest;
    if (message.seq > this.highest) this.highest = message.seq;
    const recovered = tsUs < this.reconnectedUs;
    if (recovered) t.totals.recovered++;
    if (this.awaitingSinceUs > 0 && receivedUs >= this.awaitingSinceUs) {
      recordUs(t.recovery, receivedUs - this.awaitingSinceUs);
      this.awaitingSinceUs = 0;
    }
    if (this.inWindow) t.timeline?.add(tsUs, message.seq, this.laterEpoch ?? '', recovered);

    const latencyUs = receivedUs - tsUs;
    t.totals.delivered++;
    if (outOfOrder) t.totals.outOfOrder++;
    recordUs(t.totals.latency, latencyUs);
    // The publisher stated its send time on the server's clock (maybe another shard's host): on this host's.
    const sentUs = message.sent === undefined ? undefined : message.sent - t.serverClockOffsetUs;
    if (sentUs !== undefined) recordUs(t.totals.endToEndLatency, receivedUs - sentUs);
    if (inWindowByTs) {
      t.window.delivered++;
      if (recovered) t.window.recovered++;
      t.window.seeSeq(message.seq, this.laterEpoch);
      if (outOfOrder) t.window.outOfOrder++;
      recordUs(t.window.latency, latencyUs);
      if (sentUs !== undefined) recordUs(t.window.endToEndLatency, receivedUs - sentUs);
    }
  }

  onGap(gap: GapSignal, receivedUs: number): void {
    const count = Math.max(0, gap.to - gap.from + 1);
    this.tracker.totals.gapped += count;
    if (this.inWindow && this.tracker.arrivedInWindow(receivedUs)) this.tracker.window.gapped += count;
    // The gapped seqs stay unseen, so they count as lost; raising `highest` keeps them expected.
    if (gap.to > this.highest) this.highest = gap.to;
  }

  onReset(reset: ResetSignal, receivedUs: number): void {
    const t = this.tracker;
    t.totals.resets++;
    if (this.inWindow && t.arrivedInWindow(receivedUs)) t.window.resets++;
    // The old epoch's books close: what this client missed there stays lost; seqs start over.
    this.closedExpected += Math.max(0, this.highest - this.since);
    this.laterEpoch = typeof reset.epoch === 'string' ? reset.epoch : '?';
    this.since = 0;
    this.highest = 0;
    this.seen = new Uint8Array(64);
  }

  onRecovered(receivedUs: number): void {
    this.reconnectedUs = receivedUs;
  }

  onResponse(rttUs: number, empty: boolean, receivedUs: number): void {
    const t = this.tracker;
    if (receivedUs >= t.nextInstantUs) t.instantReached();
    recordUs(t.totals.requestRtt, rttUs);
    if (empty) t.totals.emptyResponses++;
    if (t.arrivedInWindow(receivedUs)) {
      recordUs(t.window.requestRtt, rttUs);
      if (empty) t.window.emptyResponses++;
    }
  }

  onRequest(sentUs: number): void {
    if (sentUs >= this.tracker.nextInstantUs) this.tracker.instantReached();
    this.tracker.totals.requests++;
    if (this.tracker.arrivedInWindow(sentUs)) this.tracker.window.requests++;
  }

  onPublished(payloadBytes: number, sentUs: number): void {
    const t = this.tracker;
    t.totals.published++;
    t.totals.payloadUpBytes += payloadBytes;
    if (t.arrivedInWindow(sentUs)) {
      t.window.published++;
      t.window.payloadUpBytes += payloadBytes;
    }
  }

  serverClockUs(localUs: number): number {
    // Whole µs, as the server's own `ts`: a fraction would lengthen every publish body.
    return localUs + Math.round(this.tracker.serverClockOffsetUs);
  }

  onPreflight(upBytes: number, downBytes: number, sentUs: number, receivedUs: number): void {
    for (const interval of this.tracker.intervalsAt(sentUs)) {
      interval.preflights++;
      interval.preflightUpBytes += upBytes;
    }
    for (const interval of this.tracker.intervalsAt(receivedUs)) interval.preflightDownBytes += downBytes;
  }

  onPreflightCacheHit(atUs: number): void {
    for (const interval of this.tracker.intervalsAt(atUs)) interval.preflightCacheHits++;
  }

  onError(kind: ClientErrorKind): void {
    const t = this.tracker;
    if (t.faultOnErrorUntilUs > 0) {
      const nowUs = monotonicUs();
      if (nowUs <= t.faultOnErrorUntilUs) this.faultAt(nowUs);
    }
    t.totals.errors[kind] = (t.totals.errors[kind] ?? 0) + 1;
    if (t.arrivedInWindow(monotonicUs())) t.window.errors[kind] = (t.window.errors[kind] ?? 0) + 1;
  }

  /** Has this client had every seq up to `seq` of the step's starting epoch (or left that epoch)? */
  caughtUpTo(seq: number): boolean {
    return this.laterEpoch !== undefined || this.highest >= seq;
  }

  /** Messages this client should have had from its cursor up to the highest it heard of. */
  expectedTotal(): number {
    return this.closedExpected + Math.max(0, this.highest - this.since);
  }

  private grow(index: number): void {
    let size = this.seen.length;
    while (size <= index) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.seen);
    this.seen = next;
  }
}

/** Per-worker delivery bookkeeping; the worker reports {@link DeliveryTracker.report} to the controller. */
export class DeliveryTracker {
  readonly window = new IntervalAccumulator();
  readonly totals = new IntervalAccumulator();
  readonly connect: Histogram = createHistogram();
  /** Time to recover: from a fault to each hit client's first delivered message after it, µs. */
  readonly recovery: Histogram = createHistogram();
  timeline: TimelineAccumulator | undefined;
  connectedClients = 0;
  /** Server clock − this host's clock, µs (load/run/clock-offset.ts); messages' `ts` are converted by it. */
  serverClockOffsetUs = 0;
  /**
   * An instant someone waits for (µs monotonic; Infinity: none): the first client event at or
   * after it (a message or an answer read, a request about to be sent) calls
   * {@link instantReached} before it is counted — the window's edges in a load worker
   * (load/run/window-edges.ts), which a timer alone reaches late while the loop reads a burst.
   */
  nextInstantUs = Infinity;
  instantReached: () => void = () => undefined;
  /**
   * The server resets connections until then (drop-server): a client's connection failure before
   * it is the fault hitting that client, the start of its time to recover. 0 = no such fault.
   */
  faultOnErrorUntilUs = 0;
  private readonly clients: ClientState[] = [];
  private measureWindow: MeasureWindow | undefined;
  private socketsReadStartUs: number | undefined;
  private socketsReadEndUs: number | undefined;

  /**
   * Whether every client held to the window has the highest seq published in it that any client
   * of this worker received (true before the window saw a message).
   */
  windowDelivered(): boolean {
    const last = this.window.maxSeq;
    return last < 0 || this.clients.every((client) => !client.inWindow || client.caughtUpTo(last));
  }

  createClient(since: number): ClientTracker & { faultAt(atUs: number): void } {
    const client = new ClientState(this, since);
    this.clients.push(client);
    return client;
  }

  /**
   * Opens the window (a warm-up ahead of its start): clients connected now, and those that
   * connect before its start, are held to every message published in it. With `timeline`,
   * per-bucket figures are kept over `spanMs` from the window's start.
   */
  openWindow(window: MeasureWindow, timeline?: { bucketMs: number; spanMs: number }): void {
    this.measureWindow = window;
    for (const client of this.clients) if (client.connected) client.inWindow = true;
    if (timeline) this.timeline = new TimelineAccumulator(window.startUs, timeline.bucketMs * 1000, Math.ceil(timeline.spanMs / timeline.bucketMs));
  }

  /** The window is known and `atUs` is before its start (a client connecting now is held to it). */
  beforeWindowStart(atUs: number): boolean {
    return this.measureWindow !== undefined && atUs < this.measureWindow.startUs;
  }

  inWindow(tsUs: number): boolean {
    const w = this.measureWindow;
    return w !== undefined && tsUs >= w.startUs && tsUs < w.endUs;
  }

  /**
   * Same test for arrival / send times (payload, requests, errors are attributed by when they
   * happened), between the instants the worker read the socket counters once they are known
   * ({@link DeliveryTracker.socketsReadAt}), so the window's payload and its socket bytes cover one
   * interval: judged against the planned start instead, a timer firing late on a busy event loop
   * put a message's text in the window but not its bytes, and WebSocket payload came out above
   * the bytes that carried it.
   */
  arrivedInWindow(atUs: number): boolean {
    const w = this.measureWindow;
    return w !== undefined && atUs >= (this.socketsReadStartUs ?? w.startUs) && atUs < (this.socketsReadEndUs ?? w.endUs);
  }

  /** The worker read the socket counters for the window's `edge` at `atUs` (at or after the planned instant: load/run/window-edges.ts). */
  socketsReadAt(edge: 'start' | 'end', atUs: number): void {
    if (edge === 'start') this.socketsReadStartUs = atUs;
    else this.socketsReadEndUs = atUs;
  }

  /** Totals, and the window too when `atUs` falls in it. */
  intervalsAt(atUs: number): IntervalAccumulator[] {
    return this.arrivedInWindow(atUs) ? [this.totals, this.window] : [this.totals];
  }

  get clientsInWindow(): number {
    let n = 0;
    for (const client of this.clients) if (client.inWindow) n++;
    return n;
  }

  report(): {
    window: RawInterval;
    totals: RawInterval;
    connect: string;
    clientsInWindow: number;
    connectedClients: number;
    recovery: string;
    unrecovered: number;
    timeline: RawTimeline | undefined;
  } {
    let expected = 0;
    let unrecovered = 0;
    for (const client of this.clients) {
      expected += client.expectedTotal();
      if (client.awaitingSinceUs > 0) unrecovered++;
    }
    this.totals.expected = expected;
    return {
      window: this.window.toRaw(),
      totals: this.totals.toRaw(),
      connect: encodeHistogram(this.connect),
      clientsInWindow: this.clientsInWindow,
      connectedClients: this.connectedClients,
      recovery: encodeHistogram(this.recovery),
      unrecovered,
      timeline: this.timeline?.toRaw(),
    };
  }
}
