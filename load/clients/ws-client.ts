/**
 * WebSocket (RFC 6455) with the `ws` library: `GET /ws?since=<cursor>` upgrade, one text frame
 * per message (or `{"gap":…}`), pings answered with pongs (ws does it), publishes as text frames
 * on the same socket. permessage-deflate is offered only when the run's compression is not off
 * (contract.ts `perMessageDeflate`, the parameters the server takes too).
 *
 * Bytes: the TCP socket is created here (ws's `createConnection` option) so it is counted from
 * the first handshake byte, and a 'data' listener added before Node's HTTP client and ws attach
 * theirs sees every chunk first: it timestamps the chunk (the messages in it are received "now")
 * and measures the 101 answer's head exactly (up to CRLF CRLF; frames may follow in the same read).
 *
 * After a drop the client reconnects with `since=<highest seq seen>&epoch=<epoch>` after a
 * jittered, doubling backoff (ClientOptions.reconnect).
 */
import type net from 'node:net';
import { WebSocket, type RawData } from 'ws';
import type { IncomingMessage } from 'node:http';
import type { ClientRequest } from 'node:http';
import { EPOCH_HEADER, ROUTES, monotonicUs, perMessageDeflate } from '../../servers/contract.js';
import { ClientBase } from './client-lifecycle.js';
import { LIMIT_ERROR } from './client-limits.js';
import { backoffMs } from './reconnect-backoff.js';
import { errorKind, type ClientErrorKind } from './client-errors.js';
import { headersForRequest } from './header-profiles.js';
import { endpoint, routePath } from './http-connection.js';
import { publishBody } from './http-publisher.js';
import { connectClient } from './tcp-connect.js';
import type { ClientOptions } from './client-contract.js';

/** A handshake slower than this fails (`timeout`). */
export const WS_HANDSHAKE_TIMEOUT_MS = 30_000;
/** stop(): how long the closing handshake may take before the socket is cut. */
const CLOSE_GRACE_MS = 1000;

/** Frame header size for a payload (RFC 6455 §5.2): 2 bytes, +2 / +8 for 16- / 64-bit lengths, +4 masking key from clients. */
export function frameHeaderBytes(payloadBytes: number, masked: boolean): number {
  const base = payloadBytes <= 125 ? 2 : payloadBytes <= 0xffff ? 4 : 10;
  return masked ? base + 4 : base;
}

/** Finds the end of an HTTP head (CRLF CRLF) across chunks. */
class HeadScanner {
  private matched = 0;
  bytes = 0;
  done = false;

  /** Feeds a chunk; returns true once the head is complete. */
  feed(chunk: Buffer): boolean {
    for (let i = 0; i < chunk.length && !this.done; i++) {
      const byte = chunk[i];
      this.bytes++;
      const want = this.matched % 2 === 0 ? 0x0d : 0x0a;
      if (byte === want) this.matched++;
      else this.matched = byte === 0x0d ? 1 : 0;
      if (this.matched === 4) this.done = true;
    }
    return this.done;
  }
}

export class WsClient extends ClientBase {
  readonly transport = 'ws' as const;
  private readonly host: string;
  private readonly port: number;
  private readonly headers: Record<string, string>;
  private ws: WebSocket | undefined;
  private socket: net.Socket | undefined;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private chunkUs = 0;
  /** Why the current connection failed, when known before ws's 'close' (errno, http_<status>). */
  private failure: ClientErrorKind | undefined;
  private readonly onReconnect = (): void => {
    this.timer = undefined;
    this.connect();
  };

  constructor(options: ClientOptions) {
    super(options);
    ({ host: this.host, port: this.port } = endpoint(options.baseUrl));
    // Host first, as a browser writes it (Node would append it last); ws appends its handshake headers.
    this.headers = { Host: options.baseUrl.host };
    for (const [name, value] of headersForRequest('ws', options.headers, options)) this.headers[name] = value;
  }

  publish(data: string): void {
    const ws = this.ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) {
      this.tracker.onError('publish_not_connected');
      return;
    }
    const body = publishBody(data, this.tracker.serverClockUs(monotonicUs()));
    const bodyBytes = Buffer.byteLength(body);
    ws.send(body);
    this.sample.publishUpBytes = frameHeaderBytes(bodyBytes, true) + bodyBytes;
    this.tracker.onPublished(bodyBytes, monotonicUs());
  }

  protected begin(): void {
    this.connect();
  }

  /** A clean close (close frame, RFC 6455 §7) when open, cut after a grace; a handshake in progress is cut. */
  protected async shutdown(): Promise<void> {
    clearTimeout(this.timer);
    const ws = this.ws;
    if (ws === undefined) return;
    if (ws.readyState !== WebSocket.OPEN) {
      ws.terminate();
      return;
    }
    ws.close(1000);
    const cut = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
    await this.meter.allClosed();
    clearTimeout(cut);
  }

  /** Resets the TCP connection (RST) as a network failure would. */
  dropConnection(): void {
    const socket = this.socket;
    if (socket === undefined || socket.destroyed) return;
    if (socket.connecting) socket.destroy();
    else socket.resetAndDestroy();
  }

  private connect(): void {
    if (this.stopped) return;
    this.failure = undefined;
    const epoch = this.epoch === undefined ? '' : `&epoch=${this.epoch}`;
    const url = new URL(`${routePath(this.options.baseUrl, ROUTES.ws)}?since=${this.cursor}${epoch}`, this.options.baseUrl);
    const head = new HeadScanner();
    const ws = new WebSocket(url, {
      perMessageDeflate: perMessageDeflate(this.options.compression ?? 'off'),
      // ws accepts 100 MiB messages by default; a frame beyond any message of this run closes
      // the connection (1009) as a named error — a compressed one as soon as its inflated size
      // passes the cap (a decompression bomb from a target costs no more than this).
      maxPayload: this.limits.messageBytes,
      headers: this.headers,
      handshakeTimeout: WS_HANDSHAKE_TIMEOUT_MS,
      createConnection: (() => {
        // WebSocket stays HTTP/1.1 (RFC 8441 is not in ws): a browser offers only http/1.1 for it.
        const { tcp, stream: socket } = connectClient(this.host, this.port, this.meter, this.options.tls, ['http/1.1'], this.options.localAddress);
        this.socket = tcp;
        socket.on('data', (chunk: Buffer) => {
          this.chunkUs = monotonicUs();
          if (!head.done && head.feed(chunk)) this.sample.responseHeadBytes = head.bytes;
        });
        return socket;
      }) as unknown as typeof net.createConnection,
    });
    this.ws = ws;
    this.tracker.onRequest(monotonicUs());
    ws.on('upgrade', (response: IncomingMessage) => {
      // Nothing but the handshake request has been written on this socket yet.
      this.sample.requestBytes = response.socket.bytesWritten;
      const stated = response.headers[EPOCH_HEADER.toLowerCase()];
      this.epochStated(typeof stated === 'string' ? stated : undefined);
    });
    // Handled (so ws does not turn it into a generic error): keep the status, then abort the handshake.
    ws.on('unexpected-response', (_request: ClientRequest, response: IncomingMessage) => {
      this.failure ??= `http_${response.statusCode ?? 0}`;
      ws.terminate();
    });
    ws.on('open', () => {
      if (ws !== this.ws) return;
      this.failures = 0;
      this.connected(this.chunkUs);
    });
    ws.on('message', (data: RawData, isBinary: boolean) => this.onFrame(data as Buffer, isBinary));
    ws.on('ping', (data: Buffer) => {
      this.sample.heartbeatBytes = frameHeaderBytes(data.length, false) + data.length;
    });
    ws.on('error', (error: Error) => {
      const code = (error as { code?: unknown }).code;
      this.failure ??= code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? LIMIT_ERROR.wsFrame : error.name === 'TimeoutError' || /timed out/.test(error.message) ? 'timeout' : errorKind(error, 'ws_error');
      // A protocol error from the server (a masked frame, a bad opcode, …): ws sends its close
      // frame and would wait up to 30 s in CLOSING for the peer's. A server that broke the
      // protocol is not owed that wait: cut now, so the error counts at once and the client
      // reconnects as after any failure.
      if (typeof code === 'string' && code.startsWith('WS_ERR_') && ws.readyState !== WebSocket.CLOSED) ws.terminate();
    });
    ws.on('close', (code: number) => {
      if (ws === this.ws) this.onClose(code);
    });
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    // Frames that arrive during the close handshake after stop() are on the wire and in the socket
    // counters: they are read, so their texts count as payload rather than overhead (on a loaded
    // machine ~5 per client did, +1.2 % bytes per message at 10 clients).
    const receivedUs = this.chunkUs;
    this.framing.add(frameHeaderBytes(data.length, false), 1);
    if (isBinary) {
      this.tracker.onError('parse_error');
      return;
    }
    this.decodeJson(data.toString('utf8'), data.length, receivedUs);
  }

  private onClose(code: number): void {
    this.ws = undefined;
    this.socket = undefined;
    if (this.stopped) return;
    const kind: ClientErrorKind = this.failure ?? `ws_close_${code}`;
    if (this.failStart(kind)) return;
    this.failed(kind);
    this.failures++;
    this.timer = setTimeout(this.onReconnect, backoffMs(this.failures, this.reconnect));
  }
}

export const createWsClient = (options: ClientOptions): WsClient => new WsClient(options);
