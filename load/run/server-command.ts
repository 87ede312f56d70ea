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
  /** How long to wait for the URL and a 200 from /healthz. Default 30 s. */
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
  /** SIGTERM to its process group, SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/** The server command failed to start: `message` is one line with the command's last output. */
export class ServerCommandError extends Error {
  override name = 'ServerCommandError';
}

const URL_PATTERN = /https?:\/\/[^\s"'<>,;)]+/;
const OUTPUT_CAP = 16_384;

export async function startServerCommand(options: ServerCommandOptions): Promise<StartedServerCommand> {
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
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
  const lastLine = () => output.trim().split('\n').at(-1)?.slice(0, 300) || 'no output';
  try {
    while (Date.now() < deadline) {
      if (exit) throw new ServerCommandError(`--server-command ${JSON.stringify(options.command)} ${exit} before it served /healthz: ${lastLine()}`);
      const url = started.url;
      if (url && options.tls !== undefined) trustOrigin(url, options.tls);
      if (url && (await healthy(url))) return { ...started, url: new URL(url).origin };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const missing = started.url ? `no 200 from ${new URL(ROUTES.healthz, started.url).href}` : 'no http:// URL in its output (give --target URL if it prints none)';
    throw new ServerCommandError(`--server-command ${JSON.stringify(options.command)}: ${missing} within ${Math.round((options.startTimeoutMs ?? 30_000) / 1000)} s; last output: ${lastLine()}`);
  } catch (error) {
    await started.stop();
    throw error;
  }
}

/** GET /healthz answers 200 — over TLS trusting what the origin was told to trust (tls-trust.ts). */
async function healthy(url: string): Promise<boolean> {
  try {
    return (await getBounded(new URL(ROUTES.healthz, url).href, HEALTHZ_MAX_BYTES, 2000)).status === 200;
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
  const timer = setTimeout(() => signalGroup('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
