/**
 * Server-Sent Events: `GET /sse?since=<cursor>` with `Accept: text/event-stream` on one
 * connection, behaving like a browser's EventSource (WHATWG HTML §9.2): the stream is parsed by
 * sse-parser.ts; when it drops, the client waits the reconnection time (`retry:` from the server,
 * else 3 s as Chrome does, doubling while reconnects keep failing) and reconnects to the same URL
 * with `Last-Event-ID` (§9.2.3 "reestablish the connection").
 *
 * One deviation, on purpose: after a gap signal (which carries no `id:`), Last-Event-ID is the
 * gap's end rather than the last id seen, so the same lost messages are not announced — and
 * counted — twice on the next reconnect. Without a gap both are the same number.
 */
import { EPOCH_HEADER, ROUTES, monotonicUs, type GapSignal, type ResetSignal } from '../../servers/contract.js';
import { ClientBase } from './client-lifecycle.js';
import { LIMIT_ERROR } from './client-limits.js';
import { backoffMs } from './reconnect-backoff.js';
import { corsGranted } from './cors-preflight.js';
import { headersForRequest } from './header-profiles.js';
import { headerLines, headerValue, routePath, type ExchangeHeads, type HttpChannel, type HttpResponseHandler } from './http-connection.js';
import { openHttpChannel } from './http-channel.js';
import { HttpPublisher } from './http-publisher.js';
import { createSseParser, type SseEvent, type SseParser } from './sse-parser.js';
import type { ClientOptions } from './client-contract.js';
import { contentCoding, DECODE_ERROR, streamDecoder } from './content-decoding.js';
import type { ClientErrorKind } from './client-errors.js';

/** No bytes for this long (heartbeats included) means the stream is dead (`timeout`). */
export const SSE_IDLE_TIMEOUT_MS = 120_000;

/** Longest reconnection time a server's `retry:` can set (an hour: longer than any step). */
export const MAX_SSE_RETRY_MS = 3_600_000;

/** Longest stop() waits for the rest of an event it caught half-read (as a short poll waits for its answer). */
const STOP_EVENT_WAIT_MS = 2_000;

export class SseClient extends ClientBase implements HttpResponseHandler {
  readonly transport = 'sse' as const;
  private readonly connection: HttpChannel;
  private readonly publisher: HttpPublisher;
  private readonly parser: SseParser;
  /** The request up to the blank line, minus a Last-Event-ID; `GET /sse?since=<options.since>&epoch=<epoch>`. */
  private requestHead: string;
  private retryMs: number;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private statusCode = 0;
  private streaming = false;
  /** Per body piece: what the parser dispatched, to attribute the piece's wire bytes. */
  private pieceMessages = 0;
  private pieceTextBytes = 0;
  private pieceComments = 0;
  private pieceOther = 0;
  private pendingWireBytes = 0;
  private firstPiece = true;
  private receivedUs = 0;
  /**
   * A compressed stream's decoder (Content-Encoding gzip: the run's compression). zlib decodes
   * off the event loop, so each piece's receive time waits in `decodingUs` until its output is
   * parsed (pieces are decoded in order, every one to its last byte).
   */
  private decoder: ReturnType<typeof streamDecoder>;
  private decodingUs: number[] = [];
  /** While stop() waits for the end of an event: told after each body piece and when the stream ends. */
  private pieceRead: (() => void) | undefined;
  private readonly onReconnect = (): void => {
    this.timer = undefined;
    this.connect();
  };

  constructor(options: ClientOptions) {
    super(options);
    this.retryMs = this.reconnect.sseRetryMs;
    this.connection = openHttpChannel(options.baseUrl, this.meter, this, SSE_IDLE_TIMEOUT_MS, options);
    this.publisher = new HttpPublisher(options.baseUrl, options.headers, this.meter, this.tracker, this.sample, options);
    this.requestHead = this.buildRequestHead(options.since);
    this.parser = createSseParser({
      onEvent: (event) => this.onEvent(event),
      onComment: () => this.pieceComments++,
      onRetry: (retryMs) => {
        // A target's `retry:` is untrusted: Node fires a timer longer than 2^31 ms at once (with
        // a warning on stderr), so a huge value would mean reconnecting in a tight loop.
        this.retryMs = Math.min(retryMs, MAX_SSE_RETRY_MS);
        this.pieceOther++;
      },
      limits: { lineChars: this.limits.sseLineChars, dataChars: this.limits.messageBytes },
      // A line or an event beyond any the configuration produces: the stream is dropped as a
      // named error (and resumed after the reconnection time, as after any other drop).
      onOverflow: (what) => {
        this.streaming = false;
        this.endDecoder();
        void this.connection.drop(what === 'line' ? LIMIT_ERROR.sseLine : LIMIT_ERROR.sseEvent);
      },
    });
  }

  publish(data: string): void {
    this.publisher.publish(data);
  }

  protected begin(): void {
    this.connect();
  }

  protected async shutdown(): Promise<void> {
    clearTimeout(this.timer);
    await this.finishEventInFlight();
    await Promise.all([this.connection.drop('closed_by_client'), this.publisher.close()]);
    this.endDecoder();
  }

  /**
   * stop() came with part of an event read (an event split across TCP segments): its bytes are on
   * the wire and in the socket counters, and its text would count as overhead if the socket were
   * closed now. Read on (bounded, in case the server stalls) until the stream is at an event
   * boundary, so what the meter counted is what was parsed plus framing — as short polls read an
   * answer in flight at stop and WebSocket the frames of its close handshake.
   */
  private async finishEventInFlight(): Promise<void> {
    const deadline = performance.now() + STOP_EVENT_WAIT_MS;
    // Checked again after each wake-up: the piece that ended this event may have begun the next.
    while (this.streaming && this.parser.midEvent) {
      const leftMs = deadline - performance.now();
      if (leftMs <= 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => this.pieceRead?.(), leftMs);
        this.pieceRead = () => {
          clearTimeout(timer);
          this.pieceRead = undefined;
          resolve();
        };
      });
    }
  }

  /** Drops the stream as a network failure would (tests: the resume path). */
  dropStream(): Promise<void> {
    return this.connection.drop('dropped');
  }

  dropConnection(): void {
    void this.connection.drop('dropped', true);
  }

  /**
   * The EventSource's URL: fixed for its life, as a browser's is. The epoch rides in it so the
   * server can tell a Last-Event-ID of another epoch; after a reset the page would open a new
   * EventSource on the new epoch, and so does this client.
   */
  private buildRequestHead(since: number): string {
    const path = `${routePath(this.options.baseUrl, ROUTES.sse)}?since=${since}${this.epoch === undefined ? '' : `&epoch=${this.epoch}`}`;
    return `GET ${path} HTTP/1.1\r\n${headerLines(this.options.baseUrl.host, headersForRequest('sse', this.options.headers, this.options))}`;
  }

  protected override resetReceived(reset: ResetSignal, receivedUs: number): void {
    super.resetReceived(reset, receivedUs);
    this.requestHead = this.buildRequestHead(0);
  }

  private connect(): void {
    if (this.stopped) return;
    // Resume after what this client has accounted for (see the module comment).
    const resume = this.parser.lastEventId !== '' || this.cursor > this.options.since;
    const request = resume ? `${this.requestHead}Last-Event-ID: ${this.cursor}\r\n\r\n` : `${this.requestHead}\r\n`;
    this.parser.reset();
    this.endDecoder();
    this.firstPiece = true;
    this.streaming = false;
    this.connection.send([request]);
    this.tracker.onRequest(monotonicUs());
  }

  onResponseHead(statusCode: number, headers: readonly string[], headBytes: number, receivedUs: number, exchange: ExchangeHeads): void {
    if (this.stopped) return;
    // The connect request as its connection sent it (over HTTP/2: its HEADERS frames, after HPACK).
    this.sample.requestBytes = exchange.requestHeadBytes;
    this.statusCode = statusCode;
    if (statusCode !== 200) return;
    const { crossOrigin } = this.options;
    if (crossOrigin !== undefined && !corsGranted(headers, crossOrigin)) {
      // EventSource fails the connection when CORS does not grant the stream (HTML §9.2.3).
      void this.connection.drop('cors_blocked');
      return;
    }
    if (this.epoch === undefined) {
      this.epochStated(headerValue(headers, EPOCH_HEADER));
      if (this.epoch !== undefined) this.requestHead = this.buildRequestHead(this.options.since);
    }
    const coding = contentCoding(headerValue(headers, 'content-encoding'));
    if (coding !== undefined && !this.startDecoder(coding)) {
      void this.connection.drop(DECODE_ERROR.unsupported);
      return;
    }
    this.streaming = true;
    this.failures = 0;
    this.sample.responseHeadBytes = headBytes;
    this.connected(receivedUs);
  }

  /** Decodes the stream from here on; false when this client cannot decode `coding`. */
  private startDecoder(coding: string): boolean {
    const decoder = streamDecoder(coding);
    if (decoder === undefined) return false;
    this.decoder = decoder;
    this.decodingUs = [];
    decoder.on('data', (text: Buffer) => {
      if (decoder !== this.decoder || !this.streaming) return;
      this.receivedUs = this.decodingUs[0] ?? this.receivedUs;
      // The parser's line and event caps bound what a decompression bomb can make this hold:
      // every inflated piece (zlib's 16 KiB chunks) goes to it as it comes.
      this.parser.feed(text);
      this.pieceRead?.();
    });
    decoder.on('error', () => {
      if (decoder !== this.decoder) return;
      this.endDecoder();
      this.streaming = false;
      void this.connection.drop(DECODE_ERROR.corrupt);
    });
    return true;
  }

  private endDecoder(): void {
    this.decoder?.destroy();
    this.decoder = undefined;
    this.decodingUs = [];
  }

  onResponseBody(body: Buffer, framingBytes: number, receivedUs: number): void {
    // Also after stop(): what arrives before the socket closes is read (see finishEventInFlight).
    if (!this.streaming) return;
    const decoder = this.decoder;
    if (decoder !== undefined) {
      // No wire sample from a compressed stream: its bytes are not the events' texts plus framing.
      this.decodingUs.push(receivedUs);
      decoder.write(body, () => {
        if (decoder === this.decoder) this.decodingUs.shift();
      });
      return;
    }
    this.receivedUs = receivedUs;
    this.pieceMessages = 0;
    this.pieceTextBytes = 0;
    this.pieceComments = 0;
    this.pieceOther = 0;
    this.pendingWireBytes += framingBytes + body.length;
    this.parser.feed(body);
    this.attributeWireBytes();
    this.pieceRead?.();
  }

  /**
   * The wire sample, from real traffic: a body piece (usually one server write = one HTTP chunk)
   * that completed only message events gives framing per message (its wire bytes, chunk framing
   * included, minus the message texts); one that completed only comments gives heartbeat bytes.
   * The first piece of a stream is skipped (its framing lacks the previous chunk's CRLF).
   */
  private attributeWireBytes(): void {
    const dispatched = this.pieceMessages + this.pieceComments + this.pieceOther;
    if (dispatched === 0) return;
    if (!this.firstPiece && this.pieceOther === 0) {
      if (this.pieceComments === 0) this.framing.add(this.pendingWireBytes - this.pieceTextBytes, this.pieceMessages);
      else if (this.pieceMessages === 0) this.sample.heartbeatBytes = Math.round(this.pendingWireBytes / this.pieceComments);
    }
    this.firstPiece = false;
    this.pendingWireBytes = 0;
  }

  private onEvent(event: SseEvent): void {
    if (event.event === 'reset') {
      this.pieceOther++;
      let reset: unknown;
      try {
        reset = JSON.parse(event.data);
      } catch {
        this.tracker.onError('parse_error');
        return;
      }
      this.resetSignal(reset, this.receivedUs);
      return;
    }
    if (event.event === 'gap') {
      this.pieceOther++;
      let gap: GapSignal;
      try {
        gap = JSON.parse(event.data) as GapSignal;
      } catch {
        this.tracker.onError('parse_error');
        return;
      }
      this.gapReceived(gap, this.receivedUs);
      return;
    }
    const textBytes = Buffer.byteLength(event.data);
    if (event.event === undefined && this.decodeJson(event.data, textBytes, this.receivedUs) === 1) {
      this.pieceMessages++;
      this.pieceTextBytes += textBytes;
    } else this.pieceOther++;
  }

  onResponseEnd(): void {
    // The server ended the response: for a 200 the stream is over (reconnect, as EventSource
    // does); an error answer is counted and retried. The keep-alive socket is reused.
    if (this.stopped) return this.streamOverAfterStop();
    this.streamLost(this.statusCode === 200 ? 'closed_by_server' : `http_${this.statusCode}`);
  }

  onConnectionClose(kind: ClientErrorKind, inFlight: boolean): void {
    if (this.stopped) return this.streamOverAfterStop();
    if (!inFlight) return;
    this.streamLost(kind);
  }

  /** The stream ended or closed while stop() waited for the end of an event: nothing more will come. */
  private streamOverAfterStop(): void {
    this.streaming = false;
    this.pieceRead?.();
  }

  private streamLost(kind: ClientErrorKind): void {
    this.streaming = false;
    this.parser.reset();
    this.endDecoder();
    if (this.failStart(kind)) return;
    this.failed(kind);
    if (this.timer !== undefined) return;
    this.failures++;
    // WHATWG: the reconnection time, doubled while attempts keep failing; no jitter (module comment).
    this.timer = setTimeout(this.onReconnect, backoffMs(this.failures, this.reconnect, this.retryMs, 0));
  }
}

export const createSseClient = (options: ClientOptions): SseClient => new SseClient(options);
