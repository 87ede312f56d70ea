/**
 * `wirebench serve`: a standalone server. The first stdout line is one JSON object saying where
 * it listens, so a program (the bench runner) can start it and read its URL.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { takeFeedState, writeFeedState, type FeedState } from '../servers/feed-state.js';
import { createWirebenchServer, ServerOptionsError, SERVER_DEFAULTS, type WirebenchServer, type WirebenchServerOptions } from '../servers/server.js';
import { normalizeAllowedHost, normalizeOrigin } from '../servers/server-options.js';
import { EXIT, UsageError } from './exit-codes.js';
import { parseDurationMs, parsePositiveInt, parsePositiveNumber, parseTransports } from './options.js';

/** SIGINT/SIGTERM must end the process within 2 s even if a peer ignores the close handshake. */
const SHUTDOWN_DEADLINE_MS = 1_800;

interface ServeFlags {
  transport: string;
  host: string;
  port: string;
  rate: string;
  size: string;
  history: string;
  hold: string;
  heartbeat: string;
  maxBufferedBytes: string;
  publishLimit: string;
  origin?: string[];
  allowHost?: string[];
  requestTimeout: string;
  writeStallTimeout: string;
  idleTimeout: string;
  stateFile?: string;
  corsCredentials?: boolean;
  corsMaxAge: string;
  padHeaders: string;
  delay: string;
  tls?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  http2?: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run a wirebench server: the feed over short polling, long-polling, SSE and WebSocket')
    .option('--transport <list>', 'transports to serve: poll, longpoll, sse, ws (comma-separated) or all', 'all')
    .option('--host <address>', 'bind address (loopback unless told otherwise)', SERVER_DEFAULTS.host)
    .option('--port <n>', 'TCP port; 0 picks a free one', '8080')
    .option('--rate <msg/s>', 'feed messages per second; 0 = none (upstream publishes only)', String(SERVER_DEFAULTS.rate))
    .option('--size <bytes>', 'payload bytes per feed message', String(SERVER_DEFAULTS.sizeBytes))
    .option('--history <n>', 'messages kept for resumes; older cursors get a gap signal', String(SERVER_DEFAULTS.historyLength))
    .option('--hold <duration>', 'long-poll hold before an empty answer', '30s')
    .option('--heartbeat <duration>', 'SSE comment / WebSocket ping interval; 0 = none', '15s')
    .option('--max-buffered-bytes <bytes>', 'per-connection send buffer cap (SSE, WebSocket); past it the client is dropped', String(SERVER_DEFAULTS.maxBufferedBytes))
    .option('--publish-limit <bytes>', 'largest POST /publish body and upstream WebSocket frame', String(SERVER_DEFAULTS.publishLimitBytes))
    .option('--origin <url>', 'allowed Origin (repeatable): CORS grant for /poll, /longpoll, /sse, /publish, 403 for others on /ws, /sse, /publish; none given = no check, no CORS', collect)
    .option('--cors-credentials', 'CORS: allow credentials (Access-Control-Allow-Credentials: true)')
    .option('--cors-max-age <seconds>', 'CORS: Access-Control-Max-Age of preflight answers; 0 = not cached', String(SERVER_DEFAULTS.corsMaxAgeSeconds))
    .option('--pad-headers <bytes>', 'for regression tests: add an X-Wirebench-Pad header of this many bytes to every HTTP response and the WebSocket handshake', '0')
    .option('--delay <duration>', 'for regression tests: deliver every message this much later', '0')
    .option('--allow-host <name>', 'serve requests under this Host name too (repeatable; * = any); by default only localhost, IP addresses and --host (DNS rebinding protection)', collect)
    .option('--request-timeout <duration>', "a request's head and body must arrive within this (408 otherwise); held answers are not cut", `${SERVER_DEFAULTS.requestTimeoutMs / 1000}s`)
    .option('--write-stall-timeout <duration>', 'cut an SSE stream whose socket took no byte for this long while data waited (a frozen peer; counted as stalledDropped); 0 = never', `${SERVER_DEFAULTS.writeStallTimeoutMs / 1000}s`)
    .option('--idle-timeout <duration>', 'close a long-poll connection that sent no next request this long after its answer (a frozen peer; counted as idleDropped); 0 = never', `${SERVER_DEFAULTS.idleTimeoutMs / 1000}s`)
    .option('--tls', 'serve HTTPS and WSS with a self-signed certificate made at start (for localhost, 127.0.0.1, ::1 and --host); the first line carries it, PEM, as "certificate"')
    .option('--tls-cert <file>', 'serve HTTPS and WSS with this PEM certificate (chain); needs --tls-key')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .option('--state-file <path>', 'graceful restart without loss: on SIGTERM/SIGINT write the feed (epoch and history) here; at start continue the stream from it (the file is then removed)')
    .option('--http2', 'HTTP/2 for poll, long-poll, SSE and publish: over TLS ALPN h2 with HTTP/1.1 beside it (WebSocket stays HTTP/1.1: RFC 8441 is not in ws); without TLS h2c (prior knowledge), which has no HTTP/1.1, so no ws')
    .action(async (flags: ServeFlags) => {
      const continueFrom = flags.stateFile === undefined ? undefined : takeFeedState(flags.stateFile);
      if (continueFrom !== undefined && 'reason' in continueFrom) {
        process.stderr.write(`wirebench serve: --state-file ${continueFrom.reason}; starting a new stream (new epoch)\n`);
      }
      const server = await startServer(flags, continueFrom !== undefined && !('reason' in continueFrom) ? continueFrom : undefined);
      const { epoch, seq } = server.healthz();
      // A self-signed certificate is announced so that a client (the bench) can trust exactly it.
      const tls = server.certificate === undefined ? {} : { tls: true, ...(flags.tls === true ? { certificate: server.certificate } : {}) };
      process.stdout.write(
        `${JSON.stringify({ event: 'listening', url: server.url, host: server.host, port: server.port, transports: server.transports, pid: process.pid, epoch, seq, ...tls })}\n`,
      );
      onParentCommand(server);
      const signal = await untilSignal();
      const deadline = setTimeout(() => {
        process.stderr.write('wirebench serve: shutdown took too long; exiting\n');
        process.exit(EXIT.ok);
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      // Before the streams end: their clients may reconnect to a successor that reads this file.
      // Not when the parent vanished (nobody will start a successor).
      if (flags.stateFile !== undefined && signal !== 'disconnect') {
        try {
          writeFeedState(flags.stateFile, server.handOver());
        } catch (error) {
          process.stderr.write(`wirebench serve: could not write --state-file ${flags.stateFile}: ${(error as Error).message}\n`);
        }
      }
      await server.close();
      process.stdout.write(`${JSON.stringify({ event: 'closed' })}\n`);
      process.exitCode = EXIT.ok;
    });
}

async function startServer(flags: ServeFlags, continueFrom: FeedState | undefined): Promise<WirebenchServer> {
  const options = {
    continueFrom,
    transports: parseTransports('--transport', flags.transport),
    host: flags.host,
    port: parsePositiveInt('--port', flags.port, { min: 0, max: 65_535 }),
    rate: parsePositiveNumber('--rate', flags.rate, { allowZero: true }),
    sizeBytes: parsePositiveInt('--size', flags.size, { min: 0 }),
    historyLength: parsePositiveInt('--history', flags.history),
    holdMs: parseDurationMs('--hold', flags.hold),
    heartbeatMs: parseDurationMs('--heartbeat', flags.heartbeat, { allowZero: true }),
    maxBufferedBytes: parsePositiveInt('--max-buffered-bytes', flags.maxBufferedBytes),
    publishLimitBytes: parsePositiveInt('--publish-limit', flags.publishLimit),
    allowedOrigins: (flags.origin ?? []).map((raw) => asUsage('--origin', raw, () => normalizeOrigin(raw))),
    corsCredentials: flags.corsCredentials === true,
    corsMaxAgeSeconds: parsePositiveInt('--cors-max-age', flags.corsMaxAge, { min: 0 }),
    padHeaderBytes: parsePositiveInt('--pad-headers', flags.padHeaders, { min: 0 }),
    deliveryDelayMs: parseDurationMs('--delay', flags.delay, { allowZero: true }),
    allowedHosts: (flags.allowHost ?? []).map((raw) => asUsage('--allow-host', raw, () => normalizeAllowedHost(raw))),
    requestTimeoutMs: parseDurationMs('--request-timeout', flags.requestTimeout),
    writeStallTimeoutMs: parseDurationMs('--write-stall-timeout', flags.writeStallTimeout, { allowZero: true }),
    idleTimeoutMs: parseDurationMs('--idle-timeout', flags.idleTimeout, { allowZero: true }),
    ...tlsFlags(flags),
    ...(flags.http2 === true ? { http2: true } : {}),
  };
  try {
    return await createWirebenchServer(options);
  } catch (error) {
    const flag = error instanceof ServerOptionsError ? FLAG_OF[error.option] : undefined;
    if (flag !== undefined) throw usageError(flag, flags[flag.property], error as ServerOptionsError);
    if (error instanceof ServerOptionsError && error.option === 'http2') throw new UsageError(`--http2 without TLS: ${error.accepted.replace('(tls)', '(--tls)')}`);
    if (error instanceof ServerOptionsError && error.option === 'tls') throw new UsageError(`--tls-cert ${JSON.stringify(flags.tlsCert)} with --tls-key ${JSON.stringify(flags.tlsKey)}: ${error.accepted}`);
    throw error;
  }
}

/** Library option → the flag a user typed, so a range error names what they wrote. */
const FLAG_OF: Partial<Record<string, { name: string; property: Exclude<keyof ServeFlags, 'origin' | 'corsCredentials' | 'allowHost' | 'tls' | 'tlsCert' | 'tlsKey' | 'stateFile' | 'http2'> }>> = {
  transports: { name: '--transport', property: 'transport' },
  host: { name: '--host', property: 'host' },
  port: { name: '--port', property: 'port' },
  rate: { name: '--rate', property: 'rate' },
  sizeBytes: { name: '--size', property: 'size' },
  historyLength: { name: '--history', property: 'history' },
  holdMs: { name: '--hold', property: 'hold' },
  heartbeatMs: { name: '--heartbeat', property: 'heartbeat' },
  maxBufferedBytes: { name: '--max-buffered-bytes', property: 'maxBufferedBytes' },
  publishLimitBytes: { name: '--publish-limit', property: 'publishLimit' },
  padHeaderBytes: { name: '--pad-headers', property: 'padHeaders' },
  deliveryDelayMs: { name: '--delay', property: 'delay' },
  corsMaxAgeSeconds: { name: '--cors-max-age', property: 'corsMaxAge' },
  requestTimeoutMs: { name: '--request-timeout', property: 'requestTimeout' },
  writeStallTimeoutMs: { name: '--write-stall-timeout', property: 'writeStallTimeout' },
  idleTimeoutMs: { name: '--idle-timeout', property: 'idleTimeout' },
};

/** --tls, or --tls-cert with --tls-key (files read now: a missing one is a usage error, not a crash). */
function tlsFlags(flags: ServeFlags): Pick<WirebenchServerOptions, 'tls'> {
  const files = flags.tlsCert !== undefined || flags.tlsKey !== undefined;
  if (flags.tls === true && files) throw new UsageError('--tls makes its own certificate: give either --tls or --tls-cert with --tls-key');
  if (flags.tls === true) return { tls: 'self-signed' };
  if (!files) return {};
  if (flags.tlsCert === undefined || flags.tlsKey === undefined) throw new UsageError('--tls-cert and --tls-key go together: give both PEM files');
  const cert = readPem('--tls-cert', flags.tlsCert, 'CERTIFICATE');
  const key = readPem('--tls-key', flags.tlsKey, 'PRIVATE KEY');
  return { tls: { cert, key } };
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

function usageError(flag: { name: string }, raw: string, error: ServerOptionsError): UsageError {
  return new UsageError(`${flag.name} ${JSON.stringify(raw)} is not valid: ${error.accepted}`);
}

function asUsage<T>(flag: string, raw: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ServerOptionsError) throw usageError({ name: flag }, raw, error);
    throw error;
  }
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** What a parent (the bench) may ask of its embedded server over the IPC channel. */
interface ParentCommand {
  type: 'drop-connections';
  sharePerSec: number;
  durationMs: number;
}

/**
 * Commands from the parent that started this server with an IPC channel: the server side of the
 * drop fault. Anything else is one line on stderr and otherwise ignored.
 */
function onParentCommand(server: WirebenchServer): void {
  if (process.channel === undefined) return;
  process.on('message', (message: Partial<ParentCommand> | null) => {
    try {
      if (message?.type !== 'drop-connections') throw new Error(`unknown command ${JSON.stringify(message).slice(0, 80)}`);
      server.dropConnections(Number(message.sharePerSec), Number(message.durationMs));
    } catch (error) {
      process.stderr.write(`wirebench serve: parent command refused: ${(error as Error).message}\n`);
    }
  });
}

/**
 * SIGINT, SIGTERM, or — when a parent started this server with an IPC channel (the bench's
 * embedded servers) — that channel closing: the parent is gone (even killed with SIGKILL, which
 * it cannot forward), and a server nobody will stop must not linger as an orphan.
 */
function untilSignal(): Promise<NodeJS.Signals | 'disconnect'> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals | 'disconnect'): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('disconnect', onDisconnect);
      resolve(signal);
    };
    const onDisconnect = (): void => onSignal('disconnect');
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (process.channel !== undefined) {
      process.on('disconnect', onDisconnect);
      // A lifeline only: the server, not the channel, keeps this process running.
      process.channel.unref();
    }
  });
}
