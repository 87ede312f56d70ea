/**
 * A wirebench server as a process: listen, say where on the first stdout line (one JSON object a
 * program reads), take the parent's commands over its IPC channel (the drop fault), serve until
 * SIGINT / SIGTERM / the parent's IPC lifeline closes, then end every
 * stream cleanly within a deadline — handing the stream over through a state file on a graceful
 * stop. Shared by `wirebench serve` (scripts/serve.ts, options from flags) and the server entry
 * the bench starts (servers/entry.ts, options as one typed document), so both behave the same.
 */
import { takeFeedState, writeFeedState } from './feed-state.js';
import { createWirebenchServer, type WirebenchServer } from './server.js';
import type { WirebenchServerOptions } from './server-options.js';

/** SIGINT/SIGTERM must end the process within 2 s even if a peer ignores the close handshake. */
const SHUTDOWN_DEADLINE_MS = 1_800;

/** What a server process is started with: the server's options, and where a graceful stop hands the stream over. */
export interface ServerDocument extends Omit<WirebenchServerOptions, 'continueFrom'> {
  /**
   * Graceful restart without loss: on SIGTERM/SIGINT the feed (epoch and history) is written here;
   * at start the stream continues from it (the file is then removed). Default: none.
   */
  stateFile?: string;
}

/** How the process names itself and its state-file option in the lines it prints. */
export interface ProcessNames {
  /** e.g. `wirebench serve`. */
  name: string;
  /** e.g. `--state-file`. */
  stateFile: string;
}

/**
 * Starts the server (bad options throw `ServerOptionsError` before anything listens, a busy port
 * throws the listen error), prints the listening line and resolves once it has closed after a stop
 * signal. The process's exit code is left to the caller (0 after a clean stop).
 */
export async function serveUntilStopped(options: ServerDocument, names: ProcessNames): Promise<void> {
  const { stateFile, ...serverOptions } = options;
  const handedOver = stateFile === undefined ? undefined : takeFeedState(stateFile);
  if (handedOver !== undefined && 'reason' in handedOver) {
    process.stderr.write(`${names.name}: ${names.stateFile} ${handedOver.reason}; starting a new stream (new epoch)\n`);
  }
  const continueFrom = handedOver !== undefined && !('reason' in handedOver) ? handedOver : undefined;
  const server = await createWirebenchServer({ ...serverOptions, ...(continueFrom === undefined ? {} : { continueFrom }) });
  const { epoch, seq } = server.healthz();
  // A self-signed certificate is announced so that a client (the bench) can trust exactly it.
  const tls = server.certificate === undefined ? {} : { tls: true, ...(options.tls === 'self-signed' ? { certificate: server.certificate } : {}) };
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', url: server.url, host: server.host, port: server.port, transports: server.transports, pid: process.pid, epoch, seq, ...tls })}\n`,
  );
  onParentCommand(server, names.name);
  const signal = await untilStopSignal();
  const deadline = setTimeout(() => {
    process.stderr.write(`${names.name}: shutdown took too long; exiting\n`);
    process.exit(0);
  }, SHUTDOWN_DEADLINE_MS);
  deadline.unref();
  // Before the streams end: their clients may reconnect to a successor that reads this file.
  // Not when the parent vanished (nobody will start a successor).
  if (stateFile !== undefined && signal !== 'disconnect') {
    try {
      await writeFeedState(stateFile, server.handOver());
    } catch (error) {
      process.stderr.write(`${names.name}: could not write ${names.stateFile} ${stateFile}: ${(error as Error).message}\n`);
    }
  }
  await server.close();
  process.stdout.write(`${JSON.stringify({ event: 'closed' })}\n`);
}

/** Every key a {@link ServerDocument} document may have (checked when it is parsed). */
const DOCUMENT_KEYS: Readonly<Record<keyof ServerDocument, true>> = {
  transports: true, host: true, port: true, rate: true, sizeBytes: true, payload: true, compression: true, historyLength: true, holdMs: true,
  heartbeatMs: true, maxBufferedBytes: true, publishLimitBytes: true, allowedHosts: true, requestTimeoutMs: true,
  allowedOrigins: true, corsCredentials: true, corsMaxAgeSeconds: true, padHeaderBytes: true, deliveryDelayMs: true,
  writeStallTimeoutMs: true, idleTimeoutMs: true, closeGraceMs: true, backlog: true, tls: true, clockSkewMs: true, http2: true, stateFile: true,
};

/** The options document is not one JSON object of known keys; `message` is one line. */
export class ServerDocumentError extends Error {
  override name = 'ServerDocumentError';
}

/**
 * Parses a server process's options document: one JSON object whose keys are
 * {@link ServerDocument}' (`{"transports":["ws"],"rate":50,"holdMs":30000}`). Not JSON, not
 * an object, an unknown key or a `stateFile` that is not a path throw here; the server's values
 * are checked when it starts (`ServerOptionsError`), before anything listens.
 */
export function parseServerDocument(text: string): ServerDocument {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ServerDocumentError(`the options document is not JSON (${(error as Error).message}): use one JSON object such as {"rate":1,"transports":["ws"]}`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ServerDocumentError(`the options document ${JSON.stringify(text.slice(0, 80))} is not a JSON object: use one such as {"rate":1,"transports":["ws"]}`);
  }
  const unknown = Object.keys(document).find((key) => !Object.hasOwn(DOCUMENT_KEYS, key));
  if (unknown !== undefined) throw new ServerDocumentError(`${JSON.stringify(unknown)} is not a server option: use one of ${Object.keys(DOCUMENT_KEYS).join(', ')}`);
  const { stateFile } = document as { stateFile?: unknown };
  if (stateFile !== undefined && (typeof stateFile !== 'string' || stateFile === '')) {
    throw new ServerDocumentError(`stateFile ${JSON.stringify(stateFile)} is not valid: use a file path`);
  }
  return document as ServerDocument;
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
function onParentCommand(server: WirebenchServer, name: string): void {
  if (process.channel === undefined) return;
  process.on('message', (message: Partial<ParentCommand> | null) => {
    try {
      if (message?.type !== 'drop-connections') throw new Error(`unknown command ${JSON.stringify(message).slice(0, 80)}`);
      server.dropConnections(Number(message.sharePerSec), Number(message.durationMs));
    } catch (error) {
      process.stderr.write(`${name}: parent command refused: ${(error as Error).message}\n`);
    }
  });
}

/**
 * SIGINT, SIGTERM, or — when a parent started this server with an IPC channel (the bench's
 * embedded servers) — that channel closing: the parent is gone (even killed with SIGKILL, which
 * it cannot forward), and a server nobody will stop must not linger as an orphan.
 */
function untilStopSignal(): Promise<NodeJS.Signals | 'disconnect'> {
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
