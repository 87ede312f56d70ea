/**
 * Starts an embedded wirebench server as a child process (`wirebench serve --port 0`), exactly
 * as a user would, and reads where it listens from its first stdout line. A fresh process per
 * transport keeps one transport's garbage and sockets out of the next one's CPU and RSS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TransportName } from '../servers/contract.js';

/** The compiled CLI (dist/scripts/cli.js), run with plain node: no TypeScript loader in what is measured. */
const CLI_PATH = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));

export interface ServerProcessOptions {
  /** The transport to serve (a bench serves one per process), or all of them. */
  transport: TransportName | 'all';
  rate: number;
  size: number;
  holdMs: number;
  heartbeatMs: number;
  /** Extra `serve` flags (e.g. --history, --pad-headers for regression tests). */
  extraArgs?: string[];
  /** How long to wait for the listening line. Default 10 s. */
  startTimeoutMs?: number;
}

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** Set when the process exited on its own (a crash mid-step). */
  readonly exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Last lines of its stderr, for the failure message. */
  stderrTail(): string;
  stop(): Promise<void>;
}

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const args = [
    CLI_PATH,
    'serve',
    '--host', '127.0.0.1',
    '--port', '0',
    '--transport', options.transport,
    '--rate', String(options.rate),
    '--size', String(options.size),
    '--hold', `${options.holdMs}ms`,
    '--heartbeat', `${options.heartbeatMs}ms`,
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  let exited: ServerProcess['exited'];
  child.once('exit', (code, signal) => {
    exited = { code, signal };
  });

  const url = await readListeningUrl(child, options.startTimeoutMs ?? 10_000, () => stderr);
  return {
    url,
    pid: child.pid ?? -1,
    get exited() {
      return exited;
    },
    stderrTail: () => stderr.trim().split('\n').slice(-3).join(' | '),
    stop: () => stopChild(child),
  };
}

async function readListeningUrl(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const result = await Promise.race([
      once(lines, 'line', { signal: timeout }).then(([line]) => line as string),
      once(child, 'exit', { signal: timeout }).then(([code]) => {
        throw new Error(`embedded server exited with code ${String(code)} before listening: ${stderr().trim() || 'no output'}`);
      }),
    ]);
    const parsed = JSON.parse(result) as { url?: unknown };
    if (typeof parsed.url !== 'string') throw new Error(`embedded server's first line has no url: ${result}`);
    return parsed.url;
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

/** SIGTERM, then SIGKILL if it has not exited within 3 s (servers promise 2 s). */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
