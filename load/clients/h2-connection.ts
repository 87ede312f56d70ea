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
 * One request in flight at a time, like HttpConnection (a page awaiting each fetch). drop()
 * closes the whole connection, as it does on HTTP/1.1.
 */
import http2 from 'node:http2';
import type net from 'node:net';
import { monotonicUs } from '../../servers/contract.js';
import { errorKind, type ClientErrorKind } from './client-errors.js';
import type { HttpChannel, HttpResponseHandler } from './http-connection.js';
import type { SocketMeter } from '../meter/socket-meter.js';
import { closedPromise, connectClient, resetConnection, type ClientTls } from './tcp-connect.js';
import { H2ConnectionTally, countingPassThrough } from './h2-frame-tap.js';

/** HTTP/1.1 fields that have no meaning in HTTP/2 and must not be sent (RFC 9113 §8.2.2). */
const CONNECTION_FIELDS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

/** The order Chromium sends the request pseudo-header fields in over HTTP/2. */
export const CHROMIUM_PSEUDO_ORDER = [':method', ':authority', ':scheme', ':path'] as const;

/** Closing: how long the peer gets to see our GOAWAY before the socket is cut. */
const CLOSE_GRACE_MS = 1000;

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
export interface H2Target {
  host: string;
  port: number;
  meter: SocketMeter;
  handler: HttpResponseHandler;
  /** Idle timeout of the connection (no frame either way), ms; 0 = none. */
  idleTimeoutMs: number;
  /** h2 over TLS; undefined = h2c (cleartext, prior knowledge). */
  secure: ClientTls | undefined;
  /** The local address to connect from (`--source-addresses`); undefined: the system's choice. */
  localAddress?: string | undefined;
}

export class H2Connection implements HttpChannel {
  private session: http2.ClientHttp2Session | undefined;
  private tcp: net.Socket | undefined;
  private stream: http2.ClientHttp2Stream | undefined;
  /** The open session's frame counts (h2-frame-tap.ts) and how many streams it has opened. */
  private tally: H2ConnectionTally | undefined;
  private streamsOpened = 0;
  private closeKind: ClientErrorKind | undefined;
  private readonly scheme: 'http' | 'https';
  private readonly host: string;
  private readonly port: number;
  private readonly meter: SocketMeter;
  private readonly handler: HttpResponseHandler;
  private readonly idleTimeoutMs: number;
  private readonly secure: ClientTls | undefined;
  private readonly localAddress: string | undefined;

  constructor(target: H2Target) {
    ({ host: this.host, port: this.port, meter: this.meter, handler: this.handler, idleTimeoutMs: this.idleTimeoutMs, secure: this.secure, localAddress: this.localAddress } = target);
    this.scheme = target.secure === undefined ? 'http' : 'https';
  }

  get isOpen(): boolean {
    return this.session !== undefined;
  }

  get requestsInFlight(): number {
    return this.stream === undefined ? 0 : 1;
  }

  send(parts: ReadonlyArray<Buffer | string>): void {
    const current = this.session;
    const session = current === undefined || current.destroyed ? this.open() : current;
    const { headers, body } = toH2Request(parts, this.scheme);
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: body.length === 0 });
    } catch (error) {
      // The session is going away (GOAWAY received, destroyed): this request fails as on a closed socket.
      this.closeKind ??= errorKind(error as Error, 'h2_error');
      session.destroy();
      return;
    }
    if (body.length > 0) stream.end(body);
    this.stream = stream;
    const tally = this.tally;
    const firstOnConnection = this.streamsOpened++ === 0;
    let bodyBytes = 0;
    // node:http2 emits 'response' on the next tick, and DATA that came in the same read as the
    // HEADERS reaches 'data' before it: such pieces wait for the head, so the handler hears the
    // answer in order (an SSE stream's first event came before its head, and was dropped).
    let early: Buffer[] | undefined = [];
    stream.on('response', (responseHeaders: http2.IncomingHttpHeaders) => {
      if (stream !== this.stream) return;
      // The HEADERS frames passed the tap before node:http2 decoded them, so their sizes are known here.
      const heads = stream.id === undefined || tally === undefined ? { up: 0, down: 0 } : tally.headBytes(stream.id);
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
      if (stream !== this.stream) return;
      this.stream = undefined;
      this.handler.onResponseEnd(bodyBytes, monotonicUs());
    });
    stream.on('error', (error: Error) => {
      if (stream === this.stream) this.closeKind ??= streamErrorKind(error);
    });
    stream.on('close', () => {
      if (stream.id !== undefined) tally?.forget(stream.id);
      if (stream !== this.stream) return;
      // Closed before its end: reset by the server (RST_STREAM), or the connection went away.
      this.stream = undefined;
      const kind: ClientErrorKind = this.closeKind ?? (stream.rstCode !== undefined && stream.rstCode !== 0 ? `h2_rst_${stream.rstCode}` : 'closed_by_server');
      this.handler.onConnectionClose(kind, true);
    });
  }

  drop(kind: ClientErrorKind, reset = false): Promise<void> {
    const session = this.session;
    const tcp = this.tcp;
    if (session === undefined || tcp === undefined) return Promise.resolve();
    if (!session.destroyed) this.closeKind ??= kind;
    const closed = closedPromise(tcp);
    if (resetConnection(tcp, reset)) return closed;
    if (session.destroyed || tcp.connecting) tcp.destroy();
    else {
      // A browser closing the tab: the open stream cancelled, GOAWAY, then the socket ends.
      this.stream?.close(http2.constants.NGHTTP2_CANCEL);
      session.close();
      const cut = setTimeout(() => session.destroy(), CLOSE_GRACE_MS);
      void closed.then(() => clearTimeout(cut));
    }
    return closed;
  }

  private open(): http2.ClientHttp2Session {
    const { tcp, stream: socket } = connectClient(this.host, this.port, this.meter, this.secure, ['h2', 'http/1.1'], this.localAddress);
    this.tcp = tcp;
    this.closeKind = undefined;
    this.streamsOpened = 0;
    const tally = new H2ConnectionTally(this.meter.h2Frames(), (preface) => this.meter.h2Preface(preface));
    this.tally = tally;
    const authority = `${this.scheme}://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
    const session = http2.connect(authority, { createConnection: () => countingPassThrough(socket, tally) });
    this.session = session;
    if (this.idleTimeoutMs > 0) {
      session.setTimeout(this.idleTimeoutMs, () => {
        if (session !== this.session) return;
        this.closeKind ??= 'timeout';
        session.destroy();
      });
    }
    session.on('error', (error: Error) => {
      if (session === this.session) this.closeKind ??= errorKind(error, 'h2_error');
    });
    // The session reads through the tap, so the socket's own error (ECONNREFUSED, ECONNRESET) is heard here.
    socket.on('error', (error: Error) => {
      if (session === this.session) this.closeKind ??= errorKind(error, 'socket_error');
    });
    session.on('goaway', () => {
      if (session === this.session) this.closeKind ??= 'h2_goaway';
    });
    // The TCP socket is what the meter waits on: the session is over when it is closed.
    tcp.once('close', () => {
      if (session !== this.session) return;
      const kind = this.closeKind ?? 'closed_by_server';
      this.session = undefined;
      this.tcp = undefined;
      const owed = this.stream !== undefined;
      this.stream = undefined;
      if (!session.destroyed) session.destroy();
      this.handler.onConnectionClose(kind, owed);
    });
    return session;
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
