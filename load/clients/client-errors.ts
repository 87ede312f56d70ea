/**
 * Error kinds of the clients, defined once: what a step counts in its `errors` (by kind), what
 * start() rejects with (the runner reads the code), and what the results schema documents. A
 * kind is one of the fixed names below, a numbered family (`http_503`, `ws_close_1006`, …), or
 * the code a socket or TLS library gave (ECONNRESET, ERR_SSL_…, CERT_HAS_EXPIRED) — always
 * upper case, so it never collides with ours. A misspelt kind fails typecheck.
 *
 * Pure module (no imports): the results schema derives its documentation from it.
 */

/** The client error kinds with a fixed name, each documented here. */
export const CLIENT_ERROR_KINDS = [
  /** No answer, no frame, no byte within the client's idle timeout. */
  'timeout',
  /** A socket error without an errno code. */
  'socket_error',
  /** An answer, event or frame that is not the contract's JSON. */
  'parse_error',
  /** A message or signal outside the contract: seq not an integer or far beyond the run's reach, ts not a number. */
  'bad_message',
  /** The server closed the connection (or stream) the client was reading. */
  'closed_by_server',
  /** The client closed it (stop() with a request in flight). */
  'closed_by_client',
  /** The generator reset the connection (the drop fault). */
  'dropped',
  /** An answer without the CORS grant a browser requires for the page's origin. */
  'cors_blocked',
  /** A CORS preflight answered 2xx without allowing the request. */
  'cors_preflight_denied',
  /** An HTTP/2 session error without a code. */
  'h2_error',
  /** An HTTP/2 stream error (ERR_HTTP2_STREAM_ERROR). */
  'h2_stream_error',
  /** The server sent GOAWAY. */
  'h2_goaway',
  /** A WebSocket error without a code. */
  'ws_error',
  /** start() failed without a code (the worker's fallback). */
  'connect_failed',
  /** A chat publish while the WebSocket was not open. */
  'publish_not_connected',
  /** A chat publish refused: more were waiting than the server was answering. */
  'publish_backlog',
  /** An HTTP body over the client's cap (client-limits.ts). */
  'body_too_large',
  /** An SSE line over the client's cap. */
  'sse_line_too_long',
  /** An SSE event over the client's cap. */
  'sse_event_too_large',
  /** A WebSocket frame over the client's cap. */
  'ws_frame_too_large',
  /** A compressed answer that inflates past the client's cap. */
  'inflated_body_too_large',
  /** A Content-Encoding this client does not decode (e.g. zstd from a third-party target). */
  'content_encoding_unsupported',
  /** A body that is not valid in its Content-Encoding. */
  'content_decode_error',
] as const;

/** A fixed-name client error kind. */
export type FixedClientErrorKind = (typeof CLIENT_ERROR_KINDS)[number];

/**
 * Kinds that end in a number: an HTTP status (`http_503`), a WebSocket close code
 * (`ws_close_1006`), an HTTP/2 RST_STREAM code (`h2_rst_8`), a CORS preflight's status.
 */
export const CLIENT_ERROR_KIND_FAMILIES = ['http_', 'ws_close_', 'h2_rst_', 'cors_preflight_'] as const;

/** A numbered client error kind. */
export type NumberedClientErrorKind = `${(typeof CLIENT_ERROR_KIND_FAMILIES)[number]}${number}`;

/** The code a socket, TLS or protocol library gave (ECONNRESET, EMFILE, ERR_SSL_…, WS_ERR_…): upper case. */
export type SystemErrorCode = Uppercase<string>;

/** Every client error kind. */
export type ClientErrorKind = FixedClientErrorKind | NumberedClientErrorKind | SystemErrorCode;

const FIXED = new Set<string>(CLIENT_ERROR_KINDS);
const NUMBERED = new RegExp(`^(?:${CLIENT_ERROR_KIND_FAMILIES.join('|')})\\d+$`);
const SYSTEM_CODE = /^[A-Z][A-Z0-9_]*$/;

/** Is `kind` a client error kind (fixed, numbered, or a library's upper-case code)? */
export function isClientErrorKind(kind: string): kind is ClientErrorKind {
  return FIXED.has(kind) || NUMBERED.test(kind) || SYSTEM_CODE.test(kind);
}

/** One line naming every kind, for the results schema's documentation of `errors`. */
export function describeClientErrorKinds(): string {
  const families = CLIENT_ERROR_KIND_FAMILIES.map((family) => `${family}<n>`).join(', ');
  return `Errors by kind: ${CLIENT_ERROR_KINDS.join(', ')}; ${families}; or a socket/TLS library's upper-case code (ECONNRESET, EMFILE, ERR_SSL_…). Files written by other versions may hold other kinds.`;
}

/** A socket or request failure's kind: the library's code (ECONNRESET, EPIPE, …) when it has an upper-case one, else `fallback`. */
export function errorKind(error: unknown, fallback: ClientErrorKind): ClientErrorKind {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && SYSTEM_CODE.test(code) ? (code as SystemErrorCode) : fallback;
}

/** A failed start()'s kind, read back from the coded Error it rejected with (or `fallback`). */
export function startFailureKind(error: unknown, fallback: ClientErrorKind): ClientErrorKind {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && isClientErrorKind(code) ? code : fallback;
}

/** An Error carrying `code`, what start() rejects with (the runner reads the code). */
export function codedError(code: ClientErrorKind, message: string): Error & { code: ClientErrorKind } {
  return Object.assign(new Error(message), { code });
}
