/**
 * For the client tests: a tracker that records what a client reported (and passes it on to a
 * real DeliveryTracker), raw-socket probes that read a server's response head sizes
 * independently of the clients, and the HTTP/1.1 request text written out by hand.
 */
import net from 'node:net';
import type { TestContext } from 'node:test';
import { SERVER_DEFAULTS } from '../../servers/server-options.js';
import { serializeMessage, type FeedMessage, type GapSignal, type ResetSignal } from '../../servers/contract.js';
import { DeliveryTracker, type ClientTracker } from '../../load/meter/delivery-tracker.js';
import type { ClientOptions, TransportClient } from '../../load/clients/client-contract.js';
import type { ClientErrorKind } from '../../load/clients/client-errors.js';

export { startServer, waitUntil } from './server-harness.js';

/** One answer (poll / long-poll) and the message texts it carried. */
export interface RecordedAnswer {
  texts: string[];
  empty: boolean;
}

export class RecordingTracker implements ClientTracker {
  readonly delivery = new DeliveryTracker();
  readonly inner: ClientTracker;
  readonly seqs: number[] = [];
  /** Message texts re-serialized with the server's own serializer, in arrival order. */
  readonly texts: string[] = [];
  readonly gaps: GapSignal[] = [];
  /** Cursor (highest seq or gap end seen so far) at each request. */
  readonly requestCursors: number[] = [];
  readonly answers: RecordedAnswer[] = [];
  readonly errors: string[] = [];
  readonly textBytesMismatches: string[] = [];
  published = 0;
  connected = 0;
  preflights = 0;
  preflightCacheHits = 0;
  private pending: string[] = [];
  private highest: number;
  /** Called after each answer is recorded (the client has not sent its next request yet). */
  onAnswer: (() => void) | undefined;

  constructor(readonly since: number) {
    this.inner = this.delivery.createClient(since);
    this.highest = since;
  }

  serverClockUs(localUs: number): number {
    return this.inner.serverClockUs(localUs);
  }

  onConnected(connectUs: number): void {
    this.connected++;
    this.inner.onConnected(connectUs);
  }

  onMessage(message: FeedMessage, textBytes: number, receivedUs: number): void {
    const text = serializeMessage(message);
    if (Buffer.byteLength(text) !== textBytes) this.textBytesMismatches.push(`seq ${message.seq}: ${textBytes} != ${Buffer.byteLength(text)}`);
    this.seqs.push(message.seq);
    this.texts.push(text);
    this.pending.push(text);
    if (message.seq > this.highest) this.highest = message.seq;
    this.inner.onMessage(message, textBytes, receivedUs);
  }

  onGap(gap: GapSignal, receivedUs: number): void {
    this.gaps.push(gap);
    if (gap.to > this.highest) this.highest = gap.to;
    this.inner.onGap(gap, receivedUs);
  }

  readonly resets: ResetSignal[] = [];
  recoveries = 0;

  onReset(reset: ResetSignal, receivedUs: number): void {
    this.resets.push(reset);
    this.highest = 0;
    this.inner.onReset(reset, receivedUs);
  }

  onRecovered(receivedUs: number): void {
    this.recoveries++;
    this.inner.onRecovered(receivedUs);
  }

  onResponse(rttUs: number, empty: boolean, receivedUs: number): void {
    this.answers.push({ texts: this.pending, empty });
    this.pending = [];
    this.inner.onResponse(rttUs, empty, receivedUs);
    this.onAnswer?.();
  }

  onRequest(sentUs: number): void {
    this.requestCursors.push(this.highest);
    this.inner.onRequest(sentUs);
  }

  onPublished(payloadBytes: number, sentUs: number): void {
    this.published++;
    this.inner.onPublished(payloadBytes, sentUs);
  }

  onPreflight(upBytes: number, downBytes: number, sentUs: number, receivedUs: number): void {
    this.preflights++;
    this.inner.onPreflight(upBytes, downBytes, sentUs, receivedUs);
  }

  onPreflightCacheHit(atUs: number): void {
    this.preflightCacheHits++;
    this.inner.onPreflightCacheHit(atUs);
  }

  onError(kind: ClientErrorKind): void {
    this.errors.push(kind);
    this.inner.onError(kind);
  }
}

export function clientOptions(
  baseUrl: string,
  tracker: RecordingTracker,
  headers: ClientOptions['headers'] = [],
  intervalMs = 100,
  extra: Partial<ClientOptions> = {},
): ClientOptions {
  return { baseUrl: new URL(baseUrl), since: tracker.since, headers, intervalMs, holdMs: SERVER_DEFAULTS.holdMs, tracker, ...extra };
}

/** Stops the client when the test ends (also if it failed midway). */
export function stopAfter(t: TestContext, client: TransportClient): TransportClient {
  t.after(() => client.stop());
  return client;
}

/** `GET <target> HTTP/1.1`, Host, the headers, blank line — written out independently of load/. */
export function requestText(method: string, target: string, host: string, headers: ReadonlyArray<readonly [string, string]>): string {
  return [`${method} ${target} HTTP/1.1`, `Host: ${host}`, ...headers.map(([name, value]) => `${name}: ${value}`), '', ''].join('\r\n');
}

/**
 * Sends `request` on a fresh raw socket and returns the response head (status line to CRLF CRLF)
 * as received, for head sizes measured independently of the clients.
 */
export function probeResponseHead(port: number, request: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no response head within ${timeoutMs} ms for ${request.split('\r\n')[0]}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(received.subarray(0, end + 4).toString('latin1'));
    });
    socket.on('error', reject);
    socket.write(request);
  });
}

/** Bytes of one HTTP/1.1 chunk carrying `length` bytes (RFC 9112 §7.1: hex size, CRLF, data, CRLF). */
export function chunkBytes(length: number): number {
  return length.toString(16).length + 2 + length + 2;
}

/** A head whose `content-length` is `length` instead of the probed one (only that value's digits differ). */
export function headWithLength(probedHead: string, length: number): number {
  const match = /\r\ncontent-length: (\d+)\r\n/i.exec(probedHead);
  if (match === null || match[1] === undefined) throw new Error(`probed head has no content-length: ${probedHead}`);
  return probedHead.length - match[1].length + String(length).length;
}

export const digits = (n: number): number => String(n).length;
