/**
 * How many clients this machine can hold, computed before a run starts rather than discovered
 * as thousands of EMFILE failures: every client holds one socket (a file descriptor) in its load
 * worker and — with the embedded server — one in the server process, and every connection to the
 * one target address takes an ephemeral port. The limits are read from Linux's /proc; where
 * they cannot be read, no check is made.
 */
import { readFileSync } from 'node:fs';

/** Descriptors a Node process uses besides its clients' sockets (stdio, IPC, epoll, timers, files). */
export const RESERVED_FDS = 64;

export interface SystemLimits {
  /** The soft open-file limit of this process (inherited by workers and the server); null when unknown. */
  openFiles: number | null;
  /** Ephemeral ports (net.ipv4.ip_local_port_range) for connections to one address; null when unknown. */
  ephemeralPorts: number | null;
}

export function readSystemLimits(): SystemLimits {
  let openFiles: number | null = null;
  let ephemeralPorts: number | null = null;
  try {
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (match && match[1] !== 'unlimited') openFiles = Number(match[1]);
  } catch {
    // Not Linux: no check.
  }
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && high! >= low!) ephemeralPorts = high! - low! + 1;
  } catch {
    // Not Linux: no check.
  }
  return { openFiles, ephemeralPorts };
}

export interface BudgetInputs {
  /** The largest client step (of this shard). */
  clients: number;
  /** Local addresses the clients connect from (`--source-addresses`): each has its own ephemeral ports. Default 1. */
  addresses?: number;
  /** Extra connections (HTTP publishers of the chat workload). */
  extraConnections: number;
  workers: number;
  /** An embedded server holds every connection in one process; a --target is not ours to count. */
  embeddedServer: boolean;
}

/**
 * Why the largest step cannot run here (one line naming the limit and what would do), or null.
 * Workers get the clients split evenly, so each holds ceil(clients / workers).
 */
export function connectionBudgetProblem(inputs: BudgetInputs, limits: SystemLimits): string | null {
  const connections = inputs.clients + inputs.extraConnections;
  const addresses = inputs.addresses ?? 1;
  if (limits.ephemeralPorts !== null && connections > limits.ephemeralPorts * addresses) {
    const ports = limits.ephemeralPorts * addresses;
    return `needs ${connections} connections to one address but there are ${limits.ephemeralPorts} ephemeral ports (net.ipv4.ip_local_port_range)${addresses > 1 ? ` × ${addresses} source addresses` : ''}: use at most ${ports - inputs.extraConnections} clients, more --source-addresses, or widen the range`;
  }
  if (limits.openFiles === null) return null;
  const perProcess = limits.openFiles - RESERVED_FDS;
  if (inputs.embeddedServer && connections > perProcess) {
    return `needs ${connections} sockets in the embedded server process but its open-file limit (ulimit -n) is ${limits.openFiles}: use at most ${Math.max(0, perProcess - inputs.extraConnections)} clients, or raise the limit`;
  }
  const perWorker = Math.ceil(connections / inputs.workers);
  if (perWorker > perProcess) {
    return `needs ${perWorker} sockets in each of ${inputs.workers} load workers but the open-file limit (ulimit -n) is ${limits.openFiles}: use at most ${inputs.workers * perProcess - inputs.extraConnections} clients, more --workers, or raise the limit`;
  }
  return null;
}
