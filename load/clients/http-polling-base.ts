/**
 * What short polling and long-polling share: `GET <route>?since=<cursor>` on one keep-alive
 * connection, a JSON array answer (contract.ts: optionally a gap signal first, then messages),
 * the cursor moving to the highest seq (or gap end) seen. The two differ only in when the next
 * request goes (PollClient: on a fixed-rate schedule; LongPollClient: as soon as the answer is in).
 */
import { EPOCH_HEADER, monotonicUs } from '../../servers/contract.js';
import { ClientBase } from './client-lifecycle.js';
import { LIMIT_ERROR } from './client-limits.js';
import { CorsPreflighter, corsGranted } from './cors-preflight.js';
import { headersForRequest, preflightHeaders } from './header-profiles.js';
import { CursorRequest, headerValue, routePath, type ExchangeHeads, type HttpChannel, type HttpResponseHandler } from './http-connection.js';
import { ExchangeHeadSizes } from './wire-sample.js';
import type { WireSample } from '../results/results-schema.js';
import { openHttpChannel } from './http-channel.js';
import { HttpPublisher } from './http-publisher.js';
import { arrayElementBounds } from './json-array-elements.js';
import { contentCoding, decodeBody } from './content-decoding.js';
import type { ClientOptions } from './client-contract.js';
import type { ClientErrorKind } from './client-errors.js';

/**
 * Beyond the longest quiet time a healthy server can cause (a long-poll held for the whole hold,
 * a short-poll connection idle between two polls), how long a connection may carry no byte either
 * way before the request fails as `timeout`. Generous, so a loaded machine's pauses are never
 * taken for a dead server: with the default 30 s hold it gives the 120 s fixed timeout of before.
 */
export const POLL_IDLE_GRACE_MS = 90_000;

/** The idle timeout of a polling connection that may rightly stay quiet for `quietMs` (the hold, or the poll interval). */
export function pollIdleTimeoutMs(quietMs: number): number {
  return quietMs + POLL_IDLE_GRACE_MS;
}
/** Longest stop() waits for a short-poll answer already on its way. */
const STOP_ANSWER_WAIT_MS = 2_000;

export abstract class HttpPollingClient extends ClientBase implements HttpResponseHandler {
  protected readonly connection: HttpChannel;
  private readonly request: CursorRequest;
  private readonly publisher: HttpPublisher;
  private readonly bounds: number[] = [];
  private sentUs = 0;
  private statusCode = 0;
  private headBytes = 0;
  private responseHeaders: readonly string[] = [];
  private bodyPieces: Buffer[] = [];
  private bodyBytes = 0;
  /** Cross-origin with Authorization: the OPTIONS before a poll whose URL the preflight cache lacks. */
  private readonly preflight: { request: CursorRequest; preflighter: CorsPreflighter } | undefined;
  private preflighting = false;
  private readonly exchangeHeads = new ExchangeHeadSizes();

  /** `quietMs`: the longest a healthy server leaves the connection without a byte (see pollIdleTimeoutMs). */
  constructor(options: ClientOptions, route: string, quietMs: number) {
    super(options);
    const path = routePath(options.baseUrl, route);
    this.connection = openHttpChannel(options.baseUrl, this.meter, this, pollIdleTimeoutMs(quietMs), options);
    this.request = new CursorRequest(path, options.baseUrl.host, headersForRequest('fetch', options.headers, options));
    this.publisher = new HttpPublisher(options.baseUrl, options.headers, this.meter, this.tracker, this.sample, options);
    const { crossOrigin } = options;
    if (crossOrigin !== undefined && options.authorization !== undefined) {
      this.preflight = {
        request: new CursorRequest(path, options.baseUrl.host, preflightHeaders(options.headers, crossOrigin, 'GET', 'authorization'), 'OPTIONS'),
        preflighter: new CorsPreflighter(crossOrigin, 'GET', ['authorization'], this.tracker, this.sample),
      };
    }
  }

  override wireSample(): WireSample {
    this.exchangeHeads.fill(this.sample);
    return super.wireSample();
  }

  publish(data: string): void {
    this.publisher.publish(data);
  }

  dropConnection(): void {
    void this.connection.drop('dropped', true);
  }

  protected begin(): void {
    this.onStart();
    this.sendPoll();
  }

  protected async shutdown(): Promise<void> {
    this.onStop();
    if (this.awaitsAnswerOnStop && this.requestInFlight) {
      // An answer already on its way is on the wire whether or not we read it: let it arrive so
      // the socket counters agree with a packet capture (bounded, in case the server stalls).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STOP_ANSWER_WAIT_MS);
        this.settled = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await Promise.all([this.connection.drop('closed_by_client'), this.publisher.close()]);
  }

  /**
   * Whether stop() waits for the answer in flight. Short polling: yes, it comes within a round
   * trip. Long-polling: no, a held request may wait a whole hold (and nothing is on the wire yet).
   */
  protected abstract readonly awaitsAnswerOnStop: boolean;
  private settled: (() => void) | undefined;

  /** Sets up the schedule (called once, before the first request). */
  protected abstract onStart(): void;
  /** Clears timers. */
  protected abstract onStop(): void;
  /** An answer (any status) came in and the connection is free. */
  protected abstract afterAnswer(ok: boolean): void;
  /** The request failed without an answer (connection error); the connection is closed. */
  protected abstract afterFailure(): void;

  protected get requestInFlight(): boolean {
    return this.connection.requestsInFlight > 0;
  }

  /** Polls now — after a preflight first when the request is non-simple and the cache lacks its URL. */
  protected sendPoll(): void {
    if (this.stopped) return;
    const preflight = this.preflight;
    const nowUs = monotonicUs();
    this.bodyPieces = [];
    this.bodyBytes = 0;
    if (preflight !== undefined && preflight.preflighter.needed(this.cursor, nowUs)) {
      this.preflighting = true;
      preflight.preflighter.sent(this.cursor, preflight.request.send(this.connection, this.cursor), nowUs);
      return;
    }
    this.sendRequest(nowUs);
  }

  private sendRequest(nowUs: number): void {
    this.sentUs = nowUs;
    this.bodyPieces = [];
    this.bodyBytes = 0;
    // The epoch is named once per connection: it cannot change under a live one (contract.ts).
    const named = this.connection.isOpen ? undefined : this.epoch;
    this.request.send(this.connection, this.cursor, named);
    this.tracker.onRequest(this.sentUs);
  }

  onResponseHead(statusCode: number, headers: readonly string[], headBytes: number, _receivedUs: number, exchange: ExchangeHeads): void {
    this.statusCode = statusCode;
    this.headBytes = headBytes;
    if (!this.preflighting) {
      // The wire sample's request is the steady state, not a connection's first (which names the
      // epoch, and over HTTP/2 fills HPACK's dynamic table), unless no other was seen yet.
      if (!exchange.firstOnConnection || this.sample.requestBytes === 0) this.sample.requestBytes = exchange.requestHeadBytes;
      this.exchangeHeads.add(exchange.requestHeadBytes + headBytes, exchange.firstOnConnection);
    }
    if (this.epoch === undefined) this.epochStated(headerValue(headers, EPOCH_HEADER));
    this.responseHeaders = headers;
  }

  onResponseBody(body: Buffer): void {
    if (this.bodyBytes < 0) return; // already over the cap, the connection is being dropped
    this.bodyBytes += body.length;
    if (this.bodyBytes > this.limits.bodyBytes) {
      // An answer larger than any the configuration can produce (an endless chunked body, a
      // huge string): drop it, as a named error, before it costs more memory.
      this.bodyBytes = -1;
      this.bodyPieces = [];
      void this.connection.drop(LIMIT_ERROR.body);
      return;
    }
    this.bodyPieces.push(body);
  }

  onResponseEnd(bodyWireBytes: number, receivedUs: number): void {
    if (this.stopped) {
      // The answer to a poll sent before stop() is on the wire and in the socket counters: read
      // it, so its message texts count as payload (and its messages as delivered) rather than as
      // overhead. On a loaded machine more answers are in flight at stop, and skipping them moved
      // the CI profile's poll overhead per request by +2.6 %.
      if (!this.preflighting && this.granted()) this.readAnswer(bodyWireBytes, receivedUs);
      this.settled?.();
      return;
    }
    if (this.preflighting) {
      this.preflighting = false;
      const refused = this.preflight?.preflighter.answered(this.statusCode, this.responseHeaders, this.headBytes + bodyWireBytes, receivedUs);
      if (refused === undefined) this.sendRequest(monotonicUs());
      else if (!this.failStart(refused)) {
        this.tracker.onError(refused);
        this.afterAnswer(false);
      }
      return;
    }
    // A browser keeps an answer CORS does not grant from the page: it is on the wire, but unread.
    const blocked = this.statusCode === 200 && !this.granted();
    const ok = this.statusCode === 200 && !blocked;
    if (!ok) {
      const kind: ClientErrorKind = blocked ? 'cors_blocked' : `http_${this.statusCode}`;
      if (this.failStart(kind)) return;
      this.failed(kind);
      this.afterAnswer(false);
      return;
    }
    this.connected(receivedUs);
    this.afterAnswer(this.readAnswer(bodyWireBytes, receivedUs) >= 0);
  }

  /** A 200 answer the page may read (CORS granted it, or no cross-origin). */
  private granted(): boolean {
    return this.statusCode === 200 && (this.options.crossOrigin === undefined || corsGranted(this.responseHeaders, this.options.crossOrigin));
  }

  /** A 200 answer's body: its messages to the tracker; returns their number, or -1 if it is not a JSON array. */
  private readAnswer(bodyWireBytes: number, receivedUs: number): number {
    this.sample.responseHeadBytes = this.headBytes;
    const pieces = this.bodyPieces;
    const wireBody = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces);
    this.bodyPieces = [];
    // A compressed answer (the run's compression, or a target's choice) is read decoded, its
    // inflated size held to the same cap as a plain body's (a decompression bomb is an error).
    const coding = contentCoding(headerValue(this.responseHeaders, 'content-encoding'));
    const body = coding === undefined ? wireBody : decodeBody(wireBody, coding, this.limits.bodyBytes);
    if (!Buffer.isBuffer(body)) {
      this.tracker.onError(body.error);
      this.tracker.onResponse(receivedUs - this.sentUs, true, receivedUs);
      return -1;
    }
    const messages = this.decode(body, receivedUs);
    if (messages === 0) this.sample.emptyBodyBytes = bodyWireBytes;
    this.tracker.onResponse(receivedUs - this.sentUs, messages <= 0, receivedUs);
    return messages;
  }

  onConnectionClose(kind: ClientErrorKind, inFlight: boolean): void {
    this.preflighting = false;
    if (this.stopped) this.settled?.();
    if (this.stopped || !inFlight) return;
    if (this.failStart(kind)) return;
    this.failed(kind);
    this.afterFailure();
  }

  /**
   * Decodes a JSON array answer; returns the number of messages, or -1 if it is not one.
   * Each message's textBytes is its element's length in the body (see json-array-elements.ts);
   * with n elements, the bytes beyond their texts are `[`, `]` and n − 1 commas.
   */
  private decode(body: Buffer, receivedUs: number): number {
    const elements = arrayElementBounds(body, this.bounds);
    if (elements < 0) {
      this.tracker.onError('parse_error');
      return -1;
    }
    let messages = 0;
    let elementBytes = 0;
    for (let i = 0; i < elements; i++) {
      const start = this.bounds[2 * i] as number;
      const end = this.bounds[2 * i + 1] as number;
      elementBytes += end - start;
      const kind = this.decodeJson(body.toString('utf8', start, end), end - start, receivedUs);
      if (kind < 0) return -1;
      messages += kind;
    }
    // Per extra element in one body: what lies between the texts (the comma).
    if (elements >= 2) this.framing.add(body.length - 2 - elementBytes, elements - 1);
    return messages;
  }
}
