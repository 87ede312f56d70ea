/**
 * Upstream for the HTTP transports (chat workload): `POST /publish` on a second keep-alive
 * connection owned by the client — the poll / stream connection stays busy, as in a browser,
 * which would use another of its six per-host connections. Its bytes count in the client's wire().
 *
 * One POST in flight at a time, like a page awaiting each fetch(); publishes made meanwhile wait
 * in a bounded queue (their `sent` time is when publish() was called, so queueing shows up in
 * the end-to-end latency instead of being hidden).
 */
import { ROUTES, monotonicUs, type PublishRequest } from '../servers/contract.js';
import type { ClientTracker } from './delivery-tracker.js';
import { headersForRequest, type HeaderList } from './header-profiles.js';
import { HttpConnection, endpoint, headerLines, routePath, type HttpResponseHandler } from './http-connection.js';
import type { WireSample } from './results-schema.js';
import type { SocketMeter } from './socket-meter.js';

/** More waiting publishes than this means the server is not keeping up; further ones are refused (counted). */
const MAX_QUEUED = 1000;
/** A publish answer slower than this is a failure. */
const PUBLISH_TIMEOUT_MS = 30_000;

/** The one upstream body format, for POST bodies and WebSocket frames (contract.ts PublishRequest). */
export function publishBody(data: string, sentUs: number): string {
  const request: PublishRequest = { data, sent: sentUs };
  return JSON.stringify(request);
}

export class HttpPublisher implements HttpResponseHandler {
  private readonly connection: HttpConnection;
  private readonly head: string;
  private readonly queue: string[] = [];
  private busy = false;
  private statusCode = 0;
  private responseHeadBytes = 0;
  private closed = false;

  constructor(
    baseUrl: URL,
    headers: HeaderList,
    meter: SocketMeter,
    private readonly tracker: ClientTracker,
    private readonly sample: WireSample,
  ) {
    const { host, port } = endpoint(baseUrl);
    this.connection = new HttpConnection(host, port, meter, this, PUBLISH_TIMEOUT_MS);
    const lines = headerLines(baseUrl.host, [...headersForRequest('publish', headers), ['Content-Type', 'application/json']]);
    this.head = `POST ${routePath(baseUrl, ROUTES.publish)} HTTP/1.1\r\n${lines}Content-Length: `;
  }

  publish(data: string): void {
    if (this.closed) return;
    const body = publishBody(data, monotonicUs());
    if (!this.busy) this.send(body);
    else if (this.queue.length < MAX_QUEUED) this.queue.push(body);
    else this.tracker.onError('publish_backlog');
  }

  close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    return this.connection.drop('closed_by_client');
  }

  onResponseHead(statusCode: number, _headers: readonly string[], headBytes: number): void {
    this.statusCode = statusCode;
    this.responseHeadBytes = headBytes;
  }

  onResponseBody(): void {
    // The answer is {"seq":N}; only its size matters here.
  }

  onResponseEnd(bodyWireBytes: number): void {
    if (this.statusCode === 200) this.sample.publishDownBytes = this.responseHeadBytes + bodyWireBytes;
    else this.tracker.onError(`http_${this.statusCode}`);
    this.next();
  }

  onConnectionClose(kind: string, inFlight: boolean): void {
    if (this.closed) return;
    if (inFlight) this.tracker.onError(kind);
    this.next();
  }

  private next(): void {
    this.busy = false;
    const body = this.queue.shift();
    if (body !== undefined && !this.closed) this.send(body);
  }

  private send(body: string): void {
    this.busy = true;
    const bodyBytes = Buffer.byteLength(body);
    const head = `${this.head}${bodyBytes}\r\n\r\n`;
    this.connection.send([head, body]);
    this.sample.publishUpBytes = head.length + bodyBytes;
    this.tracker.onPublished(bodyBytes, monotonicUs());
  }
}
