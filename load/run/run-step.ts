/**
 * One step of the ramp: `clients` clients of one transport against one server — connect at a
 * bounded rate, warm up, measure for `duration`, gather from the workers, tear down — folded
 * into a StepResult. Every wait is bounded (step-timing.ts, step-schedule.ts); a failure of the
 * server, the target, a worker or a fault fails the step with its reason, and the run goes on.
 */
import { monotonicUs, ROUTES, type TransportName } from '../../servers/contract.js';
import { StepCapture } from '../capture/step-capture.js';
import { clientLimits } from '../clients/client-limits.js';
import { authorizationValue } from '../clients/header-profiles.js';
import { DEFAULT_RECONNECT } from '../clients/reconnect-backoff.js';
import { tlsFor } from '../clients/tls-trust.js';
import type { MeasureWindow } from '../meter/delivery-tracker.js';
import { buildFaultFigures } from '../meter/fault-figures.js';
import { buildMeasurement, serverFigures } from '../meter/step-figures.js';
import { runCompression, type Measurement, type RunConfig, type StepResult } from '../results/results-schema.js';
import type { StepFailureKind } from '../results/step-failure-kinds.js';
import { sleep } from './abortable-sleep.js';
import { estimateClockOffset, type ClockEstimate } from './clock-offset.js';
import { injectFaults, sampleServerCpu } from './fault-schedule.js';
import type { ServerProcess } from './server-process.js';
import { deliveryGraceMs, shardClientCount, stepGraceMs, type StepSlot } from './step-schedule.js';
import { COLLECT_TIMEOUT_MS, DEFAULT_LOOP_DELAY_THRESHOLD_US, FAULT_BUCKET_MS, SERVER_WATCH_PERIOD_MS, clientLifetimeMs, connectTimeoutMs } from './step-timing.js';
import { getHealthz, getStats, quoteClipped, TargetAnswerError, type CheckedHealthz, type CheckedStats } from './target-answers.js';
import { shareOf, WorkerPool, type WorkerAnswer } from './worker-pool.js';
import type { ConnectCommand, WorkerReport } from './worker-protocol.js';

export type StepPhase = 'starting' | 'connecting' | 'warmup' | 'measuring' | 'collecting';

/** What a step needs of the run. */
export interface StepContext {
  config: RunConfig;
  /** Ctrl-C: the step is abandoned (runStep resolves undefined). */
  signal: AbortSignal;
  /** Progress: the step's phase, clients connected so far, when the phase ends (epoch ms). */
  onPhase?: (phase: StepPhase, connected: number, endsAtMs?: number) => void;
  /** Default {@link DEFAULT_LOOP_DELAY_THRESHOLD_US}. */
  loopDelayThresholdUs?: number;
}

/** Where the step runs: the server's URL, the embedded server (absent with --target), the capture folder (--capture). */
export interface StepTarget {
  transport: TransportName;
  url: string;
  server: ServerProcess | undefined;
  captureDir: string | null;
}

/**
 * The step measured, or undefined when it was interrupted (an unfinished step is not kept).
 * `clients` is the whole step's; with --shard this process runs its share of them.
 */
export async function runStep(context: StepContext, target: StepTarget, clients: number, slot?: StepSlot): Promise<StepResult | undefined> {
  const { config, signal } = context;
  const { transport, url, server } = target;
  // --start-at: the step begins at its slot, however early the previous one ended.
  if (slot) await sleep(slot.startMs - Date.now(), signal);
  if (signal.aborted) return undefined;
  const startedAt = new Date().toISOString();
  if (slot && Date.now() > slot.connectByMs) {
    return { clients, startedAt, status: 'failed', failureKind: 'late-start', reason: `started ${Date.now() - slot.startMs} ms after its slot began, past the schedule's connect deadline (${new Date(slot.connectByMs).toISOString()}): the previous step overran its slot or the shard started late`, measurement: null };
  }
  // --shard I/N: this shard's clients of the step; only shard 1 reads the server's /stats, so
  // the merged step counts the server once, not N times.
  const shard = config.shard;
  const readsServer = shard === undefined || shard.index === 1;
  const total = clients;
  const own = shardClientCount(total, shard);
  const phase = (p: StepPhase, connected: number, endsAtMs?: number) => context.onPhase?.(p, connected, endsAtMs);
  phase('starting', 0);
  const notes: string[] = [];
  // --capture: from before the step's first request to after its clients have closed.
  let capture: StepCapture | undefined;
  if (target.captureDir !== null) {
    try {
      capture = await StepCapture.start(target.captureDir, transport, own, url);
    } catch (error) {
      notes.push(`no capture of this step: ${(error as Error).message}`);
    }
  }
  let health: CheckedHealthz;
  try {
    health = await getHealthz(url);
  } catch (error) {
    await capture?.stop();
    if (!(error instanceof TargetAnswerError)) throw error;
    return { clients: total, startedAt, status: 'failed', failureKind: 'server-unreachable', reason: `GET ${url}${ROUTES.healthz} before the step began: ${error.message}`, measurement: null };
  }
  const clockProbe = (when: string) => probeClock(config, url, when, notes);
  const clock = await clockProbe('before the step');

  const pool = new WorkerPool(Math.max(1, Math.min(config.workers, own)), (connected) => phase('connecting', connected));
  // Ends this step's own timeouts when the step ends, so no timer outlives it (and holds the process).
  const stepDone = new AbortController();
  const stepSignal = AbortSignal.any([signal, stepDone.signal]);
  const memorySnapshot = (when: string) => (readsServer ? memoryStats(url, server, when, notes) : Promise.resolve(null));
  try {
    const memoryBefore = await memorySnapshot('before the clients connected');
    pool.sendEach((i) => connectCommand(config, target, { total, own }, health, clock, pool.count, i));
    phase('connecting', 0);
    const connectedMessages = await pool.gather('connected', slot ? slot.connectByMs - Date.now() : connectTimeoutMs(total, config.connectRate), stepSignal);
    if (signal.aborted) return undefined;
    const { connected, failure: connectFailure } = connectOutcome(connectedMessages, own, slot, pool.connected);
    const memoryConnected = connectFailure ? null : await memorySnapshot('once the clients were connected');
    if (memoryBefore && memoryConnected && !(memoryBefore.gc && memoryConnected.gc)) {
      notes.push(`memory per connection not measured: ${url}${ROUTES.stats}?gc=1 did not run a GC (a wirebench server does when node runs with --expose-gc)`);
    }

    // Probed again once the clients are connected (the machine is quieter than while the workers
    // started): the lower round trip wins, and its offset corrects the window's latency.
    const connectedClock = clock && !connectFailure ? await clockProbe('once the clients were connected') : null;
    const usedClock = betterClock(clock, connectedClock);
    // The window opens after the warm-up, or at its slot's fixed wall-clock start (--start-at).
    const window: MeasureWindow = { startUs: monotonicUs() + (slot ? slot.windowStartMs - Date.now() : config.warmupMs) * 1000, endUs: 0 };
    window.endUs = window.startUs + config.durationMs * 1000;
    const faultPlan = config.faults ?? [];
    const graceMs = stepGraceMs(config, transport);
    // The timeline stops a delivery grace before the step does: messages published later may
    // still be on their way (a poll not yet sent), which is not loss.
    const timeline = faultPlan.length > 0 ? { bucketMs: FAULT_BUCKET_MS, spanMs: config.durationMs + graceMs - deliveryGraceMs(config, transport) } : undefined;
    pool.broadcast({ type: 'window', window, publishFromUs: monotonicUs(), timeline, ...(usedClock ? { clockOffsetUs: usedClock.offsetUs } : {}) });
    // Fault steps: the faults on schedule, and the server's CPU sampled through the window.
    const faultRun =
      faultPlan.length > 0
        ? injectFaults(faultPlan, { windowStartUs: window.startUs, server, notify: (command) => pool.broadcast(command), signal: stepSignal })
        : undefined;
    const cpuSamples =
      faultPlan.length > 0
        ? sleep((window.startUs - monotonicUs()) / 1000, stepSignal).then(() => sampleServerCpu(() => getStats(url), FAULT_BUCKET_MS, window.endUs + graceMs * 1000, stepSignal))
        : undefined;
    // /stats is optional for a third-party server, and untrusted: a bad answer drops the step's
    // server figures with a note; the step and the run go on.
    const stats = (atUs: number, edge: string) =>
      sleep((atUs - monotonicUs()) / 1000, stepSignal).then(async (): Promise<CheckedStats | null> => {
        if (stepDone.signal.aborted || server?.exited || !readsServer) return null;
        try {
          return await getStats(url);
        } catch (error) {
          if (!(error instanceof TargetAnswerError)) throw error;
          notes.push(`server figures dropped: GET ${url}${ROUTES.stats} at the window's ${edge} ${error.message}`);
          return null;
        }
      });
    const statsStart = stats(window.startUs, 'start');
    const statsEnd = stats(window.endUs, 'end');
    const nowMs = Date.now();
    const warmupMs = (window.startUs - monotonicUs()) / 1000;
    phase('warmup', connected, nowMs + warmupMs);
    await sleep(warmupMs, signal);
    phase('measuring', connected, nowMs + warmupMs + config.durationMs);
    const died = await watchServer(server, config.durationMs + graceMs, signal);
    if (signal.aborted) return undefined;
    // Every fault action is bounded (fault-schedule.ts), so this wait is too.
    const faultOutcome = await faultRun;
    phase('collecting', connected);
    pool.broadcast({ type: 'collect' });
    const reports = await pool.gather('report', COLLECT_TIMEOUT_MS, stepSignal);
    // A dead server answers no /stats: stop waiting for the window's end snapshot.
    if (died) stepDone.abort();
    const good = (reports ?? []).filter((r): r is WorkerReport => r.type === 'report');
    const workerError = (reports ?? []).find((r) => r.type === 'error');
    const [start, end] = checkedServerStats(await statsStart, await statsEnd, faultOutcome, url, notes);
    const measurement: Measurement | null = good.length
      ? buildMeasurement({
          reports: good,
          statsStart: start,
          statsEnd: end,
          memory: { before: memoryBefore, connected: memoryConnected, clients: connected },
          loopDelayThresholdUs: context.loopDelayThresholdUs ?? DEFAULT_LOOP_DELAY_THRESHOLD_US,
          crossOrigin: config.crossOrigin !== undefined,
        })
      : null;
    if (measurement && faultOutcome) {
      measurement.faults = buildFaultFigures({
        reports: good,
        clientsInWindow: good.reduce((a, r) => a + r.clientsInWindow, 0),
        windowStartUs: window.startUs,
        bucketMs: FAULT_BUCKET_MS,
        injected: faultOutcome.injected,
        cpuSamples: (await cpuSamples) ?? [],
      });
    }
    if (measurement && usedClock) {
      // Re-estimated after the window: drift (and the two estimates' error) over the step.
      const after = await clockProbe('after the window');
      measurement.clock = { offsetUs: usedClock.offsetUs, uncertaintyUs: usedClock.uncertaintyUs, probes: usedClock.probes, driftUs: after ? after.offsetUs - usedClock.offsetUs : null };
    }
    if (capture && measurement) {
      const captured = await capture.finish(good, window, measurement.window, measurement.totals);
      measurement.capture = captured.figures;
      notes.push(...captured.notes);
    }
    const withNotes = {
      ...(notes.length > 0 ? { notes } : {}),
      ...(slot
        ? {
            schedule: {
              windowStartAt: new Date(slot.windowStartMs).toISOString(),
              windowStartServerUs: usedClock ? window.startUs + usedClock.offsetUs : null,
              windowOpenedLateMs: Math.max(0, ...good.map((r) => ((r.windowOpenedUs ?? window.startUs) - window.startUs) / 1000)),
              windowClosedLateMs: Math.max(0, ...good.map((r) => ((r.windowClosedUs ?? window.endUs) - window.endUs) / 1000)),
            },
          }
        : {}),
    };
    // A --target that died mid-step leaves clients failing to reconnect and nothing to tell it
    // from a quiet feed: the step is failed with its reason rather than "ok" with nothing delivered.
    const targetGone = config.target ? await getHealthz(url).then(() => undefined, (error: Error) => `the target stopped answering during the step (GET ${url}${ROUTES.healthz}: ${error.message})`) : undefined;
    // The first that applies, in the order of cause: a dead server explains everything after it.
    const failure =
      because('server-exited', died ? serverDiedReason(server) : undefined) ??
      because('target-gone', targetGone) ??
      because('fault', faultOutcome?.failure) ??
      connectFailure ??
      because('worker', workerError?.type === 'error' ? workerError.message : undefined) ??
      because('collect-timeout', reports ? undefined : `load workers did not report within ${COLLECT_TIMEOUT_MS / 1000} s`);
    if (failure || !measurement) {
      const { kind, reason } = failure ?? { kind: 'no-measurement', reason: 'no worker reported' };
      return { clients: total, startedAt, status: 'failed', failureKind: kind, reason, measurement, ...withNotes };
    }
    return { clients: total, startedAt, status: 'ok', measurement, ...withNotes };
  } finally {
    stepDone.abort();
    pool.kill();
    await capture?.stop();
  }
}

/**
 * Worker i's part of the step: its share of this process's clients and publishers, and everything
 * a client needs to know. `total` is the whole step's clients (every shard's), `own` this process's.
 */
function connectCommand(
  config: RunConfig,
  target: StepTarget,
  { total, own }: { total: number; own: number },
  health: CheckedHealthz,
  clock: ClockEstimate | null,
  workerCount: number,
  i: number,
): ConnectCommand {
  const share = (count: number, index: number) => shareOf(count, workerCount, index);
  const secure = tlsFor(target.url);
  const shard = config.shard;
  return {
    type: 'connect',
    transport: target.transport,
    baseUrl: target.url,
    since: health.seq,
    epoch: health.epoch,
    reconnect: config.reconnect ?? DEFAULT_RECONNECT,
    clients: share(own, i),
    firstClient: Array.from({ length: i }, (_, j) => share(own, j)).reduce((a, b) => a + b, 0),
    ...(shard ? { shard } : {}),
    ...(config.sourceAddresses ? { sourceAddresses: config.sourceAddresses } : {}),
    ...(clock ? { clockOffsetUs: clock.offsetUs } : {}),
    connectRate: config.connectRate / (shard?.count ?? 1) / workerCount,
    headers: config.headers.headers.map(([k, v]) => [k, v]),
    intervalMs: config.intervalMs,
    holdMs: config.holdMs,
    // With --shard, this shard's publishers: those among its client ids (every N-th of the first --publishers).
    publishers: config.workload === 'chat' ? Math.min(share(shardClientCount(config.publishers, shard), i), share(own, i)) : 0,
    publishRate: config.publishRate,
    size: config.size,
    limits: clientLimits({
      size: config.size,
      messagesPerSec: config.rate + (config.workload === 'chat' ? config.publishers * config.publishRate : 0),
      intervalMs: config.intervalMs,
      stepMs: clientLifetimeMs(total, config.connectRate, config.warmupMs, config.durationMs),
    }),
    ...clientSite(config),
    ...(secure === undefined ? {} : { tls: secure }),
    ...(usesHttp2(config, target.transport) ? { http2: true, ...(config.h2ClientsPerConnection === undefined ? {} : { h2ClientsPerConnection: config.h2ClientsPerConnection }) } : {}),
  };
}

/** HTTP/2 (h2, h2c) carries the HTTP transports; WebSocket stays HTTP/1.1 (RFC 8441 is not in ws). */
export function usesHttp2(config: RunConfig, transport: TransportName): boolean {
  return (config.protocol === 'h2' || config.protocol === 'h2c') && transport !== 'ws';
}

/** What the clients need to know about the page's site: cross-origin, the Authorization value, the run's compression. */
function clientSite(config: RunConfig): Pick<ConnectCommand, 'crossOrigin' | 'authorization' | 'compression'> {
  const site: Pick<ConnectCommand, 'crossOrigin' | 'authorization' | 'compression'> = {};
  const compression = runCompression(config);
  if (compression !== 'off') site.compression = compression;
  if (config.crossOrigin !== undefined) site.crossOrigin = { origin: config.crossOrigin.pageOrigin, credentials: config.crossOrigin.credentials };
  if ((config.authorizationBytes ?? 0) > 0) site.authorization = authorizationValue(config.authorizationBytes ?? 0);
  return site;
}

const LIMIT_HINTS: Record<string, string> = {
  EMFILE: 'too many open files: raise the open-file limit (ulimit -n) or use fewer clients per process (--workers)',
  ENFILE: 'the system-wide open-file table is full: raise fs.file-max or use fewer clients',
  EADDRNOTAVAIL: 'ephemeral ports exhausted: widen net.ipv4.ip_local_port_range or use fewer clients',
  EADDRINUSE: 'ephemeral ports exhausted: widen net.ipv4.ip_local_port_range or use fewer clients',
};

function describeFailures(failures: Record<string, number>, total: number): string {
  const parts = Object.entries(failures).map(([code, n]) => `${n}× ${code}${LIMIT_HINTS[code] ? ` (${LIMIT_HINTS[code]})` : ''}`);
  return `${Object.values(failures).reduce((a, b) => a + b, 0)} of ${total} clients failed to connect: ${parts.join('; ')}`;
}

/**
 * The clients connected over every worker, and why the connect phase failed (if it did).
 * `messages` null: not every worker answered in time (`connectedSoFar` had connected by then).
 */
function connectOutcome(messages: ReadonlyArray<WorkerAnswer<'connected'>> | null, clients: number, slot: StepSlot | undefined, connectedSoFar: number): { connected: number; failure: StepFailure | undefined } {
  if (!messages && slot) {
    return { connected: 0, failure: { kind: 'connect-timeout', reason: `connects too slow for the schedule: ${connectedSoFar} of ${clients} clients connected by its connect deadline (${new Date(slot.connectByMs).toISOString()}); lower --connect-rate or use more shards` } };
  }
  if (!messages) return { connected: 0, failure: { kind: 'connect-timeout', reason: 'clients did not finish connecting within the connect timeout' } };
  const failures: Record<string, number> = {};
  let failure: StepFailure | undefined;
  let connected = 0;
  for (const m of messages) {
    if (m.type === 'error') failure = { kind: 'worker', reason: m.message };
    else {
      connected += m.connected;
      for (const [code, n] of Object.entries(m.failures)) failures[code] = (failures[code] ?? 0) + n;
    }
  }
  if (!failure && Object.keys(failures).length > 0) failure = { kind: 'connect-failed', reason: describeFailures(failures, clients) };
  return { connected, failure };
}

/** Why a step failed: the kind (results' `failureKind`) and the one line for a person. */
interface StepFailure {
  kind: StepFailureKind;
  reason: string;
}

/** A failure of `kind` when there is a reason, else none. */
function because(kind: StepFailureKind, reason: string | undefined): StepFailure | undefined {
  return reason === undefined ? undefined : { kind, reason };
}

/**
 * Memory per connection: /stats after a GC just before the clients connect and once they are
 * connected — within the step, so the previous step's garbage is not counted. Untrusted and
 * optional like every /stats: a bad answer is a note, and the step goes on without the figure.
 */
async function memoryStats(url: string, server: ServerProcess | undefined, when: string, notes: string[]): Promise<CheckedStats | null> {
  if (server?.exited) return null;
  try {
    return await getStats(url, { gc: true });
  } catch (error) {
    if (!(error instanceof TargetAnswerError)) throw error;
    notes.push(`memory per connection not measured: GET ${url}${ROUTES.stats}?gc=1 ${when} ${error.message}`);
    return null;
  }
}

/** --target: the server's clock may be another host's. Its offset corrects every latency. */
async function probeClock(config: RunConfig, url: string, when: string, notes: string[]): Promise<ClockEstimate | null> {
  if (!config.target) return null;
  try {
    const estimate = await estimateClockOffset(url, config.sourceAddresses?.[0] === undefined ? {} : { localAddress: config.sourceAddresses[0] });
    if (!estimate) notes.push(`latency not corrected for clock offset: ${url}${ROUTES.healthz} states no clock (nowUs); right only with the server on this host`);
    return estimate;
  } catch (error) {
    if (!(error instanceof TargetAnswerError)) throw error;
    notes.push(`clock offset not estimated ${when}: GET ${url}${ROUTES.healthz} ${error.message}`);
    return null;
  }
}

/** Of the estimates before and after connecting, the one with the lower uncertainty, counting every probe. */
function betterClock(before: ClockEstimate | null, connected: ClockEstimate | null): ClockEstimate | null {
  if (!before) return null;
  if (connected && connected.uncertaintyUs < before.uncertaintyUs) return { ...connected, probes: before.probes + connected.probes };
  return { ...before, probes: before.probes + (connected?.probes ?? 0) };
}

/** The window's /stats pair, or none (with a note) when they cannot be compared or decoded. */
function checkedServerStats(start: CheckedStats | null, end: CheckedStats | null, faults: Awaited<ReturnType<typeof injectFaults>> | undefined, url: string, notes: string[]): [CheckedStats | null, CheckedStats | null] {
  // A restart is a new process whatever its epoch (a graceful one keeps the stream's): its counters start over.
  const restarted = faults?.injected.some((fault) => fault.kind === 'restart-hard' || fault.kind === 'restart-graceful') === true;
  if (restarted || (start?.epoch !== undefined && end?.epoch !== undefined && start.epoch !== end.epoch)) {
    notes.push('server figures over the window dropped: the server restarted in it (a new process); its CPU per bucket is in the fault timeline');
    return [null, null];
  }
  try {
    serverFigures(start, end);
  } catch (error) {
    notes.push(`server figures dropped: the fan-out histogram of ${url}${ROUTES.stats} is not a valid HDR encoding (${quoteClipped((error as Error).message)})`);
    return [null, null];
  }
  return [start, end];
}

function serverDiedReason(server: ServerProcess | undefined): string | undefined {
  return server?.exited ? `the server exited mid-step (${server.exited.signal ?? `code ${String(server.exited.code)}`}): ${server.stderrTail() || 'no output'}` : undefined;
}

/** Waits `ms`, returning early (true) if the embedded server exits meanwhile. */
async function watchServer(server: ServerProcess | undefined, ms: number, signal: AbortSignal): Promise<boolean> {
  const endMs = Date.now() + ms;
  while (Date.now() < endMs && !signal.aborted) {
    if (server?.exited) return true;
    await sleep(Math.min(SERVER_WATCH_PERIOD_MS, endMs - Date.now()), signal);
  }
  return Boolean(server?.exited);
}
