/**
 * `wirebench serve`'s options: one row per flag, keyed by the option of the server's typed
 * document it sets (servers/server-lifecycle.ts `ServerDocument`, what servers/entry.ts takes), so
 * flags → document is one pass through the table (TLS: three flags make one `tls`). Defaults are
 * the library's (SERVER_DEFAULTS), except the port a user expects.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import type { ServerDocument } from '../servers/server-lifecycle.js';
import {
  normalizeAllowedHost,
  normalizeOrigin,
  resolveServerOptions,
  SERVER_DEFAULTS,
  ServerOptionsError,
} from '../servers/server-options.js';
import { UsageError } from './exit-codes.js';
import { addOptionTable, attributeName, durationDefault, flagName, parseOptionTable, type OptionRow } from './option-table.js';
import { parseChoice, parseDurationMs, parsePositiveInt, parsePositiveNumber, parseTransports } from './options.js';
import { COMPRESSIONS, PAYLOADS } from '../servers/contract.js';

/** A repeatable flag's value, checked by the library's own normalizer (one line naming the value). */
function normalized(normalize: (raw: string) => string): (raw: string, flag: string) => string {
  return (raw, flag) => {
    try {
      return normalize(raw);
    } catch (error) {
      if (error instanceof ServerOptionsError) throw new UsageError(`${flag} ${JSON.stringify(raw)} is not valid: ${error.accepted}`);
      throw error;
    }
  };
}

export const SERVE_OPTIONS = {
  transports: {
    flags: '--transport <list>',
    help: 'transports to serve: poll, longpoll, sse, ws (comma-separated) or all',
    default: 'all',
    parse: (raw: string, flag: string) => parseTransports(flag, raw),
  },
  host: { flags: '--host <address>', help: 'bind address (loopback unless told otherwise)', default: SERVER_DEFAULTS.host, parse: (raw: string) => raw },
  port: { flags: '--port <n>', help: 'TCP port; 0 picks a free one', default: '8080', parse: (raw: string, flag: string) => parsePositiveInt(flag, raw, { min: 0, max: 65_535 }) },
  rate: {
    flags: '--rate <msg/s>',
    help: 'feed messages per second; 0 = none (upstream publishes only)',
    default: String(SERVER_DEFAULTS.rate),
    parse: (raw: string, flag: string) => parsePositiveNumber(flag, raw, { allowZero: true }),
  },
  sizeBytes: { flags: '--size <bytes>', help: 'payload bytes per feed message', default: String(SERVER_DEFAULTS.sizeBytes), parse: (raw: string, flag: string) => parsePositiveInt(flag, raw, { min: 0 }) },
  payload: {
    flags: '--payload <kind>',
    help: `what each feed message's data is: ${PAYLOADS.join(', ')} (one repeated string; varying JSON price ticks; varying JSON chat messages — near --size, deterministic per seq)`,
    default: SERVER_DEFAULTS.payload,
    parse: (raw: string, flag: string) => parseChoice(flag, raw, PAYLOADS),
  },
  compression: {
    flags: '--compression <mode>',
    help: `${COMPRESSIONS.join(', ')}: WebSocket permessage-deflate (no-context-takeover: each message alone), SSE as a gzip stream flushed per event, poll/long-poll bodies br or gzip when the request accepts it; off answers uncompressed whatever is offered`,
    default: SERVER_DEFAULTS.compression,
    parse: (raw: string, flag: string) => parseChoice(flag, raw, COMPRESSIONS),
  },
  historyLength: {
    flags: '--history <n>',
    help: 'messages kept for resumes; older cursors get a gap signal',
    default: String(SERVER_DEFAULTS.historyLength),
    parse: (raw: string, flag: string) => parsePositiveInt(flag, raw),
  },
  holdMs: { flags: '--hold <duration>', help: 'long-poll hold before an empty answer', default: durationDefault(SERVER_DEFAULTS.holdMs), parse: (raw: string, flag: string) => parseDurationMs(flag, raw) },
  heartbeatMs: {
    flags: '--heartbeat <duration>',
    help: 'SSE comment / WebSocket ping interval; 0 = none',
    default: durationDefault(SERVER_DEFAULTS.heartbeatMs),
    parse: (raw: string, flag: string) => parseDurationMs(flag, raw, { allowZero: true }),
  },
  maxBufferedBytes: {
    flags: '--max-buffered-bytes <bytes>',
    help: 'per-connection send buffer cap (SSE, WebSocket); past it the client is dropped',
    default: String(SERVER_DEFAULTS.maxBufferedBytes),
    parse: (raw: string, flag: string) => parsePositiveInt(flag, raw),
  },
  publishLimitBytes: {
    flags: '--publish-limit <bytes>',
    help: 'largest POST /publish body and upstream WebSocket frame',
    default: String(SERVER_DEFAULTS.publishLimitBytes),
    parse: (raw: string, flag: string) => parsePositiveInt(flag, raw),
  },
  allowedOrigins: {
    flags: '--origin <url>',
    help: 'allowed Origin (repeatable): CORS grant for /poll, /longpoll, /sse, /publish, 403 for others on /ws, /sse, /publish; none given = no check, no CORS',
    repeatable: true,
    parse: normalized(normalizeOrigin),
  },
  corsCredentials: { flags: '--cors-credentials', help: 'CORS: allow credentials (Access-Control-Allow-Credentials: true)', default: false, parse: (raw: string) => raw === 'true' },
  corsMaxAgeSeconds: {
    flags: '--cors-max-age <seconds>',
    help: 'CORS: Access-Control-Max-Age of preflight answers; 0 = not cached',
    default: String(SERVER_DEFAULTS.corsMaxAgeSeconds),
    parse: (raw: string, flag: string) => parsePositiveInt(flag, raw, { min: 0 }),
  },
  padHeaderBytes: {
    flags: '--pad-headers <bytes>',
    help: 'for regression tests: add an X-Wirebench-Pad header of this many bytes to every HTTP response and the WebSocket handshake',
    default: String(SERVER_DEFAULTS.padHeaderBytes),
    parse: (raw: string, flag: string) => parsePositiveInt(flag, raw, { min: 0 }),
  },
  deliveryDelayMs: {
    flags: '--delay <duration>',
    help: 'for regression tests: deliver every message this much later',
    default: String(SERVER_DEFAULTS.deliveryDelayMs),
    parse: (raw: string, flag: string) => parseDurationMs(flag, raw, { allowZero: true }),
  },
  allowedHosts: {
    flags: '--allow-host <name>',
    help: 'serve requests under this Host name too (repeatable; * = any); by default only localhost, IP addresses and --host (DNS rebinding protection)',
    repeatable: true,
    parse: normalized(normalizeAllowedHost),
  },
  requestTimeoutMs: {
    flags: '--request-timeout <duration>',
    help: "a request's head and body must arrive within this (408 otherwise); held answers are not cut",
    default: durationDefault(SERVER_DEFAULTS.requestTimeoutMs),
    parse: (raw: string, flag: string) => parseDurationMs(flag, raw),
  },
  writeStallTimeoutMs: {
    flags: '--write-stall-timeout <duration>',
    help: 'cut an SSE stream whose socket took no byte for this long while data waited (a frozen peer; counted as stalledDropped); 0 = never',
    default: durationDefault(SERVER_DEFAULTS.writeStallTimeoutMs),
    parse: (raw: string, flag: string) => parseDurationMs(flag, raw, { allowZero: true }),
  },
  idleTimeoutMs: {
    flags: '--idle-timeout <duration>',
    help: 'close a long-poll connection that sent no next request this long after its answer (a frozen peer; counted as idleDropped); 0 = never',
    default: durationDefault(SERVER_DEFAULTS.idleTimeoutMs),
    parse: (raw: string, flag: string) => parseDurationMs(flag, raw, { allowZero: true }),
  },
  backlog: {
    flags: '--backlog <n>',
    help: 'connections waiting to be accepted (listen backlog, capped by net.core.somaxconn); raise it for bursts of thousands of connects',
    default: String(SERVER_DEFAULTS.backlog),
    parse: (raw: string, flag: string) => parsePositiveInt(flag, raw, { max: 1_000_000 }),
  },
  tlsSelfSigned: {
    flags: '--tls',
    help: 'serve HTTPS and WSS with a self-signed certificate made at start (for localhost, 127.0.0.1, ::1 and --host); the first line carries it, PEM, as "certificate"',
    parse: (raw: string) => raw === 'true',
  },
  tlsCertFile: { flags: '--tls-cert <file>', help: 'serve HTTPS and WSS with this PEM certificate (chain); needs --tls-key', parse: (raw: string) => raw },
  tlsKeyFile: { flags: '--tls-key <file>', help: 'the PEM private key of --tls-cert', parse: (raw: string) => raw },
  stateFile: {
    flags: '--state-file <path>',
    help: 'graceful restart without loss: on SIGTERM/SIGINT write the feed (epoch and history) here; at start continue the stream from it (the file is then removed)',
    parse: (raw: string) => raw,
  },
  http2: {
    flags: '--http2',
    help: 'HTTP/2 for poll, long-poll, SSE and publish: over TLS ALPN h2 with HTTP/1.1 beside it (WebSocket stays HTTP/1.1: RFC 8441 is not in ws); without TLS h2c (prior knowledge), which has no HTTP/1.1, so no ws',
    parse: (raw: string) => raw === 'true',
  },
} as const satisfies Partial<Record<keyof ServerDocument | 'tlsSelfSigned' | 'tlsCertFile' | 'tlsKeyFile', OptionRow>>;

type ServeKey = keyof typeof SERVE_OPTIONS;

/**
 * Commander's values of `serve` (by attribute name) → the server's typed document, checked by the
 * library too so that a value out of its range is one line naming the flag the user typed.
 */
export function serverDocumentFromFlags(values: Record<string, unknown>): ServerDocument {
  const { tlsSelfSigned, tlsCertFile, tlsKeyFile, ...options } = parseOptionTable(SERVE_OPTIONS, values);
  const document: ServerDocument = { ...options, ...tlsOption(tlsSelfSigned === true, tlsCertFile, tlsKeyFile) };
  try {
    resolveServerOptions(document);
  } catch (error) {
    if (!(error instanceof ServerOptionsError)) throw error;
    if (error.option === 'http2') throw new UsageError(`--http2 without TLS: ${error.accepted.replace('(tls)', '(--tls)')}`);
    if (error.option === 'tls') throw new UsageError(`--tls-cert ${JSON.stringify(tlsCertFile)} with --tls-key ${JSON.stringify(tlsKeyFile)}: ${error.accepted}`);
    const row: OptionRow | undefined = SERVE_OPTIONS[error.option as ServeKey];
    if (row === undefined) throw error;
    const raw = values[attributeName(row)];
    throw new UsageError(`${flagName(row)} ${JSON.stringify(Array.isArray(raw) ? error.value : raw)} is not valid: ${error.accepted}`);
  }
  return document;
}

/** --tls, or --tls-cert with --tls-key (files read now: a missing one is a usage error, not a crash). */
function tlsOption(selfSigned: boolean, certFile: string | undefined, keyFile: string | undefined): Pick<ServerDocument, 'tls'> {
  const files = certFile !== undefined || keyFile !== undefined;
  if (selfSigned && files) throw new UsageError('--tls makes its own certificate: give either --tls or --tls-cert with --tls-key');
  if (selfSigned) return { tls: 'self-signed' };
  if (!files) return {};
  if (certFile === undefined || keyFile === undefined) throw new UsageError('--tls-cert and --tls-key go together: give both PEM files');
  return { tls: { cert: readPem('--tls-cert', certFile, 'CERTIFICATE'), key: readPem('--tls-key', keyFile, 'PRIVATE KEY') } };
}

function readPem(flag: string, file: string, label: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag} ${JSON.stringify(file)} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): give a PEM file`);
  }
  if (!text.includes('-----BEGIN') || !text.includes(label)) throw new UsageError(`${flag} ${JSON.stringify(file)} is not valid: use a PEM file with a ${label} block`);
  return text;
}

/** `--server-arg <arg>` of bench and ci: one `serve` flag or value for the embedded servers, repeatable. */
export const SERVER_ARG_OPTION = {
  flags: '--server-arg <arg>',
  help: 'extra flag for the embedded servers (repeatable; for regression tests)',
  repeatable: true,
  hidden: true,
} as const satisfies OptionRow;

/**
 * `--server-arg` values (bench, ci): `serve` flags for the embedded servers, e.g. `--pad-headers`,
 * `200` → `{ padHeaderBytes: 200 }` — only what they name; the rest is up to the caller.
 */
export function serverDocumentFromArgs(args: readonly string[]): ServerDocument {
  const command = addOptionTable(new Command('serve'), SERVE_OPTIONS)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  try {
    command.parse([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) throw new UsageError(`--server-arg ${JSON.stringify(args.join(' '))} is not valid: ${error.message.replace(/^error: /, '')} (use flags of wirebench serve)`);
    throw error;
  }
  const given = Object.fromEntries(Object.entries(command.opts()).filter(([key]) => command.getOptionValueSource(key) === 'cli'));
  return serverDocumentFromFlags(given);
}
