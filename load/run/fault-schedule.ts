/**
 * Injects a step's faults on schedule (each `atMs` after the window opens): restarts and stalls
 * of the embedded server, the drop fault through the load workers. Every action is bounded in
 * time (a restart: the old process's exit within 3 s, the downtime, the new one listening within
 * its start timeout), so a step never hangs on a fault. The controller also samples /stats
 * through the window for the server's CPU per bucket.
 */
import { monotonicUs } from '../../servers/contract.js';
import type { InjectedFault } from '../meter/fault-figures.js';
import type { FaultSpec } from '../results/results-schema.js';
import { sleep } from './abortable-sleep.js';
import type { ServerProcess } from './server-process.js';
import type { FaultCommand, DropCommand, ResetWatchCommand } from './worker-protocol.js';

export interface FaultContext {
  windowStartUs: number;
  /** The embedded server (absent with --target: only the drop fault is possible, checked at parse time). */
  server: ServerProcess | undefined;
  /** Sends a command to every load worker. */
  notify(command: FaultCommand | DropCommand | ResetWatchCommand): void;
  /** Ends the step early (Ctrl-C). */
  signal: AbortSignal;
}

/**
 * drop-server: how long after the fault's end the workers still attribute a reset to it, ms. A
 * reset reaches a client at once on loopback; the slack covers a busy generator.
 */
export const RESET_WATCH_SLACK_MS = 1000;

const sinceWindowMs = (context: FaultContext) => Math.round((monotonicUs() - context.windowStartUs) / 1000);

/**
 * Runs the faults in time order. Resolves with what was injected and, if a fault could not be
 * carried out (a restart that did not come back), the reason the step fails.
 */
export async function injectFaults(faults: readonly FaultSpec[], context: FaultContext): Promise<{ injected: InjectedFault[]; failure?: string }> {
  const injected: InjectedFault[] = [];
  for (const fault of [...faults].sort((a, b) => a.atMs - b.atMs)) {
    await sleep((context.windowStartUs + fault.atMs * 1000 - monotonicUs()) / 1000, context.signal);
    if (context.signal.aborted) break;
    const atMs = sinceWindowMs(context);
    const atUs = monotonicUs();
    if (fault.kind === 'drop') {
      const perSec = fault.dropPerSec ?? 0;
      context.notify({ type: 'drop', untilUs: atUs + fault.durationMs * 1000, perSec });
      injected.push({ kind: fault.kind, atMs, durationMs: fault.durationMs, note: `${Math.round(perSec * 100)} % of the connections reset (RST) per second by the generator` });
      continue;
    }
    const server = context.server;
    if (server === undefined) return { injected, failure: `--fault ${fault.kind} needs the embedded server` };
    if (fault.kind === 'drop-server') {
      const perSec = fault.dropPerSec ?? 0;
      context.notify({ type: 'reset-watch', untilUs: atUs + (fault.durationMs + RESET_WATCH_SLACK_MS) * 1000 });
      if (!server.dropConnections(perSec, fault.durationMs)) return { injected, failure: `--fault drop-server: the embedded server ${server.pid} is not running` };
      injected.push({ kind: fault.kind, atMs, durationMs: fault.durationMs, note: `${Math.round(perSec * 100)} % of the connections reset (RST) per second by the server ${server.pid}` });
      continue;
    }
    context.notify({ type: 'fault', atUs });
    if (fault.kind === 'stall') {
      server.freeze(true);
      await sleep(fault.durationMs, context.signal);
      server.freeze(false);
      injected.push({ kind: fault.kind, atMs, durationMs: sinceWindowMs(context) - atMs, note: `server ${server.pid} stopped (SIGSTOP) and continued (SIGCONT)` });
      continue;
    }
    const signal = fault.kind === 'restart-hard' ? 'SIGKILL' : 'SIGTERM';
    const oldPid = server.pid;
    const oldEpoch = server.epoch;
    try {
      await server.restart(signal, fault.durationMs);
    } catch (error) {
      return { injected, failure: `the embedded server did not come back after ${fault.kind}: ${(error as Error).message}` };
    }
    const downMs = sinceWindowMs(context) - atMs;
    const stream = server.epoch === oldEpoch ? 'the same epoch: history and epoch handed over' : 'a new epoch: the history is gone';
    injected.push({ kind: fault.kind, atMs, durationMs: downMs, note: `${signal} to server ${oldPid}; server ${server.pid} listening on the same port ${downMs} ms later, ${stream}` });
  }
  return { injected };
}

/** /stats CPU samples every `periodMs` until `untilUs` (a stalled or restarting server is skipped). */
export async function sampleServerCpu(
  read: () => Promise<{ epoch?: string; cpu: { userUs: number; systemUs: number } } | null>,
  periodMs: number,
  untilUs: number,
  signal: AbortSignal,
): Promise<Array<{ atUs: number; epoch: string; cpuUs: number }>> {
  const samples: Array<{ atUs: number; epoch: string; cpuUs: number }> = [];
  while (monotonicUs() < untilUs && !signal.aborted) {
    const tickUs = monotonicUs();
    const stats = await read().catch(() => null);
    if (stats) samples.push({ atUs: monotonicUs(), epoch: stats.epoch ?? '', cpuUs: stats.cpu.userUs + stats.cpu.systemUs });
    await sleep(periodMs - (monotonicUs() - tickUs) / 1000, signal);
  }
  return samples;
}
