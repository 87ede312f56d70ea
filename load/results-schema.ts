/**
 * The results schema: the one place that says what a results document holds. load/ writes it,
 * reports/ reads it, compare diffs two of them. Types and the JSON Schema are the same object
 * (TypeBox), so they cannot drift; documents are validated on write and on read.
 *
 * Units are in field names (Us = microseconds, Ms = milliseconds, Bytes, Mbps = 10^6 bit/s).
 * Histograms are HDR histograms (integers, µs) stored encoded (compressed base64, the
 * HdrHistogram interchange format) so runs and shards can be merged later without loss.
 *
 * Pure module: no I/O, no load/ runtime; reports/ may import it.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const RESULTS_SCHEMA_ID = 'wirebench/results';
/** Bump on any incompatible change; readers refuse (or migrate) other versions. */
export const RESULTS_SCHEMA_VERSION = 1;

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const TransportNameSchema = Type.Union([
  Type.Literal('poll'),
  Type.Literal('longpoll'),
  Type.Literal('sse'),
  Type.Literal('ws'),
]);

/** Percentiles plus the encoded histogram they came from. */
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

export const ByteSplitSchema = Type.Object({
  totalBytes: Type.Integer({ minimum: 0 }),
  /** Bytes of message text (the serialized feed messages, or the publish bodies upstream). */
  payloadBytes: Type.Integer({ minimum: 0 }),
  /** totalBytes − payloadBytes: headers, framing, handshakes, heartbeats, reconnects. */
  overheadBytes: Type.Integer({ minimum: 0 }),
});
export type ByteSplit = Static<typeof ByteSplitSchema>;

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
  /** Errors by kind (e.g. ECONNRESET, http_503, ws_close_1009). */
  errors: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
  /** Upstream messages published by this step's publishers (chat workload). */
  published: Type.Integer({ minimum: 0 }),
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
  connectionsAtEnd: Type.Integer({ minimum: 0 }),
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
});
export type WireSample = Static<typeof WireSampleSchema>;

/** Everything measured for one (transport, clients) step in one repeat. */
export const MeasurementSchema = Type.Object({
  clientsConnected: Type.Integer({ minimum: 0 }),
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
});
export type Measurement = Static<typeof MeasurementSchema>;

const StepBase = {
  clients: Type.Integer({ minimum: 1 }),
  startedAt: Type.String(),
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
  /** Compression is off unless asked for (then on for every transport that supports it). */
  compression: Type.Boolean(),
  repeat: Type.Integer({ minimum: 1 }),
  /** Set when benching an already running server (--target). */
  target: Nullable(Type.String()),
  preset: Nullable(Type.String()),
});
export type RunConfig = Static<typeof RunConfigSchema>;

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
});
export type Environment = Static<typeof EnvironmentSchema>;

export const TransportResultSchema = Type.Object({
  transport: TransportNameSchema,
  /** Embedded server (a fresh child process) or the --target URL. */
  server: Type.Object({ kind: Type.Union([Type.Literal('embedded'), Type.Literal('target')]), url: Type.String() }),
  steps: Type.Array(StepResultSchema),
});
export type TransportResult = Static<typeof TransportResultSchema>;

export const ResultsDocumentSchema = Type.Object({
  schema: Type.Literal(RESULTS_SCHEMA_ID),
  version: Type.Literal(RESULTS_SCHEMA_VERSION),
  /** complete; interrupted (Ctrl-C: finished steps kept); failed (a fatal error after some steps). */
  status: Type.Union([Type.Literal('complete'), Type.Literal('interrupted'), Type.Literal('failed')]),
  startedAt: Type.String(),
  finishedAt: Nullable(Type.String()),
  config: RunConfigSchema,
  environment: EnvironmentSchema,
  results: Type.Array(TransportResultSchema),
});
export type ResultsDocument = Static<typeof ResultsDocumentSchema>;

/** Why a document was refused; `type` says what went wrong. */
export class ResultsSchemaError extends Error {
  constructor(
    readonly type: 'not-json' | 'not-results' | 'version' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'ResultsSchemaError';
  }
}

/**
 * Validates an already-parsed value; throws {@link ResultsSchemaError} naming the first problem
 * (its JSON path), so a reader can print one clear line.
 */
export function validateResults(value: unknown): ResultsDocument {
  const header = value as { schema?: unknown; version?: unknown } | null;
  if (typeof header !== 'object' || header === null || header.schema !== RESULTS_SCHEMA_ID) {
    throw new ResultsSchemaError('not-results', `not a wirebench results document (expected "schema": "${RESULTS_SCHEMA_ID}")`);
  }
  if (header.version !== RESULTS_SCHEMA_VERSION) {
    throw new ResultsSchemaError(
      'version',
      `results schema version ${JSON.stringify(header.version)} is not supported (this wirebench reads version ${RESULTS_SCHEMA_VERSION}); re-run the bench with this version`,
    );
  }
  if (!Value.Check(ResultsDocumentSchema, value)) {
    const first = Value.Errors(ResultsDocumentSchema, value).First();
    const where = first?.path || '/';
    throw new ResultsSchemaError('invalid', `${where}: ${first?.message ?? 'does not match the results schema'}`);
  }
  return value;
}

/** Parses and validates a results file's text. */
export function parseResults(text: string): ResultsDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ResultsSchemaError('not-json', `not valid JSON (${(error as Error).message})`);
  }
  return validateResults(value);
}
