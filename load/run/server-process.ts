/**
 * Starts an embedded wirebench server as a child process — the server entry (servers/entry.ts)
 * with its options as one typed document — and reads where it listens from its first stdout line.
 * A fresh process per transport keeps one transport's garbage and sockets out of the next one's
 * CPU and RSS; the entry imports only servers/, so what is measured is the server, not the CLI.
 *
 * The child is tied to this process by an IPC channel: it exits when the channel closes, so a
 * bench killed with SIGKILL leaves no server behind; the same channel carries the drop fault's
 * commands. For fault workloads the server can be restarted on the same port and stopped /
 * continued (a stall). A graceful restart (SIGTERM) hands the stream over through the document's
 * `stateFile`: the successor keeps the epoch and the history, so clients resume without loss; a
 * hard one (SIGKILL) leaves nothing, and the successor starts a new epoch.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TRANSPORTS, type TransportName } from '../../servers/contract.js';
import type { ServerDocument } from '../../servers/server-lifecycle.js';
import { SERVER_DOCUMENT_ENV, type WirebenchServerOptions } from '../../servers/server-options.js';
import { selfSignedIdentity } from '../../servers/tls-identity.js';

/** The compiled server entry (dist/servers/entry.js), run with plain node: no TypeScript loader in what is measured. */
const SERVER_ENTRY = fileURLToPath(new URL('../../servers/entry.js', import.meta.url));

export interface ServerProcessOptions {
  /** The transport to serve (a bench serves one per process), or all of them. */
  transport: TransportName | 'all';
  rate: number;
  size: number;
  holdMs: number;
  heartbeatMs: number;
  /** More server options (cross-origin, --server-arg's e.g. padHeaderBytes for regression tests); they win over the above. */
  server?: WirebenchServerOptions;
  /** How long to wait for the listening line. Default DEFAULT_START_TIMEOUT_MS (30 s). */
  startTimeoutMs?: number;
  /**
   * Serve HTTPS / WSS with a self-signed certificate made here, once: a restarted process
   * presents the same one, so the clients' trust (ServerProcess.certificate) holds across it.
   */
  tls?: boolean;
  /** Serve HTTP/2: h2 beside HTTP/1.1 over TLS, h2c in cleartext. */
  http2?: boolean;
}

export interface ServerProcess {
  readonly url: string;
  /** Over TLS: the PEM certificate every process of this server presents (the clients' CA). */
  readonly certificate: string | undefined;
  /** The current process (a restart changes it). */
  readonly pid: number;
  /** The current process's stream epoch (from its listening line; a graceful restart keeps it). */
  readonly epoch: string;
  /** Set when the process exited on its own (a crash mid-step; not a restart asked for). */
  readonly exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Last lines of its stderr, for the failure message. */
  stderrTail(): string;
  stop(): Promise<void>;
  /**
   * Ends the process with `signal` (SIGTERM: graceful, streams ended, the stream handed over;
   * SIGKILL: hard, the history gone), waits `downtimeMs` from its exit, and starts a new one on the
   * same port. Resolves when the new one listens.
   */
  restart(signal: 'SIGTERM' | 'SIGKILL', downtimeMs: number): Promise<void>;
  /**
   * The server side of the drop fault: the process resets `sharePerSec` of its client connections
   * per second (TCP RST) for `durationMs` (over the IPC channel; scripts/serve.ts). False when it
   * is not running.
   */
  dropConnections(sharePerSec: number, durationMs: number): boolean;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the process: a stalled server. */
  freeze(frozen: boolean): void;
}

/** A restart re-binds the same port; the old listener may take a moment to be released. */
const REBIND_ATTEMPTS = 20;
const REBIND_WAIT_MS = 100;
/** How long a server may take to print its listening line: on a two-core machine at load 16 (a CI run beside other work) 10 s was not enough. */
const DEFAULT_START_TIMEOUT_MS = 30_000;
/** A server asked to exit (SIGTERM; a restart's signal) is killed after this: servers promise to close within 2 s. */
const EXIT_GRACE_MS = 3000;
/** The end of the server's stderr kept for a failure's message: enough for a stack trace's head, and bounded. */
const STDERR_KEPT_CHARS = 4000;
/** Its last lines a failed step's reason quotes. */
const STDERR_REASON_LINES = 3;

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  // Made by the same code as `serve --tls` (servers/tls-identity.ts), for loopback names; it goes
  // to the child in its document (an environment variable only this user can read), never a file.
  const identity = options.tls === true ? await selfSignedIdentity('127.0.0.1') : undefined;
  // Exists only from a graceful exit until the successor reads it (or stop() removes it).
  const stateFile = join(tmpdir(), `wirebench-feed-${process.pid}-${randomBytes(6).toString('hex')}.json`);
  const document = (port: number): ServerDocument => ({
    transports: options.transport === 'all' ? [...TRANSPORTS] : [options.transport],
    host: '127.0.0.1',
    port,
    rate: options.rate,
    sizeBytes: options.size,
    holdMs: options.holdMs,
    heartbeatMs: options.heartbeatMs,
    ...(identity === undefined ? {} : { tls: { cert: identity.cert, key: identity.key } }),
    ...(options.http2 === true ? { http2: true } : {}),
    stateFile,
    ...options.server,
  });
  const nodeArgs = [
    // So `GET /stats?gc=1` can run a full GC: memory per connection is read after one (run-step.ts).
    '--expose-gc',
    // A GC may otherwise drop the bytecode of functions idle for a while, shrinking the heap by
    // more than a few connections hold: memory per connection at a small step would go negative.
    '--no-flush-bytecode',
    SERVER_ENTRY,
  ];
  let stderr = '';
  let exited: ServerProcess['exited'];
  /** A restart is under way: the old process's exit is not a crash. */
  let restarting = false;
  let stopped = false;
  let epoch = '';
  const launch = async (port: number): Promise<{ child: ChildProcess; url: string }> => {
    // 'ipc' ties the child's life to ours (servers/server-lifecycle.ts exits when the channel closes).
    const child = spawn(process.execPath, nodeArgs, {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, [SERVER_DOCUMENT_ENV]: JSON.stringify(document(port)) },
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEPT_CHARS);
    });
    child.once('exit', (code, signal) => {
      if (child === current && !restarting) exited = { code, signal };
    });
    current = child;
    const listening = await readListeningLine(child, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, () => stderr);
    epoch = listening.epoch;
    const url = listening.url;
    // The channel is only a lifeline: it must not keep this process alive.
    child.channel?.unref();
    return { child, url };
  };
  let current: ChildProcess | undefined;
  const first = await launch(0);
  const port = Number(new URL(first.url).port);

  return {
    url: first.url,
    certificate: identity?.cert,
    get pid() {
      return current?.pid ?? -1;
    },
    get epoch() {
      return epoch;
    },
    get exited() {
      return exited;
    },
    stderrTail: () => stderr.trim().split('\n').slice(-STDERR_REASON_LINES).join(' | '),
    stop: async () => {
      stopped = true;
      if (current) await stopChild(current);
      rmSync(stateFile, { force: true });
    },
    async restart(signal, downtimeMs) {
      const old = current;
      if (old === undefined || exited) throw new Error('the embedded server is not running');
      restarting = true;
      try {
        if (old.exitCode === null && old.signalCode === null) {
          const gone = once(old, 'exit');
          old.kill('SIGCONT'); // a frozen process must be able to act on SIGTERM
          old.kill(signal);
          const cut = setTimeout(() => old.kill('SIGKILL'), EXIT_GRACE_MS);
          await gone;
          clearTimeout(cut);
        }
        // A hard restart hands nothing over, whatever an earlier graceful exit may have left.
        if (signal === 'SIGKILL') rmSync(stateFile, { force: true });
        await new Promise((resolve) => setTimeout(resolve, downtimeMs));
        // Stopped during the downtime (Ctrl-C): no new server to outlive the run.
        if (stopped) return;
        for (let attempt = 1; ; attempt++) {
          try {
            await launch(port);
            return;
          } catch (error) {
            if (attempt >= REBIND_ATTEMPTS || !/EADDRINUSE/.test((error as Error).message)) throw error;
            await new Promise((resolve) => setTimeout(resolve, REBIND_WAIT_MS));
          }
        }
      } finally {
        restarting = false;
      }
    },
    dropConnections(sharePerSec, durationMs) {
      if (current === undefined || current.exitCode !== null || current.signalCode !== null || !current.connected) return false;
      return current.send({ type: 'drop-connections', sharePerSec, durationMs });
    },
    freeze(frozen) {
      if (current && current.exitCode === null && current.signalCode === null) current.kill(frozen ? 'SIGSTOP' : 'SIGCONT');
    },
  };
}

async function readListeningLine(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<{ url: string; epoch: string }> {
  const lines = createInterface({ input: child.stdout! });
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const result = await Promise.race([
      once(lines, 'line', { signal: timeout }).then(([line]) => line as string),
      once(child, 'exit', { signal: timeout }).then(([code]) => {
        throw new Error(`embedded server exited with code ${String(code)} before listening: ${stderr().trim() || 'no output'}`);
      }),
    ]);
    const parsed = JSON.parse(result) as { url?: unknown; epoch?: unknown };
    if (typeof parsed.url !== 'string') throw new Error(`embedded server's first line has no url: ${result}`);
    return { url: parsed.url, epoch: typeof parsed.epoch === 'string' ? parsed.epoch : '' };
  } catch (error) {
    child.kill('SIGKILL');
    if ((error as Error).name === 'AbortError') {
      throw new Error(`embedded server did not report its port within ${timeoutMs} ms: ${stderr().trim() || 'no output'}`, { cause: error });
    }
    throw error;
  } finally {
    lines.close();
    // Keep draining stdout (readline's close pauses it) so a chatty server never blocks on a full pipe.
    child.stdout?.resume();
  }
}

/** SIGTERM, then SIGKILL if it has not exited within EXIT_GRACE_MS. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGCONT'); // a stalled (SIGSTOPped) server acts on SIGTERM only once continued
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
  await exited;
  clearTimeout(timer);
}
