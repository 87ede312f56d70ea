/**
 * Messages between the controller (load/run/run-step.ts, through worker-pool.ts) and a load worker (load/run/worker.ts) over the
 * child-process IPC channel. A worker lives for one step: connect → window → collect → exit.
 */
import type { Compression, TransportName } from '../../servers/contract.js';
import type { ClientLimits } from '../clients/client-limits.js';
import type { ReconnectPolicy } from '../clients/reconnect-backoff.js';
import type { MeasureWindow, RawInterval, RawTimeline } from '../meter/delivery-tracker.js';
import type { RawWireTimeline } from './fault-agent.js';
import type { CrossOrigin } from '../clients/header-profiles.js';
import type { WireSample } from '../results/results-schema.js';
import type { ClientTls } from '../clients/tcp-connect.js';
import type { WireCounters } from '../clients/client-contract.js';

export interface ConnectCommand {
  type: 'connect';
  transport: TransportName;
  baseUrl: string;
  since: number;
  /** The epoch of `since` (from /healthz); absent when the server states none. */
  epoch?: string;
  reconnect: ReconnectPolicy;
  /** Clients this worker runs. */
  clients: number;
  /** Index of this worker's first client in the step (spreads poll phases across workers). */
  firstClient: number;
  /** `--shard I/N`: the step's client ids of this shard are I−1, I−1+N, … (spreads poll phases over the whole population). */
  shard?: { index: number; count: number };
  /** `--source-addresses`: the clients connect from these local addresses, in turn. */
  sourceAddresses?: string[];
  /** Server clock − this host's clock, µs (`--target`): messages' `ts` are converted by it. */
  clockOffsetUs?: number;
  /** This worker's share of the connect rate (connects/s). */
  connectRate: number;
  headers: Array<[string, string]>;
  intervalMs: number;
  /** The server's long-poll hold (ClientOptions.holdMs). */
  holdMs: number;
  /** How many of this worker's clients publish (chat workload), and how often each does. */
  publishers: number;
  publishRate: number;
  /** Payload size of published messages (bytes). */
  size: number;
  /** Caps on what a client holds of one answer, from the run's configuration. */
  limits: ClientLimits;
  /** The page is on another origin (ClientOptions.crossOrigin); absent: same-origin. */
  crossOrigin?: CrossOrigin;
  /** Authorization value on every fetch (ClientOptions.authorization); absent: none. */
  authorization?: string;
  /** HTTPS / WSS: how the clients speak TLS (ClientOptions.tls); absent: cleartext. */
  tls?: ClientTls;
  /** HTTP/2 for the HTTP transports (ClientOptions.http2); absent: HTTP/1.1. */
  http2?: boolean;
  /** HTTP/2: clients per shared connection (`--h2-clients-per-connection`, ClientOptions.h2Session); absent: 1, each its own. */
  h2ClientsPerConnection?: number;
  /** The run's compression (ClientOptions.compression); absent: off. */
  compression?: Compression;
}

export interface WindowCommand {
  type: 'window';
  window: MeasureWindow;
  /** When publishers start (µs monotonic): the beginning of warm-up. */
  publishFromUs: number;
  /** `--target`: the clock offset re-estimated once the clients were connected (replaces the connect command's). */
  clockOffsetUs?: number;
  /** Fault steps: keep per-bucket figures from the window's start over `spanMs` (window and grace). */
  timeline?: { bucketMs: number; spanMs: number };
}

/** A server-side fault (restart, stall) hit every client at `atUs`. */
export interface FaultCommand {
  type: 'fault';
  atUs: number;
}

/** The drop fault: reset `perSec` × clients connections per second until `untilUs`. */
export interface DropCommand {
  type: 'drop';
  untilUs: number;
  perSec: number;
}

/**
 * The server resets connections (drop-server) until `untilUs`: a client whose connection fails
 * before then was hit at that moment (the generator cannot know which ones the server picks).
 */
export interface ResetWatchCommand {
  type: 'reset-watch';
  untilUs: number;
}

export interface CollectCommand {
  type: 'collect';
}

export type ControllerMessage = ConnectCommand | WindowCommand | FaultCommand | DropCommand | ResetWatchCommand | CollectCommand;

export interface ProgressMessage {
  type: 'progress';
  connected: number;
  failed: number;
}

export interface ConnectedMessage {
  type: 'connected';
  connected: number;
  /** Connect failures by error code (ECONNREFUSED, EMFILE, …). */
  failures: Record<string, number>;
}

/** Socket bytes (and, for HTTP/2 clients, their plaintext by frame kind): the clients' WireCounters summed. */
export type WireCountersPair = WireCounters;

export interface WorkerReport {
  type: 'report';
  clientsConnected: number;
  clientsInWindow: number;
  window: RawInterval;
  totals: RawInterval;
  /** Socket bytes between window start and end, and from first connect to last close. */
  wireWindow: WireCountersPair;
  wireTotals: WireCountersPair;
  /** Real time between the two window snapshots, ms. */
  windowMs: number;
  /** When the window's start snapshot was actually taken here (µs monotonic; ≥ its start); absent if it never was. */
  windowOpenedUs?: number;
  /** The same for the window's end snapshot. */
  windowClosedUs?: number;
  totalsMs: number;
  connect: string;
  /** Time to recover (encoded histogram, µs) and clients still waiting for a message after a fault. */
  recovery?: string;
  unrecovered?: number;
  /** Fault steps: per-bucket figures (by publish time, and by time at the sockets). */
  timeline?: RawTimeline;
  wireTimeline?: RawWireTimeline;
  eventLoopDelayP99Us: number;
  eventLoopDelayMaxUs: number;
  wire: WireSample;
  /** Local ports of every socket this worker's clients connected (attributes a packet capture). */
  clientPorts: number[];
  /** This worker's CPU time over the window, µs (0 when the window never closed). */
  cpuWindow: { userUs: number; systemUs: number };
}

export interface WorkerErrorMessage {
  type: 'error';
  message: string;
}

export type WorkerMessage = ProgressMessage | ConnectedMessage | WorkerReport | WorkerErrorMessage;
