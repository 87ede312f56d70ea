/**
 * Options of a wirebench server: one doc line and one default each, validated once at
 * construction so that a bad value fails before anything listens.
 */
import { COMPRESSIONS, PAYLOADS, TRANSPORTS, type Compression, type PayloadKind, type TransportName, isTransportName } from './contract.js';
import { createSecureContext } from 'node:tls';
import type { TlsIdentity } from './tls-identity.js';
import { checkFeedState, type FeedState } from './feed-state.js';

export interface WirebenchServerOptions {
  /** Transports whose routes are registered (the others answer 404). Default: all four. */
  transports?: readonly TransportName[];
  /** Bind address. Default `127.0.0.1` (loopback only). */
  host?: string;
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Feed ticks per second; 0 = no ticks (upstream publishes only). Default 1. */
  rate?: number;
  /** Payload (`data`) length of each feed tick, ASCII bytes. Default 64. */
  sizeBytes?: number;
  /** What each feed tick's `data` is (contract.ts PAYLOADS): the repeated string, or varying JSON price ticks / chat messages near `sizeBytes`. Default `repeat`. */
  payload?: PayloadKind;
  /**
   * Compression on every transport (contract.ts COMPRESSIONS): `off` answers uncompressed whatever a
   * client offers; `on` / `no-context-takeover` compress where the client asks (permessage-deflate
   * offer, Accept-Encoding). Default `off` (a fair comparison of the transports' own bytes).
   */
  compression?: Compression;
  /** Messages kept for resumes (ring buffer); older cursors get the gap signal. Default 1024. */
  historyLength?: number;
  /** How long a long-poll request is held before an empty answer, ms. Default 30 000. */
  holdMs?: number;
  /** SSE comment / WebSocket ping interval, ms; 0 = none. Default 15 000. */
  heartbeatMs?: number;
  /** Per-connection cap on bytes queued for an SSE or WebSocket client before it is dropped. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Largest `POST /publish` body and upstream WebSocket frame, bytes. Default 64 KiB. */
  publishLimitBytes?: number;
  /**
   * Host names served besides localhost, IP addresses and `host` (DNS rebinding protection);
   * `*` = any. A request under another name gets 403 / a refused handshake. Default [].
   */
  allowedHosts?: readonly string[];
  /** A request's head and body must arrive within this, ms (408 otherwise); answers are not bounded by it. Default 30 000. */
  requestTimeoutMs?: number;
  /**
   * Origin allow-list: the CORS grant for /poll, /longpoll, /sse, /publish (with preflights), and
   * the 403 for /ws, /sse, /publish from other origins; empty = no Origin check and no CORS grant. Default [].
   */
  allowedOrigins?: readonly string[];
  /** CORS: send `Access-Control-Allow-Credentials: true` (cookies / auth on cross-origin requests). Default false. */
  corsCredentials?: boolean;
  /** CORS: `Access-Control-Max-Age` of preflight answers, seconds; 0 = browsers must not cache them. Default 7200 (Chromium's cap). */
  corsMaxAgeSeconds?: number;
  /** For regression tests: bytes of an `X-Wirebench-Pad` header on every HTTP response and WS handshake. Default 0. */
  padHeaderBytes?: number;
  /** For regression tests: every message becomes visible (delivered, pollable) this many ms after publish. Default 0. */
  deliveryDelayMs?: number;
  /**
   * An SSE stream whose socket took no byte for this long while data waited for it is cut, counted
   * as `stalledDropped` (a frozen peer, once the TCP buffers between us are full); 0 = never. Default 10 000.
   */
  writeStallTimeoutMs?: number;
  /**
   * A long-poll connection that was answered and sent no next request within this is closed,
   * counted as `idleDropped` (a frozen or vanished client; a live one re-polls at once); 0 = never
   * (the 72 s keep-alive timeout then closes it, uncounted). Default 10 000.
   */
  idleTimeoutMs?: number;
  /**
   * Continue a stream handed over by a server that was closed gracefully (its `handOver()`; `serve
   * --state-file`): its epoch and history, seq going on after its head, so clients resume without
   * loss or reset. Absent: a new stream (new epoch, empty history). Default absent.
   */
  continueFrom?: FeedState;
  /** On close, how long streams get to end cleanly before their sockets are destroyed, ms. Default 500. */
  closeGraceMs?: number;
  /**
   * Connections waiting to be accepted (listen(2)'s backlog; the kernel caps it at
   * net.core.somaxconn). Past it, a burst of connects is met with SYN cookies and retransmitted
   * handshakes that take seconds. Default 511 (Node's).
   */
  backlog?: number;
  /**
   * TLS for every transport (HTTPS, WSS): the given PEM key and certificate, or `'self-signed'`
   * for one made at start (servers/tls-identity.ts). Default: none (cleartext).
   */
  tls?: TlsIdentity | 'self-signed';
  /**
   * For tests of the clock-offset estimate: this server's clock (`ts`, `sent` echo aside, and
   * /healthz `nowUs`) runs this many ms ahead of the host's monotonic clock, as another host's
   * would. Default 0.
   */
  clockSkewMs?: number;
  /**
   * HTTP/2 for poll, long-poll, SSE and publish. Over TLS: ALPN `h2` with HTTP/1.1 fallback (so
   * WebSocket, which stays HTTP/1.1 — RFC 8441 is not in ws — is served beside it). Cleartext:
   * h2c with prior knowledge only, no HTTP/1.1, so no WebSocket. Default false.
   */
  http2?: boolean;
}

export type ResolvedServerOptions = Required<Omit<WirebenchServerOptions, 'transports' | 'allowedOrigins' | 'allowedHosts' | 'tls' | 'continueFrom'>> & {
  continueFrom: FeedState | undefined;
  allowedHosts: readonly string[];
  tls: TlsIdentity | 'self-signed' | null;
  transports: readonly TransportName[];
  allowedOrigins: ReadonlySet<string>;
};

/**
 * The environment variable servers/entry.ts reads its options document from (servers/server-lifecycle.ts
 * `ServerDocument`, one JSON object).
 */
export const SERVER_DOCUMENT_ENV = 'WIREBENCH_SERVER_OPTIONS';

export const SERVER_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  rate: 1,
  sizeBytes: 64,
  payload: 'repeat',
  compression: 'off',
  historyLength: 1024,
  holdMs: 30_000,
  heartbeatMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  publishLimitBytes: 64 * 1024,
  padHeaderBytes: 0,
  deliveryDelayMs: 0,
  closeGraceMs: 500,
  backlog: 511,
  writeStallTimeoutMs: 10_000,
  idleTimeoutMs: 10_000,
  clockSkewMs: 0,
  requestTimeoutMs: 30_000,
  corsCredentials: false,
  // The longest Chromium honours (it caps Access-Control-Max-Age at 2 h; Firefox at 24 h).
  corsMaxAgeSeconds: 7200,
} as const;

/** Upper bounds that keep one process sane; a bigger value is almost surely a typo. */
const LIMITS = {
  rate: 1_000_000,
  sizeBytes: 16 * 1024 * 1024,
  historyLength: 10_000_000,
  durationMs: 24 * 3_600_000,
  corsMaxAgeSeconds: 365 * 86_400,
  bytes: 1024 * 1024 * 1024,
  padHeaderBytes: 64 * 1024,
} as const;

/** A bad option given to the library: `option` names it, `accepted` says what would do. */
export class ServerOptionsError extends Error {
  constructor(
    readonly option: keyof WirebenchServerOptions,
    readonly value: unknown,
    readonly accepted: string,
  ) {
    super(`${option} ${JSON.stringify(value)} is not valid: ${accepted}`);
    this.name = 'ServerOptionsError';
  }
}

export function resolveServerOptions(options: WirebenchServerOptions = {}): ResolvedServerOptions {
  const listed = stringList('transports', options.transports ?? TRANSPORTS);
  const transports = listed.filter(isTransportName);
  if (transports.length === 0 || transports.length !== listed.length) {
    throw new ServerOptionsError('transports', listed, `use one or more of ${TRANSPORTS.join(', ')}`);
  }
  const host = options.host ?? SERVER_DEFAULTS.host;
  if (typeof host !== 'string' || host.trim() === '') {
    throw new ServerOptionsError('host', host, 'use an address or host name, e.g. 127.0.0.1');
  }
  if (options.http2 === true && options.tls === undefined && transports.includes('ws')) {
    throw new ServerOptionsError('http2', true, 'cleartext HTTP/2 (h2c) has no HTTP/1.1 beside it, so no WebSocket: serve h2c without ws, or HTTP/2 over TLS (tls), where WebSocket stays on HTTP/1.1');
  }
  return {
    transports: [...new Set(transports)],
    host,
    port: integer('port', options.port ?? SERVER_DEFAULTS.port, 0, 65_535),
    rate: number('rate', options.rate ?? SERVER_DEFAULTS.rate, LIMITS.rate),
    sizeBytes: integer('sizeBytes', options.sizeBytes ?? SERVER_DEFAULTS.sizeBytes, 0, LIMITS.sizeBytes),
    payload: choice('payload', options.payload ?? SERVER_DEFAULTS.payload, PAYLOADS),
    compression: choice('compression', options.compression ?? SERVER_DEFAULTS.compression, COMPRESSIONS),
    historyLength: integer('historyLength', options.historyLength ?? SERVER_DEFAULTS.historyLength, 1, LIMITS.historyLength),
    holdMs: number('holdMs', options.holdMs ?? SERVER_DEFAULTS.holdMs, LIMITS.durationMs, { positive: true }),
    heartbeatMs: number('heartbeatMs', options.heartbeatMs ?? SERVER_DEFAULTS.heartbeatMs, LIMITS.durationMs),
    maxBufferedBytes: integer('maxBufferedBytes', options.maxBufferedBytes ?? SERVER_DEFAULTS.maxBufferedBytes, 1024, LIMITS.bytes),
    publishLimitBytes: integer('publishLimitBytes', options.publishLimitBytes ?? SERVER_DEFAULTS.publishLimitBytes, 64, LIMITS.bytes),
    allowedOrigins: new Set(stringList('allowedOrigins', options.allowedOrigins ?? []).map(normalizeOrigin)),
    allowedHosts: stringList('allowedHosts', options.allowedHosts ?? []).map(normalizeAllowedHost),
    requestTimeoutMs: number('requestTimeoutMs', options.requestTimeoutMs ?? SERVER_DEFAULTS.requestTimeoutMs, LIMITS.durationMs, { positive: true }),
    corsCredentials: boolean('corsCredentials', options.corsCredentials ?? SERVER_DEFAULTS.corsCredentials),
    corsMaxAgeSeconds: integer('corsMaxAgeSeconds', options.corsMaxAgeSeconds ?? SERVER_DEFAULTS.corsMaxAgeSeconds, 0, LIMITS.corsMaxAgeSeconds),
    padHeaderBytes: integer('padHeaderBytes', options.padHeaderBytes ?? SERVER_DEFAULTS.padHeaderBytes, 0, LIMITS.padHeaderBytes),
    deliveryDelayMs: number('deliveryDelayMs', options.deliveryDelayMs ?? SERVER_DEFAULTS.deliveryDelayMs, LIMITS.durationMs),
    writeStallTimeoutMs: number('writeStallTimeoutMs', options.writeStallTimeoutMs ?? SERVER_DEFAULTS.writeStallTimeoutMs, LIMITS.durationMs),
    idleTimeoutMs: number('idleTimeoutMs', options.idleTimeoutMs ?? SERVER_DEFAULTS.idleTimeoutMs, LIMITS.durationMs),
    continueFrom: feedState(options.continueFrom),
    closeGraceMs: number('closeGraceMs', options.closeGraceMs ?? SERVER_DEFAULTS.closeGraceMs, 60_000),
    backlog: integer('backlog', options.backlog ?? SERVER_DEFAULTS.backlog, 1, 1_000_000),
    tls: tlsOption(options.tls),
    clockSkewMs: clockSkew(options.clockSkewMs ?? SERVER_DEFAULTS.clockSkewMs),
    http2: boolean('http2', options.http2 ?? false),
  };
}

/** A skew either way, within a day (a larger one is a typo). */
function clockSkew(value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > LIMITS.durationMs) {
    throw new ServerOptionsError('clockSkewMs', value, `use a number of ms between -${LIMITS.durationMs} and ${LIMITS.durationMs}`);
  }
  return value;
}

/**
 * `https://example.com:8443` → itself; anything that is not a bare http(s) origin throws.
 * Browsers send the serialized origin (RFC 6454 §6.2), so the allow-list is compared in that form.
 */
export function normalizeOrigin(raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  const bare = url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && (url.pathname === '/' || url.pathname === '') && url.search === '' && url.hash === '';
  if (url === undefined || !bare) {
    throw new ServerOptionsError('allowedOrigins', raw, 'use a bare http(s) origin such as https://example.com:8443 (no path)');
  }
  return url.origin;
}

function tlsOption(value: WirebenchServerOptions['tls']): ResolvedServerOptions['tls'] {
  if (value === undefined) return null;
  if (value === 'self-signed') return value;
  const pem = (text: unknown, label: string): boolean => typeof text === 'string' && text.includes(`-----BEGIN ${label}`);
  if (typeof value !== 'object' || value === null || !pem(value.key, '') || !pem(value.cert, 'CERTIFICATE')) {
    throw new ServerOptionsError('tls', typeof value === 'object' && value !== null ? '{key, cert}' : value, "use 'self-signed' or { key, cert } in PEM (-----BEGIN … PRIVATE KEY----- and -----BEGIN CERTIFICATE-----)");
  }
  try {
    // A key that does not match the certificate, or PEM that does not parse, fails here, before anything listens.
    createSecureContext({ key: value.key, cert: value.cert });
  } catch (error) {
    throw new ServerOptionsError('tls', '{key, cert}', `the key and certificate do not make a TLS identity (${(error as Error).message}): give a matching PEM pair`);
  }
  return { key: value.key, cert: value.cert };
}

function feedState(value: unknown): FeedState | undefined {
  if (value === undefined) return undefined;
  const state = checkFeedState(value);
  if ('reason' in state) throw new ServerOptionsError('continueFrom', '…', `hand over what a server's handOver() returned (${state.reason})`);
  return state;
}

function stringList(option: keyof WirebenchServerOptions, value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw new ServerOptionsError(option, value, 'use a list of strings');
  return value as string[];
}

function choice<T extends string>(option: keyof WirebenchServerOptions, value: unknown, accepted: readonly T[]): T {
  if (typeof value !== 'string' || !(accepted as readonly string[]).includes(value)) throw new ServerOptionsError(option, value, `use one of ${accepted.join(', ')}`);
  return value as T;
}

function boolean(option: keyof WirebenchServerOptions, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ServerOptionsError(option, value, 'use true or false');
  return value;
}

/** A host name for the Host allow-list: letters, digits, dots, dashes (or `*`). */
export function normalizeAllowedHost(raw: string): string {
  if (raw !== '*' && !/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/i.test(raw)) {
    throw new ServerOptionsError('allowedHosts', raw, 'use a host name such as bench.example.com, or * for any');
  }
  return raw.toLowerCase();
}

function integer(option: keyof WirebenchServerOptions, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ServerOptionsError(option, value, `use an integer from ${min} to ${max}`);
  }
  return value;
}

function number(option: keyof WirebenchServerOptions, value: number, max: number, { positive = false } = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0) || value > max) {
    const unit = option.endsWith('Ms') ? ' ms' : '';
    throw new ServerOptionsError(option, value, `use a ${positive ? 'positive' : 'non-negative'} number up to ${max}${unit}`);
  }
  return value;
}
