/**
 * What every instrumented client implements. One simulated client = one TCP connection (plus
 * a second one for HTTP publishing in the chat workload), like one browser tab — or, over
 * HTTP/2 with `--h2-clients-per-connection`, streams on a connection its group shares. A fifth
 * transport is one more file implementing this and one entry in load/clients/clients-by-transport.ts.
 */
import type { Compression, TransportName } from '../../servers/contract.js';
import type { ClientLimits } from './client-limits.js';
import type { ReconnectPolicy } from './reconnect-backoff.js';
import type { ClientTracker } from '../meter/delivery-tracker.js';
import type { CrossOrigin } from './header-profiles.js';
import type { ClientTls } from './tcp-connect.js';
import type { H2FrameCounts } from './h2-frames.js';
import type { H2Session } from './h2-session.js';
import type { WireSample } from '../results/results-schema.js';

export interface ClientOptions {
  /** Server base URL, e.g. http://127.0.0.1:8080 (loopback in tests and benchmarks). */
  baseUrl: URL;
  /** Start from messages after this seq (the step's cursor, read from /healthz). */
  since: number;
  /** The epoch `since` belongs to (from /healthz); absent for a server that states none. */
  epoch?: string;
  /** Reconnect / retry delays. Default {@link DEFAULT_RECONNECT} (reconnect-backoff.ts). */
  reconnect?: ReconnectPolicy;
  /**
   * Extra request headers of the header profile (name, value), sent in this order after the
   * request line and Host, on every request the client makes (polls, connects, publishes).
   */
  headers: ReadonlyArray<readonly [string, string]>;
  /** Short-poll interval (ms); ignored by the other transports. */
  intervalMs: number;
  /**
   * How long the server holds a long-poll before its empty answer (`--hold`), ms; the long-poll
   * client's idle timeout follows it (http-polling-base.ts `pollIdleTimeoutMs`).
   */
  holdMs: number;
  /**
   * Where in the poll interval this client's schedule sits, 0..1 (short polling only). A real
   * population polls at every phase (people opened the page at different times); clients all
   * started within milliseconds would otherwise poll in lockstep, and their latency would be
   * an artefact of one phase against the feed's ticks. Default 0 (poll one interval after connect).
   */
  phase?: number;
  /** Where the client reports deliveries, responses and errors. */
  tracker: ClientTracker;
  /** Caps on what the client holds of one answer (client-limits.ts). Default: DEFAULT_CLIENT_LIMITS. */
  limits?: ClientLimits;
  /**
   * The page is on another origin: Origin on every request, answers read only when CORS grants
   * them, a preflight (cached as Chromium caches it, load/clients/cors-preflight.ts) before each
   * non-simple request. Absent: same-origin.
   */
  crossOrigin?: CrossOrigin;
  /** An Authorization value on every fetch (poll, long-poll, publish), which makes it non-simple. Absent: none. */
  authorization?: string;
  /** HTTPS / WSS (the base URL is https:): how to speak TLS. Absent: cleartext. */
  tls?: ClientTls;
  /** The local address every socket of this client connects from (`--source-addresses`). Absent: the system's choice. */
  localAddress?: string;
  /**
   * HTTP/2 for poll, long-poll, SSE and publish (over TLS: ALPN h2; cleartext: h2c prior
   * knowledge). WebSocket stays HTTP/1.1 (RFC 8441 is not in ws). Absent: HTTP/1.1.
   */
  http2?: boolean;
  /**
   * HTTP/2: the connection this client shares with the other clients of its group
   * (`--h2-clients-per-connection`, h2-session.ts) for its streams and publishes; it counts its
   * socket on its own meter, not the client's (so wire() leaves it out: the load worker adds it
   * once). Absent: the client's own connection, as a browser tab's.
   */
  h2Session?: H2Session;
  /**
   * The run's compression (servers/contract.ts COMPRESSIONS): not `off`, the HTTP clients accept
   * compressed answers (`Accept-Encoding: gzip, br` when the header profile sends none) and the
   * WebSocket client offers permessage-deflate (with both no_context_takeover parameters for
   * `no-context-takeover`). Compressed answers are decoded whatever the setting, as a browser
   * decodes them. Absent: off.
   */
  compression?: Compression;
}

/** Bytes at the client's TCP sockets, cumulative over every socket it ever opened. */
export interface WireCounters {
  readBytes: number;
  writtenBytes: number;
  /** HTTP/2 clients: the plaintext beneath TLS by frame kind (h2-frame-tap.ts), cumulative too. */
  h2FrameBytes?: H2FrameCounts;
}

export interface TransportClient {
  readonly transport: TransportName;
  /**
   * Connects and starts receiving. Resolves when the first byte of the stream / the first
   * answer arrived (after calling tracker.onConnected); rejects with an Error whose `code`
   * names the failure (ECONNREFUSED, EMFILE, EADDRNOTAVAIL, http_404, …) if it cannot connect.
   * After start() resolved, runtime failures go to tracker.onError and the client keeps
   * trying (re-poll / reconnect with resume), never throwing.
   */
  start(): Promise<void>;
  /** Publishes one upstream message (`{"data":…,"sent":…}`): WS frame on its socket, else POST /publish. */
  publish(data: string): void;
  /** Stops issuing requests and closes its sockets; resolves when they are closed. */
  stop(): Promise<void>;
  /**
   * Resets the connection now (TCP RST), as a NAT or load balancer dropping it would: the client
   * notices it as a network failure and recovers as it would from one (the `drop` fault).
   */
  dropConnection(): void;
  /** Current cumulative byte counters (read at window start and end by the worker). */
  wire(): WireCounters;
  /** Local ports of every socket this client connected (its connections in a packet capture). */
  localPorts(): readonly number[];
  /** Sizes seen on this client's wire so far, for the bytes model (fields 0 until seen). */
  wireSample(): WireSample;
}

export type ClientFactory = (options: ClientOptions) => TransportClient;
