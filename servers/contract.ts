/**
 * The wire contract: the one place that says what goes over the wire between a wirebench
 * server and its clients. Servers implement it, load/ clients speak it, and a third-party
 * server that wants to be benchmarked with `--target` implements the same routes.
 *
 * This module holds types and a few pure helpers only; it must stay importable by load/
 * without pulling in fastify or ws.
 */
import { randomBytes } from 'node:crypto';

/** The transports, in the order reports draw them. A fifth one is added here. */
export const TRANSPORTS = ['poll', 'longpoll', 'sse', 'ws'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

export function isTransportName(value: string): value is TransportName {
  return (TRANSPORTS as readonly string[]).includes(value);
}

/**
 * Compression of the feed's bytes, one setting for every transport (fairness: the same for all):
 * - `off` (default): nothing is compressed, whatever a client offers (Accept-Encoding,
 *   Sec-WebSocket-Extensions) — the comparison of the transports' own framing;
 * - `on`: WebSocket permessage-deflate with context takeover (RFC 7692), SSE as one gzip stream
 *   flushed after every event, poll and long-poll bodies gzip or br when the request accepts it;
 * - `no-context-takeover`: the same, but every message is compressed on its own: permessage-deflate
 *   with server_ and client_no_context_takeover, the SSE gzip stream's dictionary reset after every
 *   event (a full flush); poll bodies are whole answers either way.
 */
export const COMPRESSIONS = ['off', 'on', 'no-context-takeover'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/**
 * The permessage-deflate parameters both sides give ws (a subset of ws's PerMessageDeflateOptions,
 * written out so that this module's types need no ws typings: a package user's tsc reads them).
 */
export interface PerMessageDeflateParameters {
  threshold: number;
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
}

/**
 * permessage-deflate (RFC 7692) for a compression setting, or false. Threshold 0: every message
 * is compressed — ws's default (1 KiB) would leave every feed message under it (the default
 * payload is 64 bytes) uncompressed and the run would measure no compression at all.
 * `no-context-takeover` asks both sides to compress each message on its own (§7.1.1).
 */
export function perMessageDeflate(compression: Compression): PerMessageDeflateParameters | false {
  if (compression === 'off') return false;
  const alone = compression === 'no-context-takeover';
  return { threshold: 0, serverNoContextTakeover: alone, clientNoContextTakeover: alone };
}

/** `Content-Encoding` values a wirebench server answers with when compression is not off (br preferred). */
export const CONTENT_CODINGS = ['br', 'gzip'] as const;
export type ContentCoding = (typeof CONTENT_CODINGS)[number];

/**
 * What the feed's `data` is (the payload of every feed tick), one generator per kind, all sized
 * near `size` bytes and deterministic (seeded by the message's seq), so two runs send the same bytes:
 * - `repeat` (default): one string of `size` characters, the same in every message;
 * - `ticks`: a JSON object of market price ticks (symbols, prices, volumes vary per message);
 * - `chat`: a JSON object of chat messages (users, rooms, sentences vary per message).
 * The JSON kinds compress like a real feed (repeated keys, varying values): a realistic ratio.
 */
export const PAYLOADS = ['repeat', 'ticks', 'chat'] as const;
export type PayloadKind = (typeof PAYLOADS)[number];

/** Routes, one per transport plus the shared ones. */
export const ROUTES = {
  poll: '/poll',
  longpoll: '/longpoll',
  sse: '/sse',
  ws: '/ws',
  publish: '/publish',
  healthz: '/healthz',
  stats: '/stats',
} as const;

/**
 * One feed message. The server serializes it once with {@link serializeMessage}; the identical
 * text goes out on every transport (inside a JSON array for the polling transports, as the
 * `data:` field of an SSE event, as a WebSocket text frame).
 *
 * Clock: `ts` and `sent` are microseconds on the host's monotonic clock (Node's
 * `process.hrtime.bigint()`, CLOCK_MONOTONIC on Linux) plus 10^15, which every process on the
 * same host reads alike. See {@link monotonicUs}. With `--target` on another host, the generator
 * estimates the offset between the two clocks from /healthz `nowUs` and corrects latency by it.
 */
export interface FeedMessage {
  /** 1, 2, 3, … without holes. */
  seq: number;
  /**
   * Publish time, µs monotonic. For ticks of the feed this is the *scheduled* tick time
   * (start + seq / rate), so a server that publishes late cannot hide its lateness
   * (no coordinated omission). For upstream messages it is the time the server accepted it.
   */
  ts: number;
  /** Publisher's send time (µs monotonic), present only on upstream (chat) messages. */
  sent?: number;
  /**
   * The payload: `size` ASCII characters (the `repeat` payload, and every upstream message), or a
   * JSON object near `size` bytes serialized (the `ticks` and `chat` payloads, see {@link PAYLOADS}).
   */
  data: string | { [key: string]: unknown };
}

/**
 * The gap signal: messages `from..to` (inclusive) were asked for (the cursor was older than the
 * history) but are gone. Clients count them as lost — never a silent skip.
 *   poll/longpoll: the first element of the JSON array body is `{"gap":{"from":F,"to":T}}`
 *   SSE:           an event `event: gap` with `data: {"from":F,"to":T}` (no `id:`)
 *   WebSocket:     a text frame `{"gap":{"from":F,"to":T}}`
 */
export interface GapSignal {
  from: number;
  to: number;
}

/**
 * The reset signal: the cursor cannot be served by this stream — it names another epoch (the
 * server restarted and its history is gone) or lies ahead of the head. The server answers from
 * the start of its own epoch (seq 1, or a gap signal where the history no longer reaches) and
 * the client resumes from there; what it missed of the old epoch is lost. Never silence.
 *   poll/longpoll: the first element of the JSON array body is `{"reset":{"epoch":E,"head":H}}`
 *   SSE:           an event `event: reset` with `data: {"epoch":E,"head":H}` (no `id:`)
 *   WebSocket:     a text frame `{"reset":{"epoch":E,"head":H}}`, the first after the handshake
 */
export interface ResetSignal {
  /** The server's epoch: what the client names from now on. */
  epoch: string;
  /** The server's head when it answered. */
  head: number;
}

/**
 * Stream identity. Every route that takes `since` also takes `epoch=<id>` (query string):
 * the epoch the cursor belongs to. A different one gets the reset signal. A request that does
 * not name the server's epoch gets it in the answer's {@link EPOCH_HEADER} (on the WebSocket
 * handshake's 101), so a client learns it from its first answer; one that names it gets
 * nothing extra. wirebench's polling clients name it on the first request of each connection
 * only: the epoch cannot change under a live connection (a restart ends every connection).
 */
export const EPOCH_HEADER = 'X-Wirebench-Epoch';

/** Body of `POST /publish` and of an upstream WebSocket text frame. */
export interface PublishRequest {
  /** Payload text, at most the server's publish body limit. */
  data: string;
  /** Publisher send time, µs monotonic; echoed as `sent` in the published message. */
  sent?: number;
}

/** Answer to `POST /publish`. */
export interface PublishResponse {
  seq: number;
}

/** JSON body of every 4xx answer. */
export interface ErrorBody {
  error: string;
  /** What was wrong and what is accepted, one line. */
  reason: string;
}

/** WebSocket close codes the server uses (RFC 6455 §7.4.1 plus the private range). */
export const WS_CLOSE = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  policyViolation: 1008,
  messageTooBig: 1009,
  /** Private range (4000–4999): the client stopped reading and its buffer hit the cap. */
  slowConsumer: 4008,
  /** Private range: bad `since` on the upgrade URL. */
  badCursor: 4400,
} as const;

/** `GET /healthz`. */
export interface Healthz {
  ok: true;
  name: 'wirebench';
  transports: TransportName[];
  /** Highest seq published so far (0 before the first). */
  seq: number;
  /**
   * Stream identity: changes whenever the history is lost (every start of a wirebench server).
   * Optional for third-party servers, which then cannot tell a stale cursor from a fresh one.
   */
  epoch?: string;
  /**
   * The server's clock now: µs on the clock of every `ts` it publishes. A load generator on
   * another host estimates its offset from it (NTP-style: the probe with the lowest round trip
   * wins, ± half that round trip) and corrects latency by it. Optional for third-party servers,
   * whose latency across hosts is then uncorrected (the results say so).
   */
  nowUs?: number;
}

/** Percentiles of a latency histogram, µs. */
export interface Percentiles {
  count: number;
  minUs: number;
  meanUs: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
}

/** Percentiles plus the HDR histogram they came from, encoded (HdrHistogram compressed base64, "" when empty) so snapshots subtract and merge exactly. */
export interface HistogramSummary extends Percentiles {
  histogram: string;
}

/** `GET /stats`: what the server measures about itself. */
export interface ServerStats {
  name: 'wirebench';
  /** The stream's epoch (see {@link Healthz}); optional for third-party servers. */
  epoch?: string;
  /** µs monotonic, same clock as messages. */
  nowUs: number;
  uptimeMs: number;
  /** Open connections per transport (held long-poll requests, SSE streams, WebSockets; poll: open keep-alive sockets that issued a poll). */
  connections: Record<TransportName, number>;
  /** Highest seq published. */
  seq: number;
  published: { feed: number; upstream: number };
  /** Time to hand one message to every subscriber (one write per connection), µs. */
  fanout: HistogramSummary;
  cpu: { userUs: number; systemUs: number };
  rssBytes: number;
  heapUsedBytes: number;
  /** V8's `external` memory (Buffers and other C++ objects held from JS). Optional. */
  externalBytes?: number;
  /**
   * True when this snapshot was taken right after a full garbage collection, which
   * `GET /stats?gc=1` asks for (honoured from loopback only, one at a time, each followed by 200 ms for freed pages to leave RSS; a
   * server that cannot — node without --expose-gc, another language — answers false or omits it).
   * The bench reads memory per connection from two such snapshots within a step.
   */
  gc?: boolean;
  /** Event-loop utilization since the server started, 0..1. */
  elu: number;
  slowConsumersDropped: number;
  /** WebSocket clients cut for not answering the previous heartbeat ping (a frozen or vanished peer). */
  heartbeatTimeouts?: number;
  /** WebSocket clients cut (1008) for sending more than 50 pings a second, each of which the server must answer. */
  pingFloodDropped?: number;
  /**
   * SSE streams cut because their socket took no byte for the write-stall timeout while data
   * waited (a frozen peer whose TCP buffers are full). Optional for third-party servers.
   */
  stalledDropped?: number;
  /**
   * Long-poll connections closed because, once answered, they sent no next request within the
   * idle timeout (a frozen or vanished client). Optional for third-party servers.
   */
  idleDropped?: number;
  /**
   * Client connections the server reset (TCP RST) on command: the server side of the drop fault
   * (`bench --fault drop-server`). Optional for third-party servers.
   */
  connectionsReset?: number;
  badRequests: number;
  /** Requests / upgrades refused by the Origin allow-list. */
  originRejected: number;
  /**
   * CORS preflights granted (OPTIONS answered 204). Refused ones count in originRejected (origin
   * not on the list) or badRequests (method or headers not allowed, malformed Origin). Optional:
   * a server without CORS has none.
   */
  corsPreflights?: number;
}

/**
 * Added to the monotonic clock so every timestamp on the wire has 16 digits. CLOCK_MONOTONIC
 * counts from boot, so a bare reading gains a digit at 1,000 s, 10,000 s, 100,000 s of uptime,
 * and with it every message a byte: the same run measured 1 % more bytes per message on a host up
 * 3 hours than on one up 2. With the offset a message's size no longer depends on the host's
 * uptime (16 digits until ~254 years of it), and the value stays below 2^53.
 */
export const MONOTONIC_OFFSET_US = 1e15;

/** Current time in µs on the host's monotonic clock, plus {@link MONOTONIC_OFFSET_US} (see {@link FeedMessage}). */
export function monotonicUs(): number {
  return MONOTONIC_OFFSET_US + Number(process.hrtime.bigint() / 1000n);
}

/** The one serializer: the exact text sent on every transport. */
export function serializeMessage(message: FeedMessage): string {
  return JSON.stringify(message);
}

export function serializeGap(gap: GapSignal): string {
  return JSON.stringify({ gap });
}

export function serializeReset(reset: ResetSignal): string {
  return JSON.stringify({ reset });
}

/** A new epoch id: 8 URL-safe characters, random, so two starts of a server never share one. */
export function newEpochId(): string {
  return randomBytes(6).toString('base64url');
}

/** `epoch` from a query (absent → undefined; anything but 1–64 URL-safe characters → a reason). */
export function parseEpoch(raw: unknown): string | undefined | { reason: string } {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(raw)) {
    return { reason: `epoch=${JSON.stringify(raw).slice(0, 40)} is not an epoch id (1-64 characters A-Z a-z 0-9 _ -, as /healthz gives it)` };
  }
  return raw;
}

/**
 * Cursor parsing shared by every route that takes `since` (query or `Last-Event-ID`).
 * Returns the cursor, `undefined` when absent, or an error reason naming the bad value.
 */
export function parseCursor(raw: string | undefined): number | undefined | { reason: string } {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw)) {
    return { reason: `since=${JSON.stringify(raw).slice(0, 40)} is not a non-negative integer` };
  }
  return Number(raw);
}
