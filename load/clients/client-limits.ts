/**
 * How much of a target's answer a client holds at most, derived from the run's configuration.
 * A target is untrusted (it may be broken — often why it is benchmarked): an endless chunked
 * body, an SSE line that never ends, a 99 MB WebSocket frame must cost a bounded amount of
 * memory and end as a named error kind the step reports, never grow until the machine swaps.
 *
 * A healthy wirebench server never comes near these caps: one message is its JSON text
 * (`seq`, `ts`, optional `sent`, `data` of `size` ASCII bytes), a poll answer holds at most the
 * messages published since the previous answer — bounded by the history a server keeps.
 */
import type { FixedClientErrorKind } from './client-errors.js';

/** Error kinds a client reports when an answer exceeds its cap (counted in the step's errors). */
export const LIMIT_ERROR = {
  body: 'body_too_large',
  sseLine: 'sse_line_too_long',
  sseEvent: 'sse_event_too_large',
  wsFrame: 'ws_frame_too_large',
  /** A compressed poll / long-poll body that inflates past the body cap (a decompression bomb). */
  inflated: 'inflated_body_too_large',
  /** A message or signal outside the contract: seq not an integer or far beyond any this run can reach, ts not a number. */
  badMessage: 'bad_message',
} as const satisfies Record<string, FixedClientErrorKind>;

export interface ClientLimits {
  /** One message's text (a WebSocket frame, an SSE event's data, a poll array element), bytes. */
  messageBytes: number;
  /** One HTTP response body (a poll / long-poll answer), bytes. */
  bodyBytes: number;
  /** One SSE line (field name and value), characters. */
  sseLineChars: number;
  /**
   * Largest seq − starting cursor a client tracks: it keeps one byte per seq of its range, so a
   * target announcing seq 10^15 must not make it allocate that much.
   */
  seqSpan: number;
}

/** What the caps are derived from (RunConfig's fields of the same names). */
export interface LimitInputs {
  /** Payload bytes per message. */
  size: number;
  /** Feed messages per second, plus every publisher's messages per second (chat). */
  messagesPerSec: number;
  /** Short-poll interval, ms (the longest a poll answer accumulates messages for). */
  intervalMs: number;
  /** How long a step's clients live: ramp-up, warm-up, window and teardown, ms. Default 10 min. */
  stepMs?: number;
}

/**
 * Messages a wirebench server keeps for resumes (its default history): no correct answer holds
 * more. A third-party target may keep more, but answering with more than this at once is not
 * something a benchmark needs to absorb.
 */
export const MAX_BATCH_MESSAGES = 1024;
/** JSON around the payload: `{"seq":…,"ts":…,"sent":…,"data":""}` with room to spare. */
const MESSAGE_ENVELOPE_BYTES = 1024;

export function clientLimits(inputs: LimitInputs): ClientLimits {
  // Twice the payload: a third-party server may escape characters our feed never produces.
  const messageBytes = 2 * inputs.size + MESSAGE_ENVELOPE_BYTES;
  // What one answer may carry: four periods' worth of messages (a late poll, a slow generator),
  // at least 64, at most the history.
  const periodS = Math.max(inputs.intervalMs, 1000) / 1000;
  const batch = Math.min(MAX_BATCH_MESSAGES + 1, Math.max(64, Math.ceil(4 * inputs.messagesPerSec * periodS)));
  return {
    messageBytes,
    // `[`, `]`, a comma per element, and the gap signal's element.
    bodyBytes: 2 + batch * (messageBytes + 1),
    // `data: ` / `id: ` / `event: ` plus the value.
    sseLineChars: messageBytes + 64,
    // Twice what the step can publish, plus room for gaps of a few histories.
    seqSpan: Math.ceil(2 * inputs.messagesPerSec * ((inputs.stepMs ?? 600_000) / 1000)) + 4 * MAX_BATCH_MESSAGES,
  };
}

/** Caps for clients built without a run configuration (tests, the library's defaults). */
export const DEFAULT_CLIENT_LIMITS: ClientLimits = clientLimits({ size: 64, messagesPerSec: 1, intervalMs: 1000 });

/** Largest /healthz answer read (it is a few dozen bytes). */
export const HEALTHZ_MAX_BYTES = 64 * 1024;
/** Largest /stats answer read (a few KB, most of it the encoded fan-out histogram). */
export const STATS_MAX_BYTES = 1024 * 1024;
