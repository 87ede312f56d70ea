/**
 * Starting the user's own server for `wirebench ci --server-command "<cmd>"`: the command runs in
 * a shell (in its own process group, so a wrapper such as `npm start` and the server under it are
 * stopped together); its URL is the first http:// URL it prints (stdout or stderr — a JSON
 * `{"url": …}` line like `wirebench serve`'s, or `listening on http://127.0.0.1:3000`) unless the
 * caller names it; it counts as up once GET /healthz answers 200.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ROUTES } from '../../servers/contract.js';
import { trustOrigin } from '../clients/tls-trust.js';
import type { ClientTls } from '../clients/tcp-connect.js';
import { getBounded } from './target-answers.js';
import { HEALTHZ_MAX_BYTES } from '../clients/client-limits.js';

export interface ServerCommandOptions {
  /** Shell command line. */
  command: string;
  /** The server's URL when it does not print one. */
  url?: string;
  /** How long to wait for the URL and a 200 from /healthz. Default DEFAULT_START_TIMEOUT_MS (30 s). */
  startTimeoutMs?: number;
  /**
   * An https:// server: how its certificate is checked (a --ca file's PEM, or no verification with
   * --insecure) — by the readiness probe as by the bench after it. Absent: the system's store.
   */
  tls?: ClientTls;
}

export interface StartedServerCommand {
  readonly url: string;
  readonly pid: number;
  /** Whatever it printed so far (for an error message). */
  output(): string;
  /** SIGTERM to its process group, SIGKILL after STOP_GRACE_MS (5 s). */
  stop(): Promise<void>;
}

/** The server command failed to start: `message` is one line with the command's last output. */
export class ServerCommandError extends Error {
  override name = 'ServerCommandError';
}

const URL_PATTERN = /https?:\/\/[^\s"'<>,;)]+/;
/** The command's output kept (its tail): where its URL is looked for, and what an error quotes. */
const OUTPUT_CAP = 16_384;
/** The default of `startTimeoutMs` (ci's `--server-timeout`): a user's server, built or not, on a busy machine. */
export const DEFAULT_START_TIMEOUT_MS = 30_000;
/** How often /healthz is asked until it answers 200. */
const HEALTH_POLL_MS = 100;
/** One /healthz probe's timeout: a server still starting may accept and not answer yet. */
const HEALTH_PROBE_TIMEOUT_MS = 2000;
/** The last output line an error quotes, cut to this many characters. */
const LAST_LINE_CHARS = 300;
/** A wrapper (npm start) and its server get this long to exit after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5000;

export async function startServerCommand(options: ServerCommandOptions): Promise<StartedServerCommand> {
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const deadline = Date.now() + startTimeoutMs;
  const child = spawn(options.command, { shell: true, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exit: string | undefined;
  let printedUrl: string | undefined;
  const onData = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_CAP);
    printedUrl ??= URL_PATTERN.exec(output)?.[0];
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  child.once('exit', (code, signal) => (exit = signal ? `killed by ${signal}` : `exited with code ${String(code)}`));
  child.once('error', (error) => (exit = `could not be started (${error.message})`));
  const started: StartedServerCommand = {
    get url() {
      return options.url ?? printedUrl ?? '';
    },
    pid: child.pid ?? -1,
    output: () => output,
    stop: () => stopGroup(child),
  };
  const lastLine = () => output.trim().split('\n').at(-1)?.slice(0, LAST_LINE_CHARS) || 'no output';
  try {
    while (Date.now() < deadline) {
      if (exit) throw new ServerCommandError(`--server-command ${JSON.stringify(options.command)} ${exit} before it served /healthz: ${lastLine()}`);
      const url = started.url;
      if (url && options.tls !== undefined) trustOrigin(url, options.tls);
      if (url && (await healthy(url))) return { ...started, url: new URL(url).origin };
      await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
    }
    const missing = started.url ? `no 200 from ${new URL(ROUTES.healthz, started.url).href}` : 'no http:// URL in its output (give --target URL if it prints none)';
    throw new ServerCommandError(`--server-command ${JSON.stringify(options.command)}: ${missing} within ${Math.round(startTimeoutMs / 1000)} s; last output: ${lastLine()}`);
  } catch (error) {
    await started.stop();
    throw error;
  }
}

/** GET /healthz answers 200 — over TLS trusting what the origin was told to trust (tls-trust.ts). */
async function healthy(url: string): Promise<boolean> {
  try {
    return (await getBounded(new URL(ROUTES.healthz, url).href, HEALTHZ_MAX_BYTES, HEALTH_PROBE_TIMEOUT_MS)).status === 200;
  } catch {
    return false;
  }
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // The group is already gone.
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}
