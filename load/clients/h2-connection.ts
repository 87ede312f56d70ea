/**
 * One HTTP/2 connection (node:http2), as a browser tab holds one to an origin: over TLS with ALPN
 * (`h2, http/1.1` offered, as Chromium offers them; `h2` must be chosen), or cleartext h2c with
 * prior knowledge. It has the surface of HttpConnection, so the polling, SSE and publish clients
 * drive either with the same code: they hand it the HTTP/1.1 request they would send, and it
 * sends the same request as HTTP/2 — request line → `:method`, `:path`, `:scheme`, Host →
 * `:authority`, every other field lower-cased in the same order (HPACK then compresses them),
 * connection-specific fields dropped (RFC 9113 §8.2.2).
 *
 * Why node:http2 and not hand-written framing: it is Node's binding of nghttp2, the HTTP/2
 * implementation curl and Apache use — framing, HPACK, flow control and SETTINGS are its job.
 * Bytes are counted beneath it, at the TCP socket (load/tcp-connect.ts), like HTTP/1.1's; the
 * plaintext between the two is counted by frame kind on its way (h2-frame-tap.ts).
 *
 * One request in flight at a time per channel, like HttpConnection (a page awaiting each fetch).
 * The connection beneath is an H2Session (h2-session.ts): the channel's own, so drop() closes it
 * as on HTTP/1.1, or one shared with other clients (`--h2-clients-per-connection`), which drop()
 * leaves open for them.
 */
import http2 from 'node:http2';
import { monotonicUs } from '../../servers/contract.js';
import { errorKind, type ClientErrorKind } from './client-errors.js';
import type { HttpChannel, HttpResponseHandler } from './http-connection.js';
import type { SocketMeter } from '../meter/socket-meter.js';
import { H2Session, type H2Endpoint, type H2SessionUser } from './h2-session.js';

/** HTTP/1.1 fields that have no meaning in HTTP/2 and must not be sent (RFC 9113 §8.2.2). */
const CONNECTION_FIELDS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

/** The order Chromium sends the request pseudo-header fields in over HTTP/2. */
export const CHROMIUM_PSEUDO_ORDER = [':method', ':authority', ':scheme', ':path'] as const;

export interface H2Request {
  headers: http2.OutgoingHttpHeaders;
  body: Buffer;
}

/** An HTTP/1.1 request's bytes as the same request over HTTP/2 (see the module comment). */
export function toH2Request(parts: ReadonlyArray<Buffer | string>, scheme: 'http' | 'https'): H2Request {
  const bytes = Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)));
  const headEnd = bytes.indexOf('\r\n\r\n');
  const head = bytes.toString('latin1', 0, headEnd === -1 ? bytes.length : headEnd);
  const body = headEnd === -1 ? Buffer.alloc(0) : bytes.subarray(headEnd + 4);
  const lines = head.split('\r\n');
  const [method = 'GET', path = '/'] = (lines[0] ?? '').split(' ');
  const headers: http2.OutgoingHttpHeaders = { ':method': method, ':scheme': scheme, ':path': path };
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'host') headers[':authority'] = value;
    if (CONNECTION_FIELDS.has(name)) continue;
    headers[name] = value;
  }
  // Pseudo-header fields come first (RFC 9113 §8.3), in Chromium's order (test/browser-h2-headers.test.ts).
  const ordered: http2.OutgoingHttpHeaders = {};
  for (const name of CHROMIUM_PSEUDO_ORDER) if (headers[name] !== undefined) ordered[name] = headers[name];
  for (const [name, value] of Object.entries(headers)) if (!name.startsWith(':')) ordered[name] = value;
  return { headers: ordered, body };
}

/** Where an H2Connection goes and who hears it. */
export interface H2Target extends H2Endpoint {
  /** Counts a private connection's socket (the client's meter); a shared session has its own. */
  meter: SocketMeter;
  handler: HttpResponseHandler;
  /** The connection this channel shares with other clients (`--h2-clients-per-connection`); absent: its own. */
  session?: H2Session | undefined;
}

export class H2Connection implements HttpChannel, H2SessionUser {
  private readonly session: H2Session;
  private stream: http2.ClientHttp2Stream | undefined;
  /** Why this channel's stream ended early, when it knows better than the connection (its drop, a stream error). */
  private streamKind: ClientErrorKind | undefined;
  /**
   * The stream this channel cancelled (drop): node:http2 still ends its readable side, which is no
   * answer — it was heard as an empty body (a long-poll stopped over HTTP/2 counted a parse_error).
   * Its 'close' reports it instead; what it still brings is read, as on HTTP/1.1 until the socket closes.
   */
  private cancelled: http2.ClientHttp2Stream | undefined;
  private readonly scheme: 'http' | 'https';
  private readonly endpoint: H2Endpoint;
  private readonly handler: HttpResponseHandler;

  constructor(target: H2Target) {
    const { meter, handler, session, ...endpoint } = target;
    this.endpoint = endpoint;
    this.handler = handler;
    this.session = session ?? new H2Session(meter);
    this.scheme = target.secure === undefined ? 'http' : 'https';
  }

  /** This channel has sent on the connection now open (a shared one opened by another client does not count). */
  get isOpen(): boolean {
    return this.session.uses(this);
  }

  get requestsInFlight(): number {
    return this.stream === undefined ? 0 : 1;
  }

  send(parts: ReadonlyArray<Buffer | string>): void {
    const { headers, body } = toH2Request(parts, this.scheme);
    this.streamKind = undefined;
    const opened = this.session.request(this, this.endpoint, headers, body.length === 0);
    if (opened === undefined) return;
    const { stream, tally, firstOnConnection } = opened;
    if (body.length > 0) stream.end(body);
    this.stream = stream;
    let bodyBytes = 0;
    // node:http2 emits 'response' on the next tick, and DATA that came in the same read as the
    // HEADERS reaches 'data' before it: such pieces wait for the head, so the handler hears the
    // answer in order (an SSE stream's first event came before its head, and was dropped).
    let early: Buffer[] | undefined = [];
    stream.on('response', (responseHeaders: http2.IncomingHttpHeaders) => {
      if (stream !== this.stream) return;
      // The HEADERS frames passed the tap before node:http2 decoded them, so their sizes are known here.
      const heads = stream.id === undefined ? { up: 0, down: 0 } : tally.headBytes(stream.id);
      const receivedUs = monotonicUs();
      this.handler.onResponseHead(Number(responseHeaders[':status'] ?? 0), flatHeaders(responseHeaders), heads.down, receivedUs, { requestHeadBytes: heads.up, firstOnConnection });
      const pieces = early ?? [];
      early = undefined;
      for (const chunk of pieces) if (stream === this.stream) this.handler.onResponseBody(chunk, 0, receivedUs);
    });
    stream.on('data', (chunk: Buffer) => {
      if (stream !== this.stream) return;
      bodyBytes += chunk.length;
      if (early !== undefined) early.push(chunk);
      else this.handler.onResponseBody(chunk, 0, monotonicUs());
    });
    stream.on('end', () => {
      if (stream !== this.stream || stream === this.cancelled) return;
      this.stream = undefined;
      this.handler.onResponseEnd(bodyBytes, monotonicUs());
    });
    stream.on('error', (error: Error) => {
      if (stream === this.stream) this.streamKind ??= streamErrorKind(error);
    });
    stream.on('close', () => {
      if (stream.id !== undefined) tally.forget(stream.id);
      if (stream !== this.stream) return;
      // Closed before its end: reset by the server (RST_STREAM), dropped, or the connection went away.
      this.stream = undefined;
      const kind: ClientErrorKind = this.streamKind ?? this.session.closeKind ?? (stream.rstCode !== undefined && stream.rstCode !== 0 ? `h2_rst_${stream.rstCode}` : 'closed_by_server');
      this.handler.onConnectionClose(kind, true);
    });
  }

  /**
   * Cancels this channel's stream (RST_STREAM CANCEL) and lets go of the connection, which closes
   * when no other client holds it (h2-session.ts); with `reset` the connection is cut at once.
   */
  drop(kind: ClientErrorKind, reset = false): Promise<void> {
    this.streamKind ??= kind;
    const stream = this.stream;
    if (!reset && stream !== undefined) {
      this.cancelled = stream;
      stream.close(http2.constants.NGHTTP2_CANCEL);
    }
    return this.session.release(this, kind, reset);
  }

  connectionClosed(kind: ClientErrorKind): void {
    const owed = this.stream !== undefined;
    this.stream = undefined;
    this.handler.onConnectionClose(owed ? (this.streamKind ?? kind) : kind, owed);
  }
}

/** `[name, value, …]` as http-parser-js gives HTTP/1.1 heads (pseudo-headers left out). */
function flatHeaders(headers: http2.IncomingHttpHeaders): string[] {
  const flat: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) flat.push(name, item);
    else flat.push(name, String(value));
  }
  return flat;
}

function streamErrorKind(error: Error): ClientErrorKind {
  const code = (error as { code?: unknown }).code;
  return code === 'ERR_HTTP2_STREAM_ERROR' ? 'h2_stream_error' : errorKind(error, 'h2_error');
}
