/**
 * One raw HTTP/1.1 keep-alive connection, the way one browser tab holds one: requests written as
 * exact bytes on a net.Socket, responses parsed with http-parser-js.
 *
 * Why not Node's http client: it adds headers of its own (Connection, and Host in its own
 * position) and hides the socket behind an agent, while wirebench must send *exactly* the header
 * profile's bytes and count bytes at each client's own socket. Why http-parser-js and not
 * hand-written parsing: it is the parser autocannon uses, a port of Node's http-parser that
 * handles status lines, headers and chunked transfer coding (RFC 9112 §7.1) for us.
 *
 * Cheap per request, since a worker drives thousands of these: one parser per connection reused
 * across responses, request bytes pre-built per client (only the cursor changes), socket
 * listeners created per socket (not per message), one request in flight at a time.
 */
import type net from 'node:net';
import { HTTPParser } from 'http-parser-js';
import { monotonicUs } from '../../servers/contract.js';
import { errorKind, type ClientErrorKind } from './client-errors.js';
import type { SocketMeter } from '../meter/socket-meter.js';
import { closedPromise, connectClient, resetConnection, type ClientTls } from './tcp-connect.js';

/** What a connection's owner hears; implemented by the clients (no closures per response). */
/** The heads of one request/response exchange, as its connection saw them on the wire. */
export interface ExchangeHeads {
  /** The request as sent: HTTP/1.1 its bytes (a body-less request's head); HTTP/2 its HEADERS frames. */
  requestHeadBytes: number;
  /** It was the first request on its connection (HTTP/2: before HPACK's dynamic table held its fields). */
  firstOnConnection: boolean;
}

export interface HttpResponseHandler {
  /**
   * Status line and headers arrived; `headBytes` is their size on the wire (HTTP/1.1: CRLF CRLF
   * included; HTTP/2: the HEADERS frames, frame headers included); `exchange`: the request's side.
   */
  onResponseHead(statusCode: number, headers: readonly string[], headBytes: number, receivedUs: number, exchange: ExchangeHeads): void;
  /**
   * A piece of the decoded body. `framingBytes`: wire bytes between the previous piece (or the
   * head) and this one — chunk-size lines and CRLFs of the chunked coding.
   */
  onResponseBody(body: Buffer, framingBytes: number, receivedUs: number): void;
  /** The answer is complete; `bodyWireBytes` is its body on the wire, chunk framing included. */
  onResponseEnd(bodyWireBytes: number, receivedUs: number): void;
  /**
   * The socket closed. `errorKind`: the errno code (ECONNRESET, ECONNREFUSED, …), `timeout`,
   * `parse_error`, the kind given to {@link HttpConnection.drop}, or `closed_by_server` for a
   * clean close by the server; `inFlight`: an answer was still owed.
   */
  onConnectionClose(errorKind: ClientErrorKind, inFlight: boolean): void;
}

/** http-parser-js keeps its read position in the chunk being executed as a plain field. */
interface ParserInternals {
  offset: number;
}

/** The response parts of http-parser-js's headers-complete info we read. */
interface HeadInfo {
  statusCode: number;
  headers: string[];
}

/** What a client holds to send requests and hear answers, whatever the protocol (http-channel.ts). */
export interface HttpChannel {
  /** A connection is open or connecting. */
  readonly isOpen: boolean;
  readonly requestsInFlight: number;
  /** Sends one request, given as its HTTP/1.1 bytes (in parts); opens the connection first if needed. */
  send(parts: ReadonlyArray<Buffer | string>): void;
  /** Closes the connection (a TCP RST with `reset`); the handler hears `kind`. Resolves when closed. */
  drop(kind: ClientErrorKind, reset?: boolean): Promise<void>;
}

export class HttpConnection implements HttpChannel {
  /** Where requests go and answers come from: the TLS socket over TLS, else the TCP socket. */
  private socket: net.Socket | undefined;
  /** The TCP socket under it (the same one in cleartext): a reset goes there. */
  private tcp: net.Socket | undefined;
  private readonly parser = new HTTPParser(HTTPParser.RESPONSE);
  /** Absolute byte positions on the current socket (bytes fed to the parser so far). */
  private fedBytes = 0;
  private chunkStart = 0;
  private messageStart = 0;
  private headEnd = 0;
  private bodyEnd = 0;
  private executing = false;
  private receivedUs = 0;
  private inFlight = 0;
  /** Bytes of each request awaiting its answer, in order, and how many went on this socket. */
  private readonly requestBytes: number[] = [];
  private sentOnSocket = 0;
  private closeKind: ClientErrorKind | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly meter: SocketMeter,
    private readonly handler: HttpResponseHandler,
    /** Socket idle timeout (no bytes either way), ms; 0 = none. */
    private readonly idleTimeoutMs: number,
    /** HTTPS: how to speak TLS; undefined = cleartext. */
    private readonly secure: ClientTls | undefined = undefined,
    /** The local address to connect from (`--source-addresses`); undefined: the system's choice. */
    private readonly localAddress?: string,
  ) {
    this.bindParser();
  }

  /** A socket is open or connecting. */
  get isOpen(): boolean {
    return this.socket !== undefined;
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  /**
   * Writes one request (its parts in order, in one writev via cork) and expects one answer.
   * Opens the socket first if there is none: net.Socket queues writes until connected.
   */
  send(parts: ReadonlyArray<Buffer | string>): void {
    const current = this.socket;
    const socket = current === undefined || current.destroyed ? this.open() : current;
    socket.cork();
    let bytes = 0;
    for (const part of parts) {
      if (typeof part === 'string') socket.write(part, 'utf8');
      else socket.write(part);
      bytes += typeof part === 'string' ? Buffer.byteLength(part, 'utf8') : part.length;
    }
    socket.uncork();
    this.requestBytes.push(bytes);
    this.inFlight++;
  }

  /**
   * Closes the socket now (it may be mid-answer); the handler hears `kind`. With `reset`, a TCP
   * RST instead of a FIN (a connection dropped by the network). Resolves when closed.
   */
  drop(kind: ClientErrorKind, reset = false): Promise<void> {
    const socket = this.socket;
    const tcp = this.tcp;
    if (socket === undefined || tcp === undefined) return Promise.resolve();
    if (!socket.destroyed) this.closeKind ??= kind;
    const closed = closedPromise(socket);
    if (!resetConnection(tcp, reset)) socket.destroy();
    return closed;
  }

  private open(): net.Socket {
    const { tcp, stream: socket } = connectClient(this.host, this.port, this.meter, this.secure, ['http/1.1'], this.localAddress);
    this.socket = socket;
    this.tcp = tcp;
    if (this.idleTimeoutMs > 0) socket.setTimeout(this.idleTimeoutMs);
    this.fedBytes = 0;
    this.chunkStart = 0;
    this.messageStart = 0;
    this.headEnd = 0;
    this.bodyEnd = 0;
    this.inFlight = 0;
    this.requestBytes.length = 0;
    this.sentOnSocket = 0;
    this.closeKind = undefined;
    this.parser.initialize(HTTPParser.RESPONSE);
    socket.on('data', (chunk: Buffer) => {
      if (socket === this.socket) this.onData(chunk);
    });
    socket.on('error', (error: Error) => {
      if (socket === this.socket) this.closeKind ??= errorKind(error, 'socket_error');
    });
    socket.on('timeout', () => {
      if (socket !== this.socket) return;
      this.closeKind ??= 'timeout';
      socket.destroy();
    });
    socket.on('close', () => {
      if (socket === this.socket) this.onClose();
    });
    return socket;
  }

  private onData(chunk: Buffer): void {
    this.receivedUs = monotonicUs();
    this.chunkStart = this.fedBytes;
    this.fedBytes += chunk.length;
    this.executing = true;
    let result: number | Error;
    try {
      result = this.parser.execute(chunk);
    } catch (error) {
      // A handler threw inside a parser callback; the connection's state is unknown now.
      result = error instanceof Error ? error : new Error(String(error));
    }
    this.executing = false;
    if (result instanceof Error && this.socket !== undefined) {
      this.closeKind ??= 'parse_error';
      this.socket.destroy();
    }
  }

  private onClose(): void {
    const owed = this.inFlight > 0;
    const kind = this.closeKind ?? 'closed_by_server';
    this.socket = undefined;
    this.inFlight = 0;
    this.parser.initialize(HTTPParser.RESPONSE);
    this.handler.onConnectionClose(kind, owed);
  }

  /** Absolute position of the parser in the current socket's byte stream. */
  private position(): number {
    return this.executing ? this.chunkStart + (this.parser as unknown as ParserInternals).offset : this.fedBytes;
  }

  private bindParser(): void {
    const parser = this.parser;
    // A dropped connection's socket is destroyed at once but closes later: what the parser still
    // finds in the chunk being executed belongs to an answer its owner gave up on.
    parser[HTTPParser.kOnHeadersComplete] = ((info: HeadInfo) => {
      if (this.socket === undefined || this.socket.destroyed) return;
      // Called right after the blank line that ends the head was consumed.
      this.headEnd = this.position();
      this.bodyEnd = this.headEnd;
      const exchange = { requestHeadBytes: this.requestBytes.shift() ?? 0, firstOnConnection: this.sentOnSocket++ === 0 };
      this.handler.onResponseHead(info.statusCode, info.headers, this.headEnd - this.messageStart, this.receivedUs, exchange);
    }) as never;
    parser[HTTPParser.kOnBody] = (body: Buffer) => {
      if (this.socket === undefined || this.socket.destroyed) return;
      // Called before the parser advances past this piece: position() is where it starts.
      const start = this.position();
      const framing = start - this.bodyEnd;
      this.bodyEnd = start + body.length;
      this.handler.onResponseBody(body, framing, this.receivedUs);
    };
    parser[HTTPParser.kOnMessageComplete] = () => {
      if (this.socket === undefined || this.socket.destroyed) return;
      const end = this.position();
      this.messageStart = end;
      if (this.inFlight > 0) this.inFlight--;
      this.handler.onResponseEnd(end - this.headEnd, this.receivedUs);
    };
  }
}

/**
 * `GET <path>?since=<cursor>` (or another method: a preflight's OPTIONS) with fixed headers, pre-built: only the cursor digits change per
 * request, so each request is three writes (prefix, digits, suffix) gathered into one writev.
 */
export class CursorRequest {
  private readonly prefix: Buffer;
  private readonly suffix: Buffer;

  constructor(path: string, host: string, headers: ReadonlyArray<readonly [string, string]>, method = 'GET') {
    this.prefix = Buffer.from(`${method} ${path}?since=`, 'latin1');
    this.suffix = Buffer.from(` HTTP/1.1\r\n${headerLines(host, headers)}\r\n`, 'latin1');
  }

  /**
   * Sends the request for `cursor`, naming `epoch` when given (`&epoch=<id>`); returns its size
   * in bytes.
   */
  send(connection: HttpChannel, cursor: number, epoch?: string): number {
    const digits = epoch === undefined ? String(cursor) : `${cursor}&epoch=${epoch}`;
    connection.send([this.prefix, digits, this.suffix]);
    return this.prefix.length + Buffer.byteLength(digits) + this.suffix.length;
  }

  /** The request's bytes, for tests and the header-profile sizes. */
  bytes(cursor: number): Buffer {
    return Buffer.concat([this.prefix, Buffer.from(String(cursor), 'latin1'), this.suffix]);
  }
}

/** A header's value from http-parser-js's flat [name, value, …] list (case-insensitive), or undefined. */
export function headerValue(headers: readonly string[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (let i = 0; i + 1 < headers.length; i += 2) if ((headers[i] as string).toLowerCase() === lower) return headers[i + 1];
  return undefined;
}

/** `Host: …` then the headers, each `Name: value\r\n` (RFC 9112 §5). */
export function headerLines(host: string, headers: ReadonlyArray<readonly [string, string]>): string {
  let text = `Host: ${host}\r\n`;
  for (const [name, value] of headers) text += `${name}: ${value}\r\n`;
  return text;
}

/** A route under the base URL's path (a base URL may carry a prefix, e.g. behind a proxy). */
export function routePath(baseUrl: URL, route: string): string {
  return baseUrl.pathname.replace(/\/+$/, '') + route;
}

/** Host and port to connect to (the URL's default port when it names none). */
export function endpoint(baseUrl: URL): { host: string; port: number } {
  const host = baseUrl.hostname.startsWith('[') ? baseUrl.hostname.slice(1, -1) : baseUrl.hostname;
  const port = baseUrl.port === '' ? (baseUrl.protocol === 'https:' ? 443 : 80) : Number(baseUrl.port);
  return { host, port };
}
