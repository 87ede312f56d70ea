/**
 * Shards of one run measure the same wall-clock windows without a coordinator: `--start-at`
 * plus a step schedule that follows from the configuration alone, so every shard computes the
 * same one. Each (transport, clients) step gets a fixed slot, in the order the run takes them:
 *
 *   start ─ prepare ─ connect budget ─┬─ warm-up ─┬─ window ─┬─ grace ─ teardown ─ end = next start
 *                                  connect by   window start  window end
 *
 * The connect budget comes from the connect rate (the run's rate, shared by the shards), with
 * slack for a busy machine. A shard that cannot keep its slot (started after the connect deadline,
 * or clients still connecting at it) fails that step with the reason; it never shifts its window.
 *
 * Pure module: wall-clock ms in, wall-clock ms out.
 */
import type { TransportName } from '../../servers/contract.js';
import { DEFAULT_RECONNECT } from '../clients/reconnect-backoff.js';
import type { RunConfig } from '../results/results-schema.js';
import { plannedRuns, variantKey } from '../results/run-variants.js';

/** A restarted server's start-up (a new Node process) on a busy machine, ms. */
export const FAULT_RESTART_ALLOWANCE_MS = 3000;

/** The slot's fixed parts, ms; each is documented in docs/scale-out.md. */
export const SCHEDULE_MS = {
  /** Forking the load workers, /healthz, the clock probes. */
  prepare: 5000,
  /** Added to the connect budget, which is also stretched by {@link CONNECT_BUDGET_FACTOR}. */
  connectSlack: 5000,
  /** Collecting the workers' reports and closing every client. */
  teardown: 5000,
  /** …plus this per client of the largest shard (closing sockets, reports over IPC). */
  teardownPerClient: 1,
} as const;
/** Connects at the configured rate take clients ÷ rate; the budget allows this many times that. */
export const CONNECT_BUDGET_FACTOR = 1.5;

/** Short polling: beyond one poll interval, for the poll that fetches a message published just before the window closed. */
export const POLL_DELIVERY_GRACE_MS = 500;
/** The push transports: delivery of a message published just before the window closed. */
export const PUSH_DELIVERY_GRACE_MS = 1000;

/** Messages published just before the window closes still need their delivery, ms. */
export function deliveryGraceMs(config: RunConfig, transport: TransportName): number {
  return transport === 'poll' ? config.intervalMs + POLL_DELIVERY_GRACE_MS : PUSH_DELIVERY_GRACE_MS;
}

/**
 * From the window's end until the clients are asked for their figures, ms: the delivery grace,
 * and after a fault also the clients' way back (the longest reconnect delay the policy allows,
 * the last fault's own length) — bounded, so a step never hangs on a fault.
 */
export function stepGraceMs(config: RunConfig, transport: TransportName): number {
  const faults = config.faults ?? [];
  if (faults.length === 0) return deliveryGraceMs(config, transport);
  const reconnect = config.reconnect ?? DEFAULT_RECONNECT;
  return (
    deliveryGraceMs(config, transport) +
    Math.max(reconnect.maxMs * (1 + reconnect.jitter), 2 * reconnect.sseRetryMs) +
    Math.max(0, ...faults.map((f) => f.atMs + f.durationMs - config.durationMs)) +
    FAULT_RESTART_ALLOWANCE_MS
  );
}

/**
 * Clients of a `clients` step that shard `index` of `count` runs: client ids index−1, index−1+count, …
 * (0-based) — every count-th one, so each shard's clients spread over the whole population.
 */
export function shardClientCount(clients: number, shard: { index: number; count: number } | undefined): number {
  if (!shard) return clients;
  return shard.index > clients ? 0 : Math.floor((clients - shard.index) / shard.count) + 1;
}

/**
 * The id in the whole step (0-based) of the `local`-th client (0-based) that shard `index` of
 * `count` runs: index−1, index−1+count, … — so poll phases and connect order, which follow the id,
 * spread over the whole population as in an unsharded run.
 */
export function shardClientId(local: number, shard: { index: number; count: number } | undefined): number {
  return shard ? shard.index - 1 + local * shard.count : local;
}

/** One step's slot, wall-clock ms since the epoch. */
export interface StepSlot {
  transport: TransportName;
  /** The variant's key (load/results/run-variants.ts `variantKey`): a run of several has a slot per transport × variant × clients. */
  variant: string;
  clients: number;
  startMs: number;
  /** Every client of the step is connected by then, or the step fails. */
  connectByMs: number;
  windowStartMs: number;
  windowEndMs: number;
  /** The next step's start. */
  endMs: number;
}

/** Every step's slot from `startAtMs`, in run order (transports, then client steps). */
export function stepSchedule(config: RunConfig, startAtMs: number): StepSlot[] {
  const shards = config.shard?.count ?? 1;
  const slots: StepSlot[] = [];
  let startMs = startAtMs;
  for (const { transport, variant } of plannedRuns(config)) {
    for (const clients of config.clients) {
      // The largest shard's clients at its share of the connect rate (the same time for the run as a whole).
      const perShard = Math.ceil(clients / shards);
      const connectMs = Math.ceil(((perShard * shards) / config.connectRate) * 1000 * CONNECT_BUDGET_FACTOR) + SCHEDULE_MS.connectSlack;
      const connectByMs = startMs + SCHEDULE_MS.prepare + connectMs;
      const windowStartMs = connectByMs + config.warmupMs;
      const windowEndMs = windowStartMs + config.durationMs;
      const endMs = windowEndMs + Math.ceil(stepGraceMs(config, transport)) + SCHEDULE_MS.teardown + perShard * SCHEDULE_MS.teardownPerClient;
      slots.push({ transport, variant: variantKey(variant), clients, startMs, connectByMs, windowStartMs, windowEndMs, endMs });
      startMs = endMs;
    }
  }
  return slots;
}
