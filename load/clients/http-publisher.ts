/**
 * Upstream for the HTTP transports (chat workload): `POST /publish` on a second keep-alive
 * connection owned by the client — the poll / stream connection stays busy, as in a browser,
 * which would use another of its six per-host connections. Its bytes count in the client's wire().
 * Over HTTP/2 shared by a group (`--h2-clients-per-connection`), the publishes are streams on
 * the group's connection instead, as a browser sends every fetch to the origin on its one.
 *
 * Cross-origin, the JSON POST is not a simple request (its Content-Type is not CORS-safelisted):
 * a preflight goes first unless the preflight cache holds /publish (a fixed URL, so it mostly does).
 *
 * One POST in flight at a time, like a page awaiting each fetch(); publishes made meanwhile wait
 * in a bounded queue (their `sent` time is when publish() was called, so queueing shows up in
 * the end-to-end latency instead of being hidden).
 */
import { ROUTES, monotonicUs, type PublishRequest } from '../../servers/contract.js';
import { CorsPreflighter, corsGranted } from './cors-preflight.js';
import type { ClientTracker } from '../meter/delivery-tracker.js';
import { headersForRequest, preflightHeaders, type HeaderList, type RequestSite } from './header-profiles.js';
import { openHttpChannel, type ChannelSite } from './http-channel.js';
import { headerLines, routePath, type HttpChannel, type HttpResponseHandler } from './http-connection.js';
import type { WireSample } from '../results/results-schema.js';
import type { SocketMeter } from '../meter/socket-meter.js';
import type { ClientErrorKind } from './client-errors.js';

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
  private readonly connection: HttpChannel;
  private readonly head: string;
  private readonly queue: string[] = [];
  private busy = false;
  private statusCode = 0;
  private responseHeadBytes = 0;
  private responseHeaders: readonly string[] = [];
  private closed = false;
  /** Cross-origin: the preflight request's bytes and who judges its answer. */
  private readonly preflight: { request: string; preflighter: CorsPreflighter } | undefined;
  /** The body waiting for its preflight's answer. */
  private preflighting: string | undefined;

  constructor(
    baseUrl: URL,
    headers: HeaderList,
    meter: SocketMeter,
    private readonly tracker: ClientTracker,
    private readonly sample: WireSample,
    private readonly site: RequestSite & ChannelSite = {},
  ) {
    this.connection = openHttpChannel(baseUrl, meter, this, PUBLISH_TIMEOUT_MS, site);
    const path = routePath(baseUrl, ROUTES.publish);
    const lines = headerLines(baseUrl.host, [...headersForRequest('publish', headers, site), ['Content-Type', 'application/json']]);
    this.head = `POST ${path} HTTP/1.1\r\n${lines}Content-Length: `;
    if (site.crossOrigin !== undefined) {
      const unsafe = site.authorization !== undefined ? ['authorization', 'content-type'] : ['content-type'];
      this.preflight = {
        request: `OPTIONS ${path} HTTP/1.1\r\n${headerLines(baseUrl.host, preflightHeaders(headers, site.crossOrigin, 'POST', unsafe.join(',')))}\r\n`,
        preflighter: new CorsPreflighter(site.crossOrigin, 'POST', unsafe, tracker, sample),
      };
    }
  }

  publish(data: string): void {
    if (this.closed) return;
    const body = publishBody(data, this.tracker.serverClockUs(monotonicUs()));
    if (!this.busy) this.send(body);
    else if (this.queue.length < MAX_QUEUED) this.queue.push(body);
    else this.tracker.onError('publish_backlog');
  }

  close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    return this.connection.drop('closed_by_client');
  }

  onResponseHead(statusCode: number, headers: readonly string[], headBytes: number): void {
    this.statusCode = statusCode;
    this.responseHeadBytes = headBytes;
    this.responseHeaders = headers;
  }

  onResponseBody(): void {
    // The answer is {"seq":N}; only its size matters here.
  }

  onResponseEnd(bodyWireBytes: number, receivedUs: number): void {
    const body = this.preflighting;
    if (body !== undefined) {
      this.preflighting = undefined;
      const refused = this.preflight?.preflighter.answered(this.statusCode, this.responseHeaders, this.responseHeadBytes + bodyWireBytes, receivedUs);
      if (refused === undefined) {
        if (!this.closed) this.post(body);
        return;
      }
      this.tracker.onError(refused);
      this.next();
      return;
    }
    const crossOrigin = this.site.crossOrigin;
    if (this.statusCode !== 200) this.tracker.onError(`http_${this.statusCode}`);
    else if (crossOrigin !== undefined && !corsGranted(this.responseHeaders, crossOrigin)) this.tracker.onError('cors_blocked');
    else this.sample.publishDownBytes = this.responseHeadBytes + bodyWireBytes;
    this.next();
  }

  onConnectionClose(kind: ClientErrorKind, inFlight: boolean): void {
    this.preflighting = undefined;
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
    const preflight = this.preflight;
    const nowUs = monotonicUs();
    if (preflight !== undefined && preflight.preflighter.needed('publish', nowUs)) {
      this.preflighting = body;
      this.connection.send([preflight.request]);
      preflight.preflighter.sent('publish', Buffer.byteLength(preflight.request), nowUs);
      return;
    }
    this.post(body);
  }

  private post(body: string): void {
    const bodyBytes = Buffer.byteLength(body);
    const head = `${this.head}${bodyBytes}\r\n\r\n`;
    this.connection.send([head, body]);
    this.sample.publishUpBytes = head.length + bodyBytes;
    this.tracker.onPublished(bodyBytes, monotonicUs());
  }
}
