/**
 * A load worker: a child process that runs its share of one step's clients and reports raw,
 * mergeable figures (counters and encoded HDR histograms). Started by load/run/worker-pool.ts with
 * child_process.fork from compiled JavaScript, so no TypeScript loader sits in what is measured.
 *
 * Its own health is part of the measurement: the event-loop delay over the window tells
 * whether the figures describe the server or a saturated generator.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { monotonicUs } from '../../servers/contract.js';
import { CLIENTS } from '../clients/clients-by-transport.js';
import { emptyWireSample } from '../clients/wire-sample.js';
import { addFrameCounts, emptyFrameCounts, type H2FrameCounts } from '../clients/h2-frames.js';
import { startFailureKind } from '../clients/client-errors.js';
import { DeliveryTracker } from '../meter/delivery-tracker.js';
import { SocketMeter } from '../meter/socket-meter.js';
import { H2Session } from '../clients/h2-session.js';
import { FaultAgent, type FaultTarget } from './fault-agent.js';
import { ConnectPacer } from './connect-pacer.js';
import { WindowEdges } from './window-edges.js';
import { shardClientId } from './step-schedule.js';
import type { TransportClient } from '../clients/client-contract.js';
import type {
  ConnectCommand,
  ControllerMessage,
  WindowCommand,
  WireCountersPair,
  WorkerMessage,
  WorkerReport,
} from './worker-protocol.js';

const tracker = new DeliveryTracker();
const clients: TransportClient[] = [];
const faultTargets: FaultTarget[] = [];
/**
 * HTTP/2 connections shared by groups of clients (`--h2-clients-per-connection`): each counts its
 * socket on its own meter, which no client's wire() includes, so their bytes are added here once.
 */
const sharedSessions: H2Session[] = [];
/** Sampling period of the event-loop delay monitor; its samples include this period, so it is subtracted. */
const LOOP_RESOLUTION_MS = 10;
/**
 * The controller's delivery grace is a fixed time after the window; on a loaded machine a
 * message published at the window's end can still be on its way to a slow client when it ends.
 * So the worker waits, this long at most, until every client held to the window has the window's
 * highest seq; with nothing late it does not wait at all.
 */
const WINDOW_CATCH_UP_LIMIT_MS = 5_000;
const WINDOW_CATCH_UP_POLL_MS = 20;
/** How often, at most, a connecting worker tells the controller how far it got (the progress line). */
const CONNECT_PROGRESS_EVERY_MS = 250;
/** The golden ratio's fractional part (φ − 1): successive multiples of it spread evenly over [0, 1). */
const GOLDEN_RATIO_FRACTION = 0.6180339887498949;
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
const timers: NodeJS.Timeout[] = [];
let connectCommand: ConnectCommand | undefined;
let windowStart: WireCountersPair | undefined;
let windowEnd: WireCountersPair | undefined;
let windowStartedUs = 0;
/** The window's edges, taken at their instants (window-edges.ts). */
const edges = new WindowEdges(tracker);
/** The worker's own CPU time at the window's edges: the generator's cost beside the server's. */
let cpuAtWindowStart: NodeJS.CpuUsage | undefined;
let cpuInWindow: NodeJS.CpuUsage | undefined;
let windowEndedUs = 0;
let firstConnectUs = 0;
let stopping = false;
const faults = new FaultAgent(faultTargets, sumWire);

function send(message: WorkerMessage): void {
  process.send?.(message);
}

function sumWire(): WireCountersPair {
  let readBytes = 0;
  let writtenBytes = 0;
  let h2: H2FrameCounts | undefined;
  for (const w of [...clients.map((client) => client.wire()), ...sharedSessions.map((session) => session.meter.counters())]) {
    readBytes += w.readBytes;
    writtenBytes += w.writtenBytes;
    if (w.h2FrameBytes !== undefined) h2 = addFrameCounts(h2 ?? emptyFrameCounts(), w.h2FrameBytes);
  }
  return h2 === undefined ? { readBytes, writtenBytes } : { readBytes, writtenBytes, h2FrameBytes: h2 };
}

/** Connects clients at the worker's share of the connect rate; reports progress as it goes. */
async function connect(command: ConnectCommand): Promise<void> {
  connectCommand = command;
  const baseUrl = new URL(command.baseUrl);
  const failures: Record<string, number> = {};
  let connected = 0;
  let failed = 0;
  const pacer = new ConnectPacer(command.connectRate);
  const pending: Promise<void>[] = [];
  let lastProgressMs = 0;
  tracker.serverClockOffsetUs = command.clockOffsetUs ?? 0;
  firstConnectUs = monotonicUs();
  const perConnection = command.h2ClientsPerConnection ?? 1;
  let h2Session: H2Session | undefined;
  for (let i = 0; i < command.clients; i++) {
    if (!(await pacer.next(() => stopping))) break;
    // This worker's clients in groups of `perConnection`, each group on one connection (the last may be smaller).
    if (perConnection > 1 && i % perConnection === 0) sharedSessions.push((h2Session = new H2Session(new SocketMeter())));
    const clientTracker = tracker.createClient(command.since);
    const clientId = shardClientId(command.firstClient + i, command.shard);
    const localAddress = command.sourceAddresses?.[(command.firstClient + i) % command.sourceAddresses.length];
    const client = CLIENTS[command.transport]({
      baseUrl,
      since: command.since,
      epoch: command.epoch,
      reconnect: command.reconnect,
      headers: command.headers,
      intervalMs: command.intervalMs,
      holdMs: command.holdMs,
      phase: pollPhase(clientId),
      ...(localAddress !== undefined ? { localAddress } : {}),
      tracker: clientTracker,
      limits: command.limits,
      ...(command.crossOrigin !== undefined ? { crossOrigin: command.crossOrigin } : {}),
      ...(command.authorization !== undefined ? { authorization: command.authorization } : {}),
      ...(command.tls !== undefined ? { tls: command.tls } : {}),
      ...(command.http2 === true ? { http2: true } : {}),
      ...(h2Session !== undefined ? { h2Session } : {}),
      ...(command.compression !== undefined ? { compression: command.compression } : {}),
    });
    clients.push(client);
    faultTargets.push({ client, tracker: clientTracker });
    pending.push(
      pacer.track(client.start()).then(
        () => void connected++,
        (error: unknown) => {
          failed++;
          const code = startFailureKind(error, 'connect_failed');
          failures[code] = (failures[code] ?? 0) + 1;
        },
      ),
    );
    const nowMs = performance.now();
    if (nowMs - lastProgressMs > CONNECT_PROGRESS_EVERY_MS) {
      lastProgressMs = nowMs;
      send({ type: 'progress', connected, failed });
    }
  }
  await Promise.all(pending);
  send({ type: 'connected', connected, failures });
}

/**
 * Golden-ratio (low-discrepancy) phases: any number of consecutive clients cover the poll
 * interval evenly, the way random page-load times would on average, but reproducibly.
 */
function pollPhase(clientIndex: number): number {
  return ((clientIndex + 1) * GOLDEN_RATIO_FRACTION) % 1;
}

function atUs(targetUs: number, action: () => void): void {
  timers.push(setTimeout(action, Math.max(0, (targetUs - monotonicUs()) / 1000)));
}

function openWindow(command: WindowCommand): void {
  const { window } = command;
  if (command.clockOffsetUs !== undefined) tracker.serverClockOffsetUs = command.clockOffsetUs;
  const { timeline } = command;
  if (timeline !== undefined) faults.startTimeline(window.startUs, timeline.bucketMs, Math.ceil(timeline.spanMs / timeline.bucketMs));
  // The tracker judges messages by publish time, so it gets the window now, ahead of its start.
  // Opened by the timer instead, it missed the first in-window messages of the clients read
  // before a late timer fired (a loaded event loop), and counted them for the clients read after:
  // 8 "lost" in the window, 0 in the totals.
  tracker.openWindow(window, timeline);
  // Each edge is stamped when it is taken, before the snapshot: nothing is read while the
  // synchronous snapshot runs, so its counters are those of that moment however long it takes
  // (6–12 ms of CPU for 4,000 clients, 30–90 ms of wall time on a machine short of CPU, measured;
  // stamped after it, the demo's windows read up to 100 ms late with the counters on time).
  edges.schedule([
    {
      atUs: window.startUs,
      take: (takenUs) => {
        windowStart = sumWire();
        windowStartedUs = takenUs;
        tracker.socketsReadAt('start', takenUs);
        cpuAtWindowStart = process.cpuUsage();
        loopDelay.reset();
        loopDelay.enable();
      },
    },
    {
      atUs: window.endUs,
      take: (takenUs) => {
        windowEnd = sumWire();
        windowEndedUs = takenUs;
        tracker.socketsReadAt('end', takenUs);
        if (cpuAtWindowStart) cpuInWindow = process.cpuUsage(cpuAtWindowStart);
        loopDelay.disable();
      },
    },
  ]);
  startPublishers(command.publishFromUs, window.endUs);
}

/** Chat workload: the first `publishers` clients each publish at `publishRate` until the window ends. */
function startPublishers(fromUs: number, untilUs: number): void {
  const c = connectCommand;
  if (!c || c.publishers === 0 || c.publishRate <= 0) return;
  const periodMs = 1000 / c.publishRate;
  const data = 'p'.repeat(c.size);
  const publishers = clients.slice(0, c.publishers);
  publishers.forEach((client, i) => {
    // Stagger publishers across one period so they do not all fire on the same tick.
    const offsetUs = (i / publishers.length) * periodMs * 1000;
    atUs(fromUs + offsetUs, () => {
      const timer = setInterval(() => {
        if (monotonicUs() >= untilUs) clearInterval(timer);
        else client.publish(data);
      }, periodMs);
      timers.push(timer);
      client.publish(data);
    });
  });
}

function diff(a: WireCountersPair, b: WireCountersPair): WireCountersPair {
  const bytes = { readBytes: b.readBytes - a.readBytes, writtenBytes: b.writtenBytes - a.writtenBytes };
  return b.h2FrameBytes === undefined ? bytes : { ...bytes, h2FrameBytes: addFrameCounts(b.h2FrameBytes, a.h2FrameBytes ?? emptyFrameCounts(), -1) };
}

async function collect(): Promise<void> {
  const catchUpUntilMs = performance.now() + WINDOW_CATCH_UP_LIMIT_MS;
  while (!tracker.windowDelivered() && performance.now() < catchUpUntilMs) await sleep(WINDOW_CATCH_UP_POLL_MS);
  stopping = true;
  for (const timer of timers) clearTimeout(timer);
  edges.stop();
  loopDelay.disable();
  const start = windowStart ?? { readBytes: 0, writtenBytes: 0 };
  const end = windowEnd ?? sumWire();
  if (windowEnd === undefined) tracker.socketsReadAt('end', monotonicUs());
  const windowMs = windowStart ? ((windowEnd ? windowEndedUs : monotonicUs()) - windowStartedUs) / 1000 : 0;
  await Promise.all(clients.map((client) => client.stop().catch(() => undefined)));
  // A shared connection closes once the last client of its group let go of it.
  await Promise.all(sharedSessions.map((session) => session.meter.allClosed()));
  const wireTimeline = faults.stop();
  const delivery = tracker.report();
  const sample = clients[0]?.wireSample();
  const report: WorkerReport = {
    type: 'report',
    clientsConnected: delivery.connectedClients,
    clientsInWindow: delivery.clientsInWindow,
    window: delivery.window,
    totals: delivery.totals,
    wireWindow: diff(start, end),
    wireTotals: sumWire(),
    windowMs,
    ...(windowStart ? { windowOpenedUs: windowStartedUs } : {}),
    ...(windowEnd ? { windowClosedUs: windowEndedUs } : {}),
    totalsMs: (monotonicUs() - firstConnectUs) / 1000,
    connect: delivery.connect,
    recovery: delivery.recovery,
    unrecovered: delivery.unrecovered,
    ...(delivery.timeline ? { timeline: delivery.timeline } : {}),
    ...(wireTimeline ? { wireTimeline } : {}),
    // The histogram reports ns, sampling period included; 0 when the window never opened.
    eventLoopDelayP99Us: loopDelay.count > 0 ? Math.max(0, loopDelay.percentile(99) / 1000 - LOOP_RESOLUTION_MS * 1000) : 0,
    eventLoopDelayMaxUs: loopDelay.count > 0 ? Math.max(0, loopDelay.max / 1000 - LOOP_RESOLUTION_MS * 1000) : 0,
    wire: sample ?? emptyWireSample(),
    clientPorts: [...clients, ...sharedSessions.map((session) => session.meter)].flatMap((counted) => counted.localPorts()),
    cpuWindow: { userUs: cpuInWindow?.user ?? 0, systemUs: cpuInWindow?.system ?? 0 },
  };
  // Exit once the report is handed to the IPC channel: nothing of this step may linger.
  process.send?.(report, () => process.exit(0));
}

process.on('message', (message: ControllerMessage) => {
  // A worker that cannot go on says why and leaves: its clients must not linger.
  const fail = (error: unknown) =>
    process.send?.({ type: 'error', message: error instanceof Error ? error.message : String(error) }, () => process.exit(1));
  switch (message.type) {
    case 'connect':
      connect(message).catch(fail);
      break;
    case 'window':
      openWindow(message);
      break;
    case 'fault':
      faults.faultAt(message.atUs);
      break;
    case 'drop':
      faults.drop(message.untilUs, message.perSec);
      break;
    case 'reset-watch':
      tracker.faultOnErrorUntilUs = message.untilUs;
      break;
    case 'collect':
      collect().catch(fail);
      break;
  }
});
// The controller going away (Ctrl-C, crash) must not leave clients hammering the server.
process.on('disconnect', () => {
  if (!stopping) process.exit(0);
});
// Ctrl-C reaches the whole process group; the controller decides what to keep.
process.on('SIGINT', () => undefined);
