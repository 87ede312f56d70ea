/**
 * The bytes model: what each transport *should* cost per delivered message, computed from the
 * run's configuration and the header and frame sizes one client actually saw (`measurement.wire`).
 * The report sets it beside the measured figure; the residual says how much of the measured cost
 * the simple model does not explain (batching, retries, heartbeats, reconnects, TCP-level effects).
 *
 * Notation: r = messages/s each client should receive, I = short-poll interval (s), H = long-poll
 * hold (s), L = message text bytes (measured payload per delivered message — the model explains
 * overhead, it takes the payload as given), w = the wire sample.
 *
 * - Short polling. A client polls 1/I times a second whatever the feed does, so
 *   polls per message = 1 / (r·I): many empty polls when r·I < 1, several messages per answer when
 *   r·I > 1. Each poll costs w.requestBytes up and w.responseHeadBytes + w.emptyBodyBytes down
 *   (the `[]` of the JSON array, which every answer has). A message adds L, and, when answers carry
 *   more than one message, a separator (w.framingBytesPerMessage) for all but the first of each
 *   answer: separators per message = max(0, 1 − 1/(r·I)).
 * - Long-polling. Every message is answered by its own response (one request + response head +
 *   `[]` + L), which holds while 1/r is well above the round trip; at higher rates answers batch
 *   and the measured figure falls below the model. When the hold H is shorter than the gap 1/r,
 *   ⌈1/(r·H)⌉ − 1 empty answers (a request and an empty response each) precede every message.
 * - SSE and WebSocket. A message costs L + w.framingBytesPerMessage (SSE `id:`/`data:` fields,
 *   blank line and chunk framing; the WebSocket frame header). The handshake (w.requestBytes up,
 *   w.responseHeadBytes down) is paid once per connection: the measured window starts after every
 *   client connected, so the model counts the connects the window actually saw
 *   (window.requests — reconnects) amortized over the window's delivered messages.
 * - Heartbeats: every heartbeat interval B the server sends one SSE comment or WebSocket ping
 *   (w.heartbeatBytes) down, and a WebSocket client answers with a pong of the same size plus the
 *   4-byte mask (RFC 6455 §5.3) up: heartbeats per message = 1 / (r·B).
 * - CORS preflights (cross-origin runs): each costs w.preflightRequestBytes up and
 *   w.preflightResponseBytes down; like connects, the model counts the preflights the window
 *   actually saw (window.preflight.requests, which the browser's preflight cache decides: a poll
 *   whose cursor moved is a new URL) amortized over delivered messages. The Origin header and the
 *   CORS answer headers are inside the sampled request and head sizes, so they sit in `headers`.
 * - Chat workload: each published message costs w.publishUpBytes up and w.publishDownBytes down
 *   (the POST and its answer, or a masked frame), amortized over delivered messages by the
 *   observed published ÷ delivered; the publish body is the up payload.
 */
import type { Measurement, RunConfig } from '../load/results/results-schema.js';

/** Client-to-server WebSocket frames carry a 4-byte masking key (RFC 6455 §5.3). */
const WS_CLIENT_MASK_BYTES = 4;

/** Bytes per delivered message, split by what they are for. */
export interface BytesBreakdown {
  payload: number;
  headers: number;
  framing: number;
  handshake: number;
  heartbeats: number;
  publish: number;
  /** CORS preflights (OPTIONS and its answer), cross-origin runs. */
  preflight: number;
}

export interface BytesModel {
  down: BytesBreakdown;
  up: BytesBreakdown;
  downBytes: number;
  upBytes: number;
  totalBytes: number;
  /** HTTP requests per delivered message the model assumes (polls, long-polls, or connects). */
  requestsPerMessage: number;
}

export const BREAKDOWN_PARTS = ['payload', 'headers', 'framing', 'handshake', 'heartbeats', 'publish', 'preflight'] as const;

/**
 * Messages a second each client should receive. The chat workload adds its publishers' messages to
 * the feed (every client receives every published message).
 */
export function messagesPerSecPerClient(config: RunConfig): number {
  const upstream = config.workload === 'chat' ? config.publishers * config.publishRate : 0;
  return config.rate + upstream;
}

/** Short polling: polls per delivered message, 1 / (r·I). */
export function pollsPerMessage(config: RunConfig): number {
  return 1 / (messagesPerSecPerClient(config) * (config.intervalMs / 1000));
}

/** Long-polling: empty (hold-expired) answers before each message, ⌈1/(r·H)⌉ − 1, at least 0. */
export function longPollEmptyAnswersPerMessage(config: RunConfig): number {
  const gapOverHold = 1 / (messagesPerSecPerClient(config) * (config.holdMs / 1000));
  return Math.max(0, Math.ceil(gapOverHold - 1e-9) - 1);
}

function zero(): BytesBreakdown {
  return { payload: 0, headers: 0, framing: 0, handshake: 0, heartbeats: 0, publish: 0, preflight: 0 };
}

export function sumBreakdown(parts: BytesBreakdown): number {
  return BREAKDOWN_PARTS.reduce((sum, part) => sum + parts[part], 0);
}

/** The model for one measured step, or null when nothing was delivered (no per-message figure). */
export function modelBytesPerMessage(transport: string, config: RunConfig, measurement: Measurement): BytesModel | null {
  const { window, wire } = measurement;
  const delivered = window.messages.delivered;
  if (delivered <= 0) return null;
  const down = zero();
  const up = zero();
  down.payload = window.bytes.down.payloadBytes / delivered;
  up.payload = window.bytes.up.payloadBytes / delivered;
  let requestsPerMessage: number;

  if (transport === 'poll') {
    const polls = pollsPerMessage(config);
    requestsPerMessage = polls;
    up.headers = polls * wire.requestBytes;
    down.headers = polls * wire.responseHeadBytes;
    down.framing = polls * wire.emptyBodyBytes + Math.max(0, 1 - polls) * wire.framingBytesPerMessage;
  } else if (transport === 'longpoll') {
    const answers = 1 + longPollEmptyAnswersPerMessage(config);
    requestsPerMessage = answers;
    up.headers = answers * wire.requestBytes;
    down.headers = answers * wire.responseHeadBytes;
    down.framing = answers * wire.emptyBodyBytes;
  } else {
    // A stream (SSE, WebSocket, and any stream transport added later).
    const connects = window.requests / delivered;
    requestsPerMessage = connects;
    down.framing = wire.framingBytesPerMessage;
    const heartbeats = config.heartbeatMs > 0 ? 1000 / config.heartbeatMs / messagesPerSecPerClient(config) : 0;
    down.heartbeats = heartbeats * wire.heartbeatBytes;
    if (transport === 'ws' && wire.heartbeatBytes > 0) up.heartbeats = heartbeats * (wire.heartbeatBytes + WS_CLIENT_MASK_BYTES);
    up.handshake = connects * wire.requestBytes;
    down.handshake = connects * wire.responseHeadBytes;
  }

  const preflights = window.preflight?.requests ?? 0;
  if (preflights > 0) {
    up.preflight = (preflights / delivered) * (wire.preflightRequestBytes ?? 0);
    down.preflight = (preflights / delivered) * (wire.preflightResponseBytes ?? 0);
  }

  if (config.workload === 'chat' && window.published > 0) {
    const publishesPerMessage = window.published / delivered;
    // publishUpBytes already holds the publish body, which is counted as up payload.
    up.publish = Math.max(0, publishesPerMessage * wire.publishUpBytes - up.payload);
    down.publish = publishesPerMessage * wire.publishDownBytes;
  }

  const downBytes = sumBreakdown(down);
  const upBytes = sumBreakdown(up);
  return { down, up, downBytes, upBytes, totalBytes: downBytes + upBytes, requestsPerMessage };
}

/** (measured − model) ÷ model, in %; null when the model predicts nothing to compare against. */
export function residualPercent(measured: number, modeled: number): number | null {
  if (!(modeled > 0) || !Number.isFinite(measured)) return null;
  return ((measured - modeled) / modeled) * 100;
}
