/**
 * The results schema: the one place that says what a results document holds. load/ writes it,
 * reports/ reads it, compare diffs two of them. Types and the JSON Schema are the same object
 * (TypeBox), so they cannot drift; documents are validated on write and on read.
 *
 * Units are in field names (Us = microseconds, Ms = milliseconds, Bytes, Mbps = 10^6 bit/s).
 * Histograms are HDR histograms (integers, µs) stored encoded (compressed base64, the
 * HdrHistogram interchange format) so runs and shards can be merged later without loss.
 *
 * Pure module: no I/O, no load/ runtime (only the wire contract's list of transports and the
 * error kinds' lists, load/clients/client-errors.ts and step-failure-kinds.ts); reports/ may import it.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { COMPRESSIONS, PAYLOADS, TRANSPORTS, type Compression, type HistogramSummary as WireHistogramSummary, type PayloadKind } from '../../servers/contract.js';
import { describeClientErrorKinds } from '../clients/client-errors.js';
import { STEP_FAILURE_KINDS } from './step-failure-kinds.js';

export const RESULTS_SCHEMA_ID = 'wirebench/results';
/**
 * Bump on any incompatible change; readers refuse (or migrate) other versions.
 * - 1: socket-layer bytes, server CPU and RSS at the window's edges.
 * - 2: adds (all optional, so a version-1 document reads as a version-2 one without them) the
 *   TCP/IP layer from a packet capture (`Measurement.capture`, `bench --capture`), the load
 *   workers' own CPU time (`GeneratorFigures.cpu*`), and memory per client connection measured
 *   within the step after a GC (`ServerFigures.memory`).
 */
export const RESULTS_SCHEMA_VERSION = 2;
/** Versions this reader accepts: a version-1 document has none of version 2's optional fields. */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2];

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** The contract's transports (servers/contract.ts `TRANSPORTS`): a fifth one is valid here without a change. */
export const TransportNameSchema = Type.Union(TRANSPORTS.map((name) => Type.Literal(name)));
export const CompressionSchema = Type.Union(COMPRESSIONS.map((name) => Type.Literal(name)));
export const PayloadSchema = Type.Union(PAYLOADS.map((name) => Type.Literal(name)));
export { COMPRESSIONS, PAYLOADS, type Compression, type PayloadKind };

/**
 * Percentiles plus the encoded histogram they came from: the one fragment for every histogram of
 * a results document (latency, connect, recovery, the server's fan-out), in the contract's shape
 * (servers/contract.ts `HistogramSummary`, what servers/histogram-summary.ts `summarize` returns).
 */
export const HistogramSummarySchema = Type.Object({
  count: Type.Integer({ minimum: 0 }),
  minUs: Type.Number(),
  meanUs: Type.Number(),
  p50Us: Type.Number(),
  p90Us: Type.Number(),
  p99Us: Type.Number(),
  maxUs: Type.Number(),
  /** HdrHistogram compressed base64 ("" when empty). */
  histogram: Type.String(),
});
export type HistogramSummary = Static<typeof HistogramSummarySchema>;
/** Fails to compile if the fragment and the contract's type drift apart (either way). */
const _summaryIsTheContracts: [HistogramSummary, WireHistogramSummary] extends [WireHistogramSummary, HistogramSummary] ? true : false = true;

export const ByteSplitSchema = Type.Object({
  totalBytes: Type.Integer({ minimum: 0 }),
  /** Bytes of message text (the serialized feed messages, or the publish bodies upstream). */
  payloadBytes: Type.Integer({ minimum: 0 }),
  /** totalBytes − payloadBytes: headers, framing, handshakes, heartbeats, reconnects. */
  overheadBytes: Type.Integer({ minimum: 0 }),
});
export type ByteSplit = Static<typeof ByteSplitSchema>;

export const PreflightFiguresSchema = Type.Object({
  /** OPTIONS requests sent (= round trips added). */
  requests: Type.Integer({ minimum: 0 }),
  /** Their bytes on the wire: the requests (up) and their answers (down); already inside `bytes`. */
  upBytes: Type.Integer({ minimum: 0 }),
  downBytes: Type.Integer({ minimum: 0 }),
  /** Non-simple requests that went without one because the preflight cache held their URL. */
  cacheHits: Type.Integer({ minimum: 0 }),
});
export type PreflightFigures = Static<typeof PreflightFiguresSchema>;

/**
 * What HTTP/2 bytes are counted under (load/clients/h2-frames.ts): the client's connection preface
 * (24 bytes, up), the header blocks (HEADERS + CONTINUATION frames, after HPACK), DATA, and the
 * control frames each by name; PRIORITY, PUSH_PROMISE and unknown types as `other`. A frame's nine
 * header bytes count with its payload.
 */
export const H2_FRAME_KINDS = ['preface', 'headers', 'data', 'settings', 'windowUpdate', 'ping', 'rstStream', 'goaway', 'other'] as const;
export type H2FrameKind = (typeof H2_FRAME_KINDS)[number];
/** The control kinds (everything but the preface, header blocks and DATA). */
export const H2_CONTROL_FRAME_KINDS: readonly H2FrameKind[] = ['settings', 'windowUpdate', 'ping', 'rstStream', 'goaway', 'other'];

/** One direction's HTTP/2 plaintext bytes by frame kind. */
export const H2FrameBytesSchema = Type.Object(Object.fromEntries(H2_FRAME_KINDS.map((kind) => [kind, Type.Integer({ minimum: 0 })])) as Record<H2FrameKind, ReturnType<typeof Type.Integer>>);
export type H2FrameBytes = Static<typeof H2FrameBytesSchema>;

/** Raw counters of one interval (the measured window, or first connect to last close). */
export const IntervalFiguresSchema = Type.Object({
  durationMs: Type.Number({ minimum: 0 }),
  /** Bytes counted at the clients' TCP sockets. down = server→client, up = client→server. */
  bytes: Type.Object({ down: ByteSplitSchema, up: ByteSplitSchema }),
  messages: Type.Object({
    /** Messages every client should have received (sum over clients). */
    expected: Type.Integer({ minimum: 0 }),
    /** Distinct expected messages received. */
    delivered: Type.Integer({ minimum: 0 }),
    lost: Type.Integer({ minimum: 0 }),
    duplicated: Type.Integer({ minimum: 0 }),
    outOfOrder: Type.Integer({ minimum: 0 }),
    /** Messages announced missing by a gap signal (also counted in lost). */
    gapped: Type.Integer({ minimum: 0 }),
  }),
  /** HTTP requests sent (polling: one per poll; SSE/WS: the connect requests). */
  requests: Type.Integer({ minimum: 0 }),
  /** Poll / long-poll answers that carried no message. */
  emptyResponses: Type.Integer({ minimum: 0 }),
  /** Delivery latency: receive time − scheduled publish time, µs. */
  latency: HistogramSummarySchema,
  /** Chat workload: receive time − publisher send time, µs. */
  endToEndLatency: Type.Optional(HistogramSummarySchema),
  /** Polling transports: request round-trip time, µs. */
  requestRtt: Type.Optional(HistogramSummarySchema),
  /**
   * Errors by kind (load/clients/client-errors.ts `ClientErrorKind`: e.g. ECONNRESET, http_503,
   * ws_close_1009). Any key is read, so files from other versions with other kinds still validate;
   * the writer's kinds are typed.
   */
  errors: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description: describeClientErrorKinds() }),
  /** Upstream messages published by this step's publishers (chat workload). */
  published: Type.Integer({ minimum: 0 }),
  /**
   * Cross-origin runs (config.crossOrigin): the CORS preflights, split out of the socket bytes
   * they are part of. Each preflight is one extra round trip before its request.
   */
  preflight: Type.Optional(PreflightFiguresSchema),
  /**
   * HTTP/2 runs (h2, h2c): the clients' connection plaintext by frame kind, down and up — beneath
   * TLS, so `bytes` less these is TLS (records and handshakes); in h2c they add up to `bytes`.
   */
  h2FrameBytes: Type.Optional(Type.Object({ down: H2FrameBytesSchema, up: H2FrameBytesSchema })),
});
export type IntervalFigures = Static<typeof IntervalFiguresSchema>;

/** Figures derived from the measured window; computed by load/ with one function for all transports. */
export const DerivedFiguresSchema = Type.Object({
  /** Per delivered message (down) and per published message (up, chat) — null when none. */
  bytesPerMessage: Type.Object({
    down: Nullable(Type.Number()),
    downPayload: Nullable(Type.Number()),
    downOverhead: Nullable(Type.Number()),
    up: Nullable(Type.Number()),
    upPerPublished: Nullable(Type.Number()),
  }),
  bytesPerClientPerSec: Type.Object({ down: Type.Number(), up: Type.Number() }),
  mbps: Type.Object({ down: Type.Number(), up: Type.Number(), total: Type.Number() }),
  /** delivered ÷ expected (1 on a healthy run). */
  reach: Nullable(Type.Number()),
  requestsPerMessage: Nullable(Type.Number()),
  emptyResponseRatio: Nullable(Type.Number()),
});
export type DerivedFigures = Static<typeof DerivedFiguresSchema>;

/** What `GET /stats?gc=1` reported: the server's memory right after a full GC. */
export const MemorySnapshotSchema = Type.Object({
  heapUsedBytes: Type.Number({ minimum: 0 }),
  /** C++ objects bound to JS (Buffers, sockets' native parts counted by V8). */
  externalBytes: Type.Number({ minimum: 0 }),
  rssBytes: Type.Number({ minimum: 0 }),
});
export type MemorySnapshot = Static<typeof MemorySnapshotSchema>;

/**
 * Memory per client connection, measured within the step (version 2): a GC and a snapshot just
 * before the step's clients connect, a GC and a snapshot once they all are connected. Comparing
 * two steps' RSS instead would carry the previous step's garbage (and go negative).
 */
export const ConnectionMemorySchema = Type.Object({
  before: MemorySnapshotSchema,
  connected: MemorySnapshotSchema,
  /** Clients connected at the second snapshot. */
  clients: Type.Integer({ minimum: 0 }),
  /**
   * (heapUsed + external) after − before, ÷ clients: what the server's JavaScript side holds per
   * connection once garbage is gone. Null when no client connected.
   */
  heapBytesPerConnection: Nullable(Type.Number()),
  /** RSS after − before, ÷ clients: includes native buffers, but the allocator may reuse freed pages (noisier). */
  rssBytesPerConnection: Nullable(Type.Number()),
});
export type ConnectionMemory = Static<typeof ConnectionMemorySchema>;

/** The server process over the measured window, from its /stats (absent if it has none). */
export const ServerFiguresSchema = Type.Object({
  cpuUserUs: Type.Number({ minimum: 0 }),
  cpuSystemUs: Type.Number({ minimum: 0 }),
  rssBytesStart: Type.Number({ minimum: 0 }),
  rssBytesEnd: Type.Number({ minimum: 0 }),
  /** Fan-out time per published message over the window, µs (server histogram delta). */
  fanout: HistogramSummarySchema,
  elu: Type.Number(),
  slowConsumersDropped: Type.Integer({ minimum: 0 }),
  /** WebSocket clients cut for missing a heartbeat pong, over the window (servers that report it). */
  heartbeatTimeouts: Type.Optional(Type.Integer({ minimum: 0 })),
  /** SSE streams cut for a socket that took no byte for the write-stall timeout while data waited. */
  stalledDropped: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Long-poll connections closed for sending no next request within the idle timeout after an answer. */
  idleDropped: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Client connections the server reset (RST) over the window: the drop-server fault. */
  connectionsReset: Type.Optional(Type.Integer({ minimum: 0 })),
  /** WebSocket clients cut for a ping flood (more than 50 pings a second). */
  pingFloodDropped: Type.Optional(Type.Integer({ minimum: 0 })),
  connectionsAtEnd: Type.Integer({ minimum: 0 }),
  /** Version 2: memory per connection within the step (absent when the server cannot GC on request). */
  memory: Type.Optional(ConnectionMemorySchema),
});
export type ServerFigures = Static<typeof ServerFiguresSchema>;

export const GeneratorFiguresSchema = Type.Object({
  workers: Type.Integer({ minimum: 1 }),
  /** Worst worker's event-loop delay over the window, µs. */
  eventLoopDelayP99Us: Type.Number(),
  eventLoopDelayMaxUs: Type.Number(),
  thresholdUs: Type.Number(),
  /** A worker exceeded the threshold: the figures may reflect the generator, not the server. */
  saturated: Type.Boolean(),
  /** Version 2: CPU time of all load workers together over the window, µs (process.cpuUsage). */
  cpuUserUs: Type.Optional(Type.Number({ minimum: 0 })),
  cpuSystemUs: Type.Optional(Type.Number({ minimum: 0 })),
  /** Workers' CPU (user + system) per delivered message and per HTTP request in the window, µs; null when none. */
  cpuUsPerMessage: Type.Optional(Nullable(Type.Number())),
  cpuUsPerRequest: Type.Optional(Nullable(Type.Number())),
});
export type GeneratorFigures = Static<typeof GeneratorFiguresSchema>;

/**
 * The actual sizes one client saw on its wire, sampled from real traffic (not computed), so the
 * bytes model in reports/ can predict bytes per message from them and show the residual.
 */
export const WireSampleSchema = Type.Object({
  /** One request as sent (request line, headers, blank line, body): a poll, or the SSE / WS connect. */
  requestBytes: Type.Integer({ minimum: 0 }),
  /** One response head as received (status line, headers, blank line); for WS the 101 answer. */
  responseHeadBytes: Type.Integer({ minimum: 0 }),
  /** Polling: the whole body of an empty answer (`[]`, plus chunk framing if any). */
  emptyBodyBytes: Type.Integer({ minimum: 0 }),
  /**
   * Stream transports: bytes on the wire per message beyond the message text (SSE `id:`/`data:`
   * fields and blank line plus chunk framing; WS frame header). Polling: per extra message in a body
   * (the comma).
   */
  framingBytesPerMessage: Type.Number({ minimum: 0 }),
  /** Heartbeat bytes down per heartbeat (SSE comment, WS ping frame), 0 if none seen. */
  heartbeatBytes: Type.Integer({ minimum: 0 }),
  /** Upstream: bytes on the wire per published message (POST request + answer, or a masked WS frame). */
  publishUpBytes: Type.Integer({ minimum: 0 }),
  publishDownBytes: Type.Integer({ minimum: 0 }),
  /** Cross-origin: one CORS preflight (the OPTIONS request) and its answer, as seen on the wire. */
  preflightRequestBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  preflightResponseBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  /**
   * Over TLS: one connection's TLS handshake at the TCP socket, up and down (ClientHello … the
   * client's Finished; TLS 1.3 session tickets arrive later, with the first answer).
   */
  tlsHandshakeUpBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  tlsHandshakeDownBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  /**
   * HTTP/2: one connection's opening plaintext, beneath TLS: up the client's preface and first
   * SETTINGS frame, down the server's first SETTINGS frame (RFC 9113 §3.4).
   */
  h2PrefaceUpBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  h2PrefaceDownBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  /**
   * Polling: the head bytes of a connection's first exchange, request head + response head, up +
   * down (HTTP/1.1: the heads as sent; HTTP/2: the HEADERS frames, which HPACK's dynamic table
   * makes dearer on a connection's first request); and the median of the later exchanges on a
   * connection (absent until one was seen).
   */
  firstExchangeHeadBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  steadyExchangeHeadBytes: Type.Optional(Type.Number({ minimum: 0 })),
});
export type WireSample = Static<typeof WireSampleSchema>;

/** One direction of captured client traffic at the IP layer (the link-layer header is not counted). */
export const CapturedDirectionSchema = Type.Object({
  /** TCP segments (one IP packet each). */
  segments: Type.Integer({ minimum: 0 }),
  /** Sum of the IP total lengths: IP and TCP headers (options included) plus TCP payload. */
  ipBytes: Type.Integer({ minimum: 0 }),
  /** ipBytes − tcpPayloadBytes: what TCP/IP adds beneath the socket layer. */
  tcpIpHeaderBytes: Type.Integer({ minimum: 0 }),
  /** TCP payload: the same bytes the socket layer counts (`bytes.*.totalBytes`). */
  tcpPayloadBytes: Type.Integer({ minimum: 0 }),
  /** Segments that only acknowledge: no payload, no SYN, FIN or RST. */
  ackOnlySegments: Type.Integer({ minimum: 0 }),
  /**
   * Payload bytes sent again (TCP retransmissions, e.g. when the server's accept queue overflowed
   * during a fast ramp): on the wire, so in ipBytes and tcpPayloadBytes, but read once by the socket.
   */
  retransmittedBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  /**
   * Payload bytes that reached a client after it had closed its side (sent FIN or RST): a message
   * the server wrote while the client was tearing down. On the wire, never read by the socket.
   */
  afterCloseBytes: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type CapturedDirection = Static<typeof CapturedDirectionSchema>;

/** down = server→client, up = client→server, as everywhere. */
export const CapturedIntervalSchema = Type.Object({ down: CapturedDirectionSchema, up: CapturedDirectionSchema });
export type CapturedInterval = Static<typeof CapturedIntervalSchema>;

/**
 * Version 2, `bench --capture`: the step's loopback traffic from tcpdump, attributed to the step's
 * client connections by their local ports (known to the workers); the controller's own /healthz
 * and /stats connections are left out (and counted in `excluded`).
 */
export const CaptureFiguresSchema = Type.Object({
  /** The measured window (packets by timestamp) and the whole step (first connect to last close). */
  window: CapturedIntervalSchema,
  totals: CapturedIntervalSchema,
  /** Client TCP connections seen (distinct SYNs from the step's client ports; a retransmitted SYN is not a new one). */
  connections: Type.Integer({ minimum: 0 }),
  /** Traffic on the server's port from no client of the step (the controller), left out above. */
  excluded: Type.Object({ segments: Type.Integer({ minimum: 0 }), ipBytes: Type.Integer({ minimum: 0 }) }),
  /** Packets the kernel dropped before tcpdump read them: non-zero means the figures are too low. */
  droppedPackets: Type.Integer({ minimum: 0 }),
  /** IP-layer figures of the window, defined as `derived` defines the socket layer's. */
  derived: Type.Object({
    /** IP bytes per delivered message, down and up; null when none was delivered. */
    bytesPerMessage: Type.Object({ down: Nullable(Type.Number()), up: Nullable(Type.Number()) }),
    mbps: Type.Object({ down: Type.Number(), up: Type.Number(), total: Type.Number() }),
  }),
});
export type CaptureFigures = Static<typeof CaptureFiguresSchema>;

/** Everything measured for one (transport, clients) step in one repeat. */
/** What `bench --fault` injects (scripts/bench.ts parses `kind[@at][:duration]`). */
export const FaultKindSchema = Type.Union([
  /** SIGKILL of the embedded server, restarted on the same port after `durationMs`: history lost, new epoch. */
  Type.Literal('restart-hard'),
  /** SIGTERM (streams ended, WebSocket 1001, held polls answered), restarted after `durationMs`, the stream handed over: same epoch. */
  Type.Literal('restart-graceful'),
  /** SIGSTOP of the embedded server for `durationMs`, then SIGCONT: it neither reads nor writes. */
  Type.Literal('stall'),
  /** Client side (allowed with --target): connections reset (TCP RST) by the generator at `dropPerSec`. */
  Type.Literal('drop'),
  /** Server side: the embedded server resets (TCP RST) `dropPerSec` of its client connections per second. */
  Type.Literal('drop-server'),
]);
export type FaultKind = Static<typeof FaultKindSchema>;

export const FaultSpecSchema = Type.Object({
  kind: FaultKindSchema,
  /** When, from the start of the measured window, ms. */
  atMs: Type.Number({ minimum: 0 }),
  /** Downtime (restart), stall length, or how long connections are dropped (drop), ms. */
  durationMs: Type.Number({ minimum: 0 }),
  /** drop: share of the connections reset per second while it lasts (0.5 = half of them each second). */
  dropPerSec: Type.Optional(Type.Number({ minimum: 0 })),
});
export type FaultSpec = Static<typeof FaultSpecSchema>;

/** Per-bucket figures of a fault step over its window: the "when connections break" chart. */
export const FaultTimelineSchema = Type.Object({
  bucketMs: Type.Number({ exclusiveMinimum: 0 }),
  /** By publish time: messages delivered live / recovered (replayed after a reconnect) / lost (expected − both). */
  delivered: Type.Array(Type.Integer({ minimum: 0 })),
  recovered: Type.Array(Type.Integer({ minimum: 0 })),
  lost: Type.Array(Type.Integer({ minimum: 0 })),
  /** By time: TCP connections opened by the clients (handshakes), socket bytes both directions. */
  connects: Type.Array(Type.Integer({ minimum: 0 })),
  bytes: Type.Array(Type.Integer({ minimum: 0 })),
  /** Server CPU (user + system) per bucket, ms, from /stats sampled through the window; null where unknown (stalled, restarting, no /stats). */
  serverCpuMs: Type.Array(Nullable(Type.Number({ minimum: 0 }))),
});
export type FaultTimeline = Static<typeof FaultTimelineSchema>;

/** Rates over a stretch of the window (the reconnect storm, or the steady part before the first fault). */
export const StretchRatesSchema = Type.Object({
  fromMs: Type.Number(),
  toMs: Type.Number(),
  connectsPerSec: Type.Number({ minimum: 0 }),
  bytesPerSec: Type.Number({ minimum: 0 }),
  /** Server CPU, ms per second (1000 = one core); null when unknown. */
  serverCpuMsPerSec: Nullable(Type.Number({ minimum: 0 })),
});
export type StretchRates = Static<typeof StretchRatesSchema>;

/** What faults did to one step (present only when the run injected faults). */
export const FaultFiguresSchema = Type.Object({
  /** What was injected, when (ms from the window's start) and how it went. */
  injected: Type.Array(Type.Object({ kind: FaultKindSchema, atMs: Type.Number(), durationMs: Type.Number(), note: Type.String() })),
  /** Reset signals the clients received (a cursor of a lost epoch: the gap where the epoch changed). */
  resets: Type.Integer({ minimum: 0 }),
  /** Window messages delivered after their client reconnected that were published before it (replayed from history). */
  recovered: Type.Integer({ minimum: 0 }),
  /** Time to recover: from the fault to each client's first delivered message after it, µs. */
  recovery: HistogramSummarySchema,
  /** Clients the faults hit that had no message after it by the step's end. */
  unrecovered: Type.Integer({ minimum: 0 }),
  timeline: FaultTimelineSchema,
  /** From the first fault to when 99 % of the clients it hit had recovered (at least one bucket). */
  storm: StretchRatesSchema,
  /** The window before the first fault (null when it starts at once). */
  steady: Nullable(StretchRatesSchema),
});
export type FaultFigures = Static<typeof FaultFiguresSchema>;

/**
 * `--target`: the offset between the target's clock and this host's (load/run/clock-offset.ts), by
 * which every latency of the step was corrected. Absent for embedded servers (one host, one clock)
 * and for targets whose /healthz states no clock (then latency is uncorrected; a note says so).
 */
export const ClockFiguresSchema = Type.Object({
  /** Server clock − this host's clock before the step's clients connected, µs (the correction used). */
  offsetUs: Type.Number(),
  /** ± µs: half the round trip of the winning probe. */
  uncertaintyUs: Type.Number({ minimum: 0 }),
  probes: Type.Integer({ minimum: 0 }),
  /** Re-estimated after the window: that offset − the one used, µs (drift plus both estimates' error); null when that probe failed. */
  driftUs: Nullable(Type.Number()),
});
export type ClockFigures = Static<typeof ClockFiguresSchema>;

export const MeasurementSchema = Type.Object({
  clientsConnected: Type.Integer({ minimum: 0 }),
  /** Clients held to the window's messages (connected when it opened); what per-client figures divide by. */
  clientsInWindow: Type.Optional(Type.Integer({ minimum: 0 })),
  /** `--target`: the clock offset latency was corrected by. */
  clock: Type.Optional(ClockFiguresSchema),
  /** Time to first byte of the stream / first answer, µs. */
  connect: HistogramSummarySchema,
  window: IntervalFiguresSchema,
  /** First connect to last close (includes ramp, warm-up and teardown). */
  totals: IntervalFiguresSchema,
  derived: DerivedFiguresSchema,
  server: Nullable(ServerFiguresSchema),
  generator: GeneratorFiguresSchema,
  /** Sizes sampled from one client's traffic, for the bytes model. */
  wire: WireSampleSchema,
  /** Version 2, `bench --capture`: the TCP/IP layer beneath `window` / `totals` (absent without a capture). */
  capture: Type.Optional(CaptureFiguresSchema),
  /** `bench --fault`: lost / recovered / time to recover / reconnect storm (absent without faults). */
  faults: Type.Optional(FaultFiguresSchema),
});
export type Measurement = Static<typeof MeasurementSchema>;

/** `--start-at`: where the step sat in the run's fixed schedule (load/run/step-schedule.ts). */
export const StepScheduleSchema = Type.Object({
  /** The window's planned start, wall clock (RFC 3339): the same for every shard of the run. */
  windowStartAt: Type.String(),
  /** The same instant on the server's clock (µs), from this shard's clock offset; null without one. */
  windowStartServerUs: Nullable(Type.Number()),
  /**
   * How late the last load worker actually took the window's start snapshot (byte counters, CPU,
   * loop delay), ms: at the first client event after the instant, or by a timer (load/run/window-edges.ts).
   */
  windowOpenedLateMs: Type.Number({ minimum: 0 }),
  /** The same at the window's end, ms (absent in files written before it was recorded). */
  windowClosedLateMs: Type.Optional(Type.Number({ minimum: 0 })),
});
export type StepSchedule = Static<typeof StepScheduleSchema>;

/** Why a step failed, as a kind (load/results/step-failure-kinds.ts); absent in files written before it existed. */
export const StepFailureKindSchema = Type.Union(STEP_FAILURE_KINDS.map((kind) => Type.Literal(kind)));

/**
 * A merged step (`wirebench merge` of shards): each shard's own step, for drill-down. The merged
 * step's figures are the exact merge of these (counters summed, histograms merged).
 */
export const ShardStepSchema = Type.Object({
  shard: Type.Integer({ minimum: 1 }),
  status: Type.Union([Type.Literal('ok'), Type.Literal('failed')]),
  reason: Type.Optional(Type.String()),
  failureKind: Type.Optional(StepFailureKindSchema),
  schedule: Type.Optional(StepScheduleSchema),
  measurement: Nullable(MeasurementSchema),
});
export type ShardStep = Static<typeof ShardStepSchema>;

const StepBase = {
  clients: Type.Integer({ minimum: 1 }),
  startedAt: Type.String(),
  schedule: Type.Optional(StepScheduleSchema),
  /** A merged step: every shard's own step (the figures above are their exact merge). */
  shards: Type.Optional(Type.Array(ShardStepSchema)),
  /**
   * What the step could not measure and why, one line each — e.g. a target whose /stats
   * answered another shape: its server figures are dropped (null) and the step goes on.
   */
  notes: Type.Optional(Type.Array(Type.String())),
};

/** A step is a discriminated union on `status`. */
export const StepResultSchema = Type.Union([
  Type.Object({
    ...StepBase,
    status: Type.Literal('ok'),
    /** The figures (with --repeat N, the per-metric median of the repeats). */
    measurement: MeasurementSchema,
    /** With --repeat N > 1: every repeat's own figures. */
    repeats: Type.Optional(Type.Array(MeasurementSchema)),
  }),
  Type.Object({
    ...StepBase,
    status: Type.Literal('failed'),
    /** One line: what failed, and which limit or flag to look at. */
    reason: Type.String(),
    /** The same as a kind a program can act on (optional: files written before it have none). */
    failureKind: Type.Optional(StepFailureKindSchema),
    /** What was measured before the failure, if anything. */
    measurement: Nullable(MeasurementSchema),
  }),
]);
export type StepResult = Static<typeof StepResultSchema>;


export const HeaderProfileSchema = Type.Object({
  name: Type.Union([Type.Literal('minimal'), Type.Literal('browser')]),
  cookieBytes: Type.Integer({ minimum: 0 }),
  /** Where the profile comes from. */
  source: Type.String(),
  /** The extra request headers the profile adds (besides Host and what the transport needs). */
  headers: Type.Array(Type.Tuple([Type.String(), Type.String()])),
});
export type HeaderProfile = Static<typeof HeaderProfileSchema>;

/** How clients come back after a failure (load/clients/reconnect-backoff.ts `ReconnectPolicy`). */
export const ReconnectSchema = Type.Object({
  /** First WebSocket reconnect / poll retry delay, ms; doubles per failed attempt. */
  baseMs: Type.Number({ minimum: 0 }),
  /** Cap of the doubling delay, ms. */
  maxMs: Type.Number({ minimum: 0 }),
  /** Each delay × (1 ± jitter), uniform. */
  jitter: Type.Number({ minimum: 0, maximum: 1 }),
  /** SSE reconnection time until the server sends `retry:`, ms. */
  sseRetryMs: Type.Number({ minimum: 0 }),
});
export type ReconnectConfig = Static<typeof ReconnectSchema>;

export const CrossOriginConfigSchema = Type.Object({
  /** The page's origin, sent as Origin (the embedded servers allow it with --origin). */
  pageOrigin: Type.String(),
  /** fetch credentials 'include' / EventSource withCredentials (Cookie sent, Allow-Credentials required). */
  credentials: Type.Boolean(),
  /** Access-Control-Max-Age the embedded servers send, s (null: a --target decides). */
  serverMaxAgeSeconds: Nullable(Type.Integer({ minimum: 0 })),
  /** The browser preflight cache the clients model. */
  preflightCache: Type.Object({
    browser: Type.String(),
    maxAgeCapSeconds: Type.Integer({ minimum: 0 }),
    defaultMaxAgeSeconds: Type.Number({ minimum: 0 }),
    maxEntries: Type.Integer({ minimum: 1 }),
  }),
});
export type CrossOriginConfig = Static<typeof CrossOriginConfigSchema>;

/**
 * How the clients reach the server: HTTP/1.1 cleartext (the default), HTTP/1.1 over TLS, HTTP/2
 * over TLS (ALPN h2, HTTP/1.1 fallback) or HTTP/2 cleartext (h2c, prior knowledge). WebSocket is
 * HTTP/1.1 under every one of them (over TLS when the protocol is), since RFC 8441 is not in ws.
 */
export const PROTOCOLS = ['http1', 'http1-tls', 'h2', 'h2c'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export const ProtocolSchema = Type.Union(PROTOCOLS.map((name) => Type.Literal(name)));

/** Whether a protocol runs over TLS. */
export function protocolUsesTls(protocol: Protocol): boolean {
  return protocol === 'http1-tls' || protocol === 'h2';
}

/** Whether a protocol carries the HTTP transports over HTTP/2 (WebSocket stays HTTP/1.1 under every one). */
export function protocolUsesHttp2(protocol: Protocol): boolean {
  return protocol === 'h2' || protocol === 'h2c';
}

/**
 * One combination of the matrix's axes besides transports and client steps (docs/architecture.md:
 * protocol × compression): `bench --protocol http1,h2` runs every transport under each. Each field
 * absent = the run's own value (`RunConfig.protocol`, …), so a document without variants reads as
 * one variant. Adding an axis is one optional field here (and its entry in run-variants.ts).
 */
export const VariantSchema = Type.Object({
  protocol: Type.Optional(ProtocolSchema),
  compression: Type.Optional(CompressionSchema),
});
export type Variant = Static<typeof VariantSchema>;

export const TlsConfigSchema = Type.Object({
  /**
   * How the clients checked the server's certificate: the embedded server's own (self-signed,
   * trusted exactly), a --ca file, the system's store, or not at all (--insecure, loopback only).
   */
  verify: Type.Union([Type.Literal('embedded-certificate'), Type.Literal('ca-file'), Type.Literal('system'), Type.Literal('skipped')]),
  /** The --ca file, as given. */
  caFile: Type.Optional(Type.String()),
});
export type TlsConfig = Static<typeof TlsConfigSchema>;

export const RunConfigSchema = Type.Object({
  transports: Type.Array(TransportNameSchema),
  clients: Type.Array(Type.Integer({ minimum: 1 })),
  durationMs: Type.Number({ exclusiveMinimum: 0 }),
  warmupMs: Type.Number({ minimum: 0 }),
  /** Feed rate, messages/s (0: no feed ticks, the chat workload's publishers only). */
  rate: Type.Number({ minimum: 0 }),
  /** Payload size, bytes. */
  size: Type.Integer({ minimum: 0 }),
  /** Short-poll interval. */
  intervalMs: Type.Number({ exclusiveMinimum: 0 }),
  /** Long-poll hold on the server. */
  holdMs: Type.Number({ exclusiveMinimum: 0 }),
  /** SSE comment / WebSocket ping interval on the server (embedded servers; 0 = none). */
  heartbeatMs: Type.Number({ minimum: 0 }),
  /** Client connects per second during ramp-up. */
  connectRate: Type.Number({ exclusiveMinimum: 0 }),
  workers: Type.Integer({ minimum: 1 }),
  headers: HeaderProfileSchema,
  workload: Type.Union([Type.Literal('feed'), Type.Literal('chat')]),
  publishers: Type.Integer({ minimum: 0 }),
  /** Messages/s per publisher (chat workload). */
  publishRate: Type.Number({ minimum: 0 }),
  /**
   * `--compression` (servers/contract.ts COMPRESSIONS), the same for every transport. Off is
   * written `false`, as every run wrote it before compression existed (so results of the default
   * configuration stay as they were); `true` (never written) reads as `on`. Read it with
   * {@link runCompression}.
   */
  compression: Type.Optional(Type.Union([Type.Boolean(), CompressionSchema])),
  /** `--payload` (servers/contract.ts PAYLOADS); absent: `repeat`, the one repeated string. Read it with {@link runPayload}. */
  payload: Type.Optional(PayloadSchema),
  repeat: Type.Integer({ minimum: 1 }),
  /** Set when benching an already running server (--target). */
  target: Nullable(Type.String()),
  preset: Nullable(Type.String()),
  /** Version 2: `--capture` was asked for (each step's `capture` says whether it was possible). */
  capture: Type.Optional(Type.Boolean()),
  /** Reconnect / retry policy of the clients (absent in runs made before it was recorded). */
  reconnect: Type.Optional(ReconnectSchema),
  /** Bytes of an `Authorization: Bearer …` value on every fetch (poll, long-poll, publish); absent or 0 = none. */
  authorizationBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Set when the clients model a page on another origin (absent: same-origin). */
  crossOrigin: Type.Optional(CrossOriginConfigSchema),
  /** `--fault`: what each step injects (absent: none). */
  faults: Type.Optional(Type.Array(FaultSpecSchema)),
  /** `--protocol` (absent: http1, HTTP/1.1 cleartext). */
  protocol: Type.Optional(ProtocolSchema),
  /**
   * `--h2-clients-per-connection` above 1: over HTTP/2 (h2, h2c) the HTTP transports' clients
   * share one connection per this many (load/clients/h2-session.ts), their streams multiplexed;
   * the connection's bytes are counted once, by the connection, and per-client figures divide
   * the step's sum by its clients. Absent: 1, a connection per client (WebSocket and HTTP/1.1 always).
   */
  h2ClientsPerConnection: Type.Optional(Type.Integer({ minimum: 2 })),
  /** Over TLS: how the server's certificate was checked (absent in cleartext; with variants, present when one runs over TLS). */
  tls: Type.Optional(TlsConfigSchema),
  /**
   * A run of several variants (`--protocol http1,h2`): every combination, in run order; each
   * results entry says its own (`TransportResult.variant`). Absent: one variant, the run's own values.
   */
  variants: Type.Optional(Type.Array(VariantSchema, { minItems: 2 })),
  /** `--shard I/N`: this run is shard `index` of `count`, running client ids index, index+N, … of every step (absent: the whole run; a merged document has none). */
  shard: Type.Optional(Type.Object({ index: Type.Integer({ minimum: 1 }), count: Type.Integer({ minimum: 1 }) })),
  /** `--start-at`: when the run's fixed step schedule begins (RFC 3339, UTC); every shard of a run has the same. */
  startAt: Type.Optional(Type.String()),
  /** `--source-addresses`: the local addresses the clients connect from, in turn (absent: the system's choice). */
  sourceAddresses: Type.Optional(Type.Array(Type.String())),
});
export type RunConfig = Static<typeof RunConfigSchema>;

/** A run's compression: `off` for `false` (or absent, in a hand-made document), `on` for `true`. */
export function runCompression(config: Pick<RunConfig, 'compression'>): Compression {
  const value = config.compression;
  return value === undefined || value === false ? 'off' : value === true ? 'on' : value;
}

/** A run's payload kind: `repeat` when absent. */
export function runPayload(config: Pick<RunConfig, 'payload'>): PayloadKind {
  return config.payload ?? 'repeat';
}

export const EnvironmentSchema = Type.Object({
  cpuModel: Type.String(),
  cores: Type.Integer({ minimum: 1 }),
  totalMemoryBytes: Type.Number(),
  node: Type.String(),
  os: Type.String(),
  arch: Type.String(),
  gitRevision: Nullable(Type.String()),
  gitDirty: Nullable(Type.Boolean()),
  wirebenchVersion: Type.String(),
  /** Version 2: why `--capture` could not capture (e.g. tcpdump missing or not permitted); absent when it could. */
  captureUnavailable: Type.Optional(Type.String()),
});
export type Environment = Static<typeof EnvironmentSchema>;

export const TransportResultSchema = Type.Object({
  transport: TransportNameSchema,
  /** A run of several variants (`RunConfig.variants`): the one this entry ran under (absent: the run's own values). */
  variant: Type.Optional(VariantSchema),
  /** Embedded server (a fresh child process) or the --target URL. */
  server: Type.Object({ kind: Type.Union([Type.Literal('embedded'), Type.Literal('target')]), url: Type.String() }),
  steps: Type.Array(StepResultSchema),
});
export type TransportResult = Static<typeof TransportResultSchema>;

export const RunStatusSchema = Type.Union([Type.Literal('running'), Type.Literal('complete'), Type.Literal('interrupted'), Type.Literal('failed')]);
export type RunStatus = Static<typeof RunStatusSchema>;

export const ResultsDocumentSchema = Type.Object({
  schema: Type.Literal(RESULTS_SCHEMA_ID),
  /** Written as {@link RESULTS_SCHEMA_VERSION}; version 1 documents are read as they are. */
  version: Type.Union([Type.Literal(1), Type.Literal(RESULTS_SCHEMA_VERSION)]),
  /**
   * running (written after each step while the run goes on; a file left `running` was cut off —
   * kill -9, power loss — with every step finished before), complete, interrupted (Ctrl-C:
   * finished steps kept), failed (a fatal error after some steps). `running` is new in this
   * version's writer; documents written before say `interrupted` while running.
   */
  status: RunStatusSchema,
  startedAt: Type.String(),
  finishedAt: Nullable(Type.String()),
  config: RunConfigSchema,
  environment: EnvironmentSchema,
  results: Type.Array(TransportResultSchema),
  /** A merged document (`wirebench merge`): the shards it was made from. */
  shards: Type.Optional(
    Type.Array(Type.Object({ index: Type.Integer({ minimum: 1 }), status: Type.String(), startedAt: Type.String(), finishedAt: Nullable(Type.String()), sourceAddresses: Type.Optional(Type.Array(Type.String())) })),
  ),
});
export type ResultsDocument = Static<typeof ResultsDocumentSchema>;

/** What was wrong with a results or microbenchmark document: not JSON, not a wirebench document, a version this wirebench does not read, or not the schema's shape. */
export const DOCUMENT_ERROR_KINDS = ['not-json', 'not-results', 'version', 'invalid'] as const;
export type DocumentErrorKind = (typeof DOCUMENT_ERROR_KINDS)[number];

/** Why a document (results, or microbenchmark: load/results/micro-schema.ts) was refused; `type` says what went wrong. */
export class ResultsSchemaError extends Error {
  constructor(
    readonly type: DocumentErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ResultsSchemaError';
  }
}

/** What a versioned wirebench document says it is, and how a refusal names it. */
export interface DocumentKind {
  /** The `schema` field it must carry. */
  id: string;
  /** The `version`s this reader reads. */
  versions: readonly number[];
  /** "results" / "microbenchmark", as in "not a wirebench results document". */
  title: string;
  /** "results" / "micro", as in "results schema version 3 is not supported". */
  schemaName: string;
  /** Appended to a refused version's line (what to do about it). */
  versionAdvice?: string;
}

/**
 * Checks an already-parsed value against `schema` — first its `schema` id, then its version, then
 * the whole shape — and throws {@link ResultsSchemaError} naming the first problem (its JSON path),
 * so a reader can print one clear line. One check for every wirebench document.
 */
export function checkDocument<S extends TSchema>(value: unknown, schema: S, kind: DocumentKind): Static<S> {
  const header = value as { schema?: unknown; version?: unknown } | null;
  if (typeof header !== 'object' || header === null || header.schema !== kind.id) {
    throw new ResultsSchemaError('not-results', `not a wirebench ${kind.title} document (expected "schema": "${kind.id}")`);
  }
  if (typeof header.version !== 'number' || !kind.versions.includes(header.version)) {
    const reads = kind.versions.length === 1 ? `version ${kind.versions[0]}` : `versions ${kind.versions.join(' and ')}`;
    throw new ResultsSchemaError('version', `${kind.schemaName} schema version ${JSON.stringify(header.version)} is not supported (this wirebench reads ${reads})${kind.versionAdvice ?? ''}`);
  }
  if (!Value.Check(schema, value)) {
    const first = Value.Errors(schema, value).First();
    throw new ResultsSchemaError('invalid', `${first?.path || '/'}: ${first?.message ?? `does not match the ${kind.schemaName} schema`}`);
  }
  return value;
}

/** A document file's text as JSON; not JSON is a {@link ResultsSchemaError} of type `not-json`. */
export function parseDocumentJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ResultsSchemaError('not-json', `not valid JSON (${(error as Error).message})`);
  }
}

const RESULTS_KIND: DocumentKind = {
  id: RESULTS_SCHEMA_ID,
  versions: READABLE_SCHEMA_VERSIONS,
  title: 'results',
  schemaName: 'results',
  versionAdvice: '; re-run the bench with this version',
};

/** Validates an already-parsed value as a results document (see {@link checkDocument}). */
export function validateResults(value: unknown): ResultsDocument {
  return checkDocument(value, ResultsDocumentSchema, RESULTS_KIND);
}

/** Parses and validates a results file's text. */
export function parseResults(text: string): ResultsDocument {
  return validateResults(parseDocumentJson(text));
}
