/**
 * The ramp runner: for each transport a fresh server process (or the --target), for each client
 * step: connect at a bounded rate, warm up, measure for `duration`, gather from the workers,
 * tear down. The results document is rewritten (atomically) after every step, so a crash or
 * Ctrl-C keeps every finished step.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monotonicUs, ROUTES, type TransportName } from '../../servers/contract.js';
import type { WirebenchServerOptions } from '../../servers/server-options.js';
import { clientLimits } from '../clients/client-limits.js';
import { DEFAULT_RECONNECT } from '../clients/reconnect-backoff.js';
import type { MeasureWindow } from '../meter/delivery-tracker.js';
import { buildFaultFigures } from '../meter/fault-figures.js';
import { injectFaults, sampleServerCpu } from './fault-schedule.js';
import { authorizationValue } from '../clients/header-profiles.js';
import { writeResultsFile } from '../results/results-file.js';
import type { Environment, Measurement, ResultsDocument, RunConfig, StepResult, TlsConfig, TransportResult } from '../results/results-schema.js';
import { RESULTS_SCHEMA_ID, RESULTS_SCHEMA_VERSION, validateResults } from '../results/results-schema.js';
import { repeatStep } from '../meter/repeat-median.js';
import { prepareCapture, StepCapture } from '../capture/step-capture.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { buildMeasurement, serverFigures } from '../meter/step-figures.js';
import { estimateClockOffset, type ClockEstimate } from './clock-offset.js';
import { deliveryGraceMs, shardClientCount, stepGraceMs, stepSchedule, type StepSlot } from './step-schedule.js';
import { getHealthz, getStats, quoteClipped, TargetAnswerError, type CheckedStats } from './target-answers.js';
import type { ConnectCommand, WorkerMessage, WorkerReport } from './worker-protocol.js';
import { readFile } from 'node:fs/promises';
import type { ClientTls } from '../clients/tcp-connect.js';
import { markH2c, tlsFor, trustOrigin } from '../clients/tls-trust.js';

const WORKER_PATH = fileURLToPath(new URL('./worker.js', import.meta.url));

/** Bucket of the fault timeline (and period of the /stats CPU samples), ms. */
const FAULT_BUCKET_MS = 500;

/** A worker's event-loop delay p99 above which a step is generator-saturated (bench --max-loop-delay), µs. */
export const DEFAULT_LOOP_DELAY_THRESHOLD_US = 50_000;

export type StepPhase = 'starting' | 'connecting' | 'warmup' | 'measuring' | 'collecting';

export type RunEvent =
  | { kind: 'transport'; transport: TransportName; index: number; of: number; url: string; pid: number | null }
  | { kind: 'phase'; transport: TransportName; clients: number; phase: StepPhase; connected: number; endsAtMs?: number }
  | { kind: 'step'; transport: TransportName; step: StepResult }
  | { kind: 'written'; file: string }
  /** Something the user should know that does not stop the run (e.g. --capture is not possible here). */
  | { kind: 'notice'; message: string };

export interface RunOptions {
  config: RunConfig;
  environment: Environment;
  /** Where the results document is (re)written after every step. */
  outFile: string;
  /** Ctrl-C: the current step is abandoned, finished steps are kept. */
  signal: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /** A worker whose event-loop delay p99 exceeds this marks the step generator-saturated. Default {@link DEFAULT_LOOP_DELAY_THRESHOLD_US}. */
  loopDelayThresholdUs?: number;
  /** More options for the embedded servers (e.g. padHeaderBytes in regression tests: bench --server-arg). */
  serverOptions?: WirebenchServerOptions;
}

/** A failure the user can act on; `message` is one line. */
export class RunError extends Error {
  override name = 'RunError';
}

export async function runBench(options: RunOptions): Promise<ResultsDocument> {
  const { config } = options;
  const document: ResultsDocument = {
    schema: RESULTS_SCHEMA_ID,
    version: RESULTS_SCHEMA_VERSION,
    status: 'running',
    startedAt: new Date().toISOString(),
    finishedAt: null,
    config,
    environment: options.environment,
    results: [],
  };
  // A document the schema would refuse must fail now, not after the first step has run.
  validateResults(document);
  if (config.target) {
    try {
      if (config.tls !== undefined) trustOrigin(config.target, await targetTls(config.tls));
      if (config.protocol === 'h2c') markH2c(config.target);
      await checkTarget(config.target);
    } catch (error) {
      // Nothing ran, but the results file says what happened (a CI job looks for it).
      document.status = 'failed';
      document.finishedAt = new Date().toISOString();
      await writeResultsFile(options.outFile, document).catch(() => undefined);
      throw error;
    }
  }
  // --capture: where the step captures go, or one line on why there will be none (the run goes on).
  let captureDir: string | null = null;
  if (config.capture) {
    const prepared = await prepareCapture(options.outFile, config.target);
    if ('dir' in prepared) captureDir = prepared.dir;
    else {
      document.environment = { ...document.environment, captureUnavailable: prepared.problem };
      options.onEvent?.({ kind: 'notice', message: `--capture: ${prepared.problem}; the run goes on without the TCP/IP layer` });
    }
  }
  let failed = false;
  // --start-at: every step's slot, the same on every shard (load/run/step-schedule.ts).
  const slots = config.startAt === undefined ? undefined : stepSchedule(config, Date.parse(config.startAt));
  for (const [index, transport] of config.transports.entries()) {
    if (options.signal.aborted) break;
    const result: TransportResult = {
      transport,
      server: { kind: config.target ? 'target' : 'embedded', url: config.target ?? '' },
      steps: [],
    };
    let server: ServerProcess | undefined;
    try {
      if (!config.target) {
        const serverOptions = { ...corsServerOptions(config), ...options.serverOptions };
        const tls = config.tls !== undefined;
        const http2 = usesHttp2(config, transport);
        server = await startServerProcess({ transport, rate: config.rate, size: config.size, holdMs: config.holdMs, heartbeatMs: config.heartbeatMs, server: serverOptions, tls, http2 });
        result.server.url = server.url;
        // The clients trust exactly the certificate this server presents (unless told to verify nothing).
        if (server.certificate !== undefined) trustOrigin(server.url, { ca: server.certificate, verify: config.tls?.verify !== 'skipped' });
        if (http2 && !tls) markH2c(server.url);
      }
      document.results.push(result);
      options.onEvent?.({ kind: 'transport', transport, index, of: config.transports.length, url: result.server.url, pid: server?.pid ?? null });
      for (const clients of config.clients) {
        if (options.signal.aborted) break;
        // --repeat N: the step runs N times; it keeps every repeat and the per-metric medians.
        const slot = slots?.find((s) => s.transport === transport && s.clients === clients);
        const step = await repeatStep(config.repeat, () => runStep(options, transport, clients, result.server.url, server, captureDir, slot));
        if (!step) break; // interrupted: the unfinished step is not kept
        result.steps.push(step);
        if (step.status === 'failed') failed = true;
        options.onEvent?.({ kind: 'step', transport, step });
        await writeResultsFile(options.outFile, document);
        options.onEvent?.({ kind: 'written', file: options.outFile });
        if (server?.exited) break; // the server died: later steps of this transport cannot run
      }
    } catch (error) {
      // A fatal error (a server that will not start, a results file that cannot be written):
      // the document on disk says so, with every step finished before it.
      document.status = 'failed';
      document.finishedAt = new Date().toISOString();
      await writeResultsFile(options.outFile, document).catch(() => undefined);
      throw error;
    } finally {
      await server?.stop();
    }
  }
  document.status = options.signal.aborted ? 'interrupted' : failed ? 'failed' : 'complete';
  document.finishedAt = new Date().toISOString();
  await writeResultsFile(options.outFile, document);
  options.onEvent?.({ kind: 'written', file: options.outFile });
  return document;
}

/** HTTP/2 (h2, h2c) carries the HTTP transports; WebSocket stays HTTP/1.1 (RFC 8441 is not in ws). */
function usesHttp2(config: RunConfig, transport: TransportName): boolean {
  return (config.protocol === 'h2' || config.protocol === 'h2c') && transport !== 'ws';
}

/** How the clients trust a --target over TLS: its --ca file, the system store, or nothing (--insecure). */
async function targetTls(tls: TlsConfig): Promise<ClientTls> {
  if (tls.verify === 'skipped') return { verify: false };
  if (tls.caFile === undefined) return { verify: true };
  try {
    return { ca: await readFile(tls.caFile, 'utf8'), verify: true };
  } catch (error) {
    throw new RunError(`--ca ${tls.caFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** A cross-origin run's embedded servers allow the page's origin, with the run's credentials and max-age. */
function corsServerOptions(config: RunConfig): WirebenchServerOptions {
  const cross = config.crossOrigin;
  if (cross === undefined) return {};
  return {
    allowedOrigins: [cross.pageOrigin],
    ...(cross.serverMaxAgeSeconds !== null ? { corsMaxAgeSeconds: cross.serverMaxAgeSeconds } : {}),
    ...(cross.credentials ? { corsCredentials: true } : {}),
  };
}

/** What the clients need to know about the page's site: cross-origin and the Authorization value. */
function clientSite(config: RunConfig): Pick<ConnectCommand, 'crossOrigin' | 'authorization'> {
  const site: Pick<ConnectCommand, 'crossOrigin' | 'authorization'> = {};
  if (config.crossOrigin !== undefined) site.crossOrigin = { origin: config.crossOrigin.pageOrigin, credentials: config.crossOrigin.credentials };
  if ((config.authorizationBytes ?? 0) > 0) site.authorization = authorizationValue(config.authorizationBytes ?? 0);
  return site;
}

/** A target that refuses connections or is not a wirebench server: one clear line naming the URL. */
async function checkTarget(target: string): Promise<void> {
  const url = new URL(ROUTES.healthz, target).href;
  try {
    await getHealthz(target);
  } catch (error) {
    if (!(error instanceof TargetAnswerError)) throw error;
    if (error.kind === 'unreachable' || error.kind === 'timeout') {
      throw new RunError(`target ${target} is not reachable: GET ${url} got ${error.message}; start a server with \`wirebench serve\` or check the URL`);
    }
    throw new RunError(`target ${target} is not a wirebench server: GET ${url} ${error.message} (expected {"name":"wirebench","seq":N,…})`);
  }
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

class WorkerHandle {
  readonly child: ChildProcess;
  private readonly waiters = new Map<string, (message: WorkerMessage) => void>();
  exitError: string | undefined;

  constructor(onProgress: (connected: number) => void) {
    this.child = fork(WORKER_PATH, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') onProgress(message.connected);
      else if (message.type === 'error') {
        // A worker's failure answers whatever the controller is waiting for, at once.
        this.exitError = message.message;
        for (const resolve of this.waiters.values()) resolve(message);
        return;
      }
      this.waiters.get(message.type)?.(message);
    });
    // 'close', not 'exit': it comes after the IPC channel has delivered the worker's last message.
    this.child.once('close', (code, signal) => {
      this.exitError ??= `load worker exited (${signal ?? `code ${String(code)}`})`;
      for (const resolve of this.waiters.values()) resolve({ type: 'error', message: this.exitError });
    });
  }

  /** The next message of `type`, or an error message if the worker dies first. */
  next<T extends WorkerMessage['type']>(type: T): Promise<Extract<WorkerMessage, { type: T }> | Extract<WorkerMessage, { type: 'error' }>> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        resolve({ type: 'error', message: this.exitError ?? 'load worker exited' });
        return;
      }
      this.waiters.set(type, resolve as (message: WorkerMessage) => void);
    });
  }

  send(message: Parameters<NonNullable<ChildProcess['send']>>[0]): void {
    if (this.child.connected) this.child.send(message);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function runStep(
  options: RunOptions,
  transport: TransportName,
  clients: number,
  url: string,
  server: ServerProcess | undefined,
  captureDir: string | null,
  slot?: StepSlot,
): Promise<StepResult | undefined> {
  const { config, signal } = options;
  // --start-at: the step begins at its slot, however early the previous one ended.
  if (slot) await sleep(slot.startMs - Date.now(), signal);
  if (signal.aborted) return undefined;
  const startedAt = new Date().toISOString();
  if (slot && Date.now() > slot.connectByMs) {
    return { clients, startedAt, status: 'failed', reason: `started ${Date.now() - slot.startMs} ms after its slot began, past the schedule's connect deadline (${new Date(slot.connectByMs).toISOString()}): the previous step overran its slot or the shard started late`, measurement: null };
  }
  // --shard I/N: this shard's clients of the step; only shard 1 reads the server's /stats, so
  // the merged step counts the server once, not N times.
  const shard = config.shard;
  const readsServer = shard === undefined || shard.index === 1;
  const total = clients;
  clients = shardClientCount(total, shard);
  const phase = (p: StepPhase, connected: number, endsAtMs?: number) =>
    options.onEvent?.({ kind: 'phase', transport, clients: total, phase: p, connected, endsAtMs });
  phase('starting', 0);
  const notes: string[] = [];
  // --capture: from before the step's first request to after its clients have closed.
  let capture: StepCapture | undefined;
  if (captureDir !== null) {
    try {
      capture = await StepCapture.start(captureDir, transport, clients, url);
    } catch (error) {
      notes.push(`no capture of this step: ${(error as Error).message}`);
    }
  }
  let health;
  try {
    health = await getHealthz(url);
  } catch (error) {
    await capture?.stop();
    if (!(error instanceof TargetAnswerError)) throw error;
    return { clients: total, startedAt, status: 'failed', reason: `GET ${url}${ROUTES.healthz} before the step began: ${error.message}`, measurement: null };
  }
  // --target: the server's clock may be another host's. Its offset corrects every latency.
  const clockProbe = async (when: string): Promise<ClockEstimate | null> => {
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
  };
  const clock = await clockProbe('before the step');

  const workerCount = Math.max(1, Math.min(config.workers, clients));
  const progress = new Array<number>(workerCount).fill(0);
  const workers = Array.from({ length: workerCount }, (_, i) =>
    new WorkerHandle((connected) => {
      progress[i] = connected;
      phase('connecting', progress.reduce((a, b) => a + b, 0));
    }),
  );
  // Ends this step's own timeouts when the step ends, so no timer outlives it (and holds the process).
  const stepDone = new AbortController();
  const stepSignal = AbortSignal.any([signal, stepDone.signal]);
  const serverDied = () => (server?.exited ? `the server exited mid-step (${server.exited.signal ?? `code ${String(server.exited.code)}`}): ${server.stderrTail() || 'no output'}` : undefined);
  // Memory per connection: /stats after a GC just before the clients connect and once they are
  // connected — within the step, so the previous step's garbage is not counted. Untrusted and
  // optional like every /stats: a bad answer is a note, and the step goes on without the figure.
  const memorySnapshot = async (when: string): Promise<CheckedStats | null> => {
    if (server?.exited || !readsServer) return null;
    try {
      return await getStats(url, { gc: true });
    } catch (error) {
      if (!(error instanceof TargetAnswerError)) throw error;
      notes.push(`memory per connection not measured: GET ${url}${ROUTES.stats}?gc=1 ${when} ${error.message}`);
      return null;
    }
  };
  try {
    const memoryBefore = await memorySnapshot('before the clients connected');
    // Split clients and publishers as evenly as possible across workers.
    const secure = tlsFor(url);
    const share = (total: number, i: number) => Math.floor(total / workerCount) + (i < total % workerCount ? 1 : 0);
    workers.forEach((worker, i) => {
      const command: ConnectCommand = {
        type: 'connect',
        transport,
        baseUrl: url,
        since: health.seq,
        epoch: health.epoch,
        reconnect: config.reconnect ?? DEFAULT_RECONNECT,
        clients: share(clients, i),
        firstClient: Array.from({ length: i }, (_, j) => share(clients, j)).reduce((a, b) => a + b, 0),
        ...(shard ? { shard } : {}),
        ...(config.sourceAddresses ? { sourceAddresses: config.sourceAddresses } : {}),
        ...(clock ? { clockOffsetUs: clock.offsetUs } : {}),
        connectRate: config.connectRate / (shard?.count ?? 1) / workerCount,
        headers: config.headers.headers.map(([k, v]) => [k, v]),
        intervalMs: config.intervalMs,
        holdMs: config.holdMs,
        publishers: config.workload === 'chat' ? Math.min(share(config.publishers, i), share(clients, i)) : 0,
        publishRate: config.publishRate,
        size: config.size,
        limits: clientLimits({
          size: config.size,
          messagesPerSec: config.rate + (config.workload === 'chat' ? config.publishers * config.publishRate : 0),
          intervalMs: config.intervalMs,
          // Ramp-up, warm-up, window, and the connect and collect timeouts.
          stepMs: (total / config.connectRate) * 1000 + config.warmupMs + config.durationMs + 120_000,
        }),
        ...clientSite(config),
        ...(secure === undefined ? {} : { tls: secure }),
        ...(usesHttp2(config, transport) ? { http2: true } : {}),
      };
      worker.send(command);
    });
    phase('connecting', 0);
    const connectedMessages = await Promise.race([
      Promise.all(workers.map((w) => w.next('connected'))),
      sleep(slot ? slot.connectByMs - Date.now() : (total / config.connectRate) * 1000 + 60_000, stepSignal).then(() => null),
    ]);
    if (signal.aborted) return undefined;
    const failures: Record<string, number> = {};
    let connectFailure: string | undefined;
    if (!connectedMessages && slot) {
      connectFailure = `connects too slow for the schedule: ${progress.reduce((a, b) => a + b, 0)} of ${clients} clients connected by its connect deadline (${new Date(slot.connectByMs).toISOString()}); lower --connect-rate or use more shards`;
    } else if (!connectedMessages) connectFailure = 'clients did not finish connecting within the connect timeout';
    else {
      for (const m of connectedMessages) {
        if (m.type === 'error') connectFailure = m.message;
        else for (const [code, n] of Object.entries(m.failures)) failures[code] = (failures[code] ?? 0) + n;
      }
    }
    if (!connectFailure && Object.keys(failures).length > 0) connectFailure = describeFailures(failures, clients);
    const connected = connectedMessages?.reduce((a, m) => a + (m.type === 'connected' ? m.connected : 0), 0) ?? 0;
    const memoryConnected = connectFailure ? null : await memorySnapshot('once the clients were connected');
    if (memoryBefore && memoryConnected && !(memoryBefore.gc && memoryConnected.gc)) {
      notes.push(`memory per connection not measured: ${url}${ROUTES.stats}?gc=1 did not run a GC (a wirebench server does when node runs with --expose-gc)`);
    }

    // Probed again once the clients are connected (the machine is quieter than while the workers
    // started): the lower round trip wins, and its offset corrects the window's latency.
    const connectedClock = clock && !connectFailure ? await clockProbe('once the clients were connected') : null;
    const usedClock = connectedClock && clock && connectedClock.uncertaintyUs < clock.uncertaintyUs ? { ...connectedClock, probes: clock.probes + connectedClock.probes } : clock && { ...clock, probes: clock.probes + (connectedClock?.probes ?? 0) };
    // The window opens after the warm-up, or at its slot's fixed wall-clock start (--start-at).
    const window: MeasureWindow = { startUs: monotonicUs() + (slot ? slot.windowStartMs - Date.now() : config.warmupMs) * 1000, endUs: 0 };
    window.endUs = window.startUs + config.durationMs * 1000;
    // Messages published just before the window closes still need their delivery: a poll
    // interval for short polling, a short grace for the push transports. After a fault, clients
    // also need their way back: the longest reconnect delay the policy allows, and the last
    // fault's own length — bounded, so a step never hangs on a fault.
    const faultPlan = config.faults ?? [];
    const graceMs = stepGraceMs(config, transport);
    // The timeline stops a delivery grace before the step does: messages published later may
    // still be on their way (a poll not yet sent), which is not loss.
    const timeline = faultPlan.length > 0 ? { bucketMs: FAULT_BUCKET_MS, spanMs: config.durationMs + graceMs - deliveryGraceMs(config, transport) } : undefined;
    for (const worker of workers) worker.send({ type: 'window', window, publishFromUs: monotonicUs(), timeline, ...(usedClock ? { clockOffsetUs: usedClock.offsetUs } : {}) });
    // Fault steps: the faults on schedule, and the server's CPU sampled through the window.
    const faultRun =
      faultPlan.length > 0
        ? injectFaults(faultPlan, { windowStartUs: window.startUs, server, notify: (command) => workers.forEach((w) => w.send(command)), signal: stepSignal })
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
    for (const worker of workers) worker.send({ type: 'collect' });
    const reports = await Promise.race([
      Promise.all(workers.map((w) => w.next('report'))),
      sleep(60_000, stepSignal).then(() => null),
    ]);
    // A dead server answers no /stats: stop waiting for the window's end snapshot.
    if (died) stepDone.abort();
    const good = (reports ?? []).filter((r): r is WorkerReport => r.type === 'report');
    const workerError = (reports ?? []).find((r) => r.type === 'error');
    let [start, end] = [await statsStart, await statsEnd];
    // A restart is a new process whatever its epoch (a graceful one keeps the stream's): its counters start over.
    const restarted = faultOutcome?.injected.some((fault) => fault.kind === 'restart-hard' || fault.kind === 'restart-graceful') === true;
    if (restarted || (start?.epoch !== undefined && end?.epoch !== undefined && start.epoch !== end.epoch)) {
      notes.push('server figures over the window dropped: the server restarted in it (a new process); its CPU per bucket is in the fault timeline');
      [start, end] = [null, null];
    }
    try {
      serverFigures(start, end);
    } catch (error) {
      notes.push(`server figures dropped: the fan-out histogram of ${url}${ROUTES.stats} is not a valid HDR encoding (${quoteClipped((error as Error).message)})`);
      [start, end] = [null, null];
    }
    const measurement: Measurement | null = good.length
      ? buildMeasurement({
          reports: good,
          statsStart: start,
          statsEnd: end,
          memory: { before: memoryBefore, connected: memoryConnected, clients: connected },
          loopDelayThresholdUs: options.loopDelayThresholdUs ?? DEFAULT_LOOP_DELAY_THRESHOLD_US,
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
            },
          }
        : {}),
    };
    // A --target that died mid-step leaves clients failing to reconnect and nothing to tell it
    // from a quiet feed: the step is failed with its reason rather than "ok" with nothing delivered.
    const targetGone = config.target ? await getHealthz(url).then(() => undefined, (error: Error) => `the target stopped answering during the step (GET ${url}${ROUTES.healthz}: ${error.message})`) : undefined;
    const reason = (died ? serverDied() : undefined) ?? targetGone ?? faultOutcome?.failure ?? connectFailure ?? (workerError?.type === 'error' ? workerError.message : undefined) ?? (reports ? undefined : 'load workers did not report within 60 s');
    if (reason || !measurement) {
      return { clients: total, startedAt, status: 'failed', reason: reason ?? 'no worker reported', measurement, ...withNotes };
    }
    return { clients: total, startedAt, status: 'ok', measurement, ...withNotes };
  } finally {
    stepDone.abort();
    for (const worker of workers) worker.kill();
    await capture?.stop();
  }
}

/** Waits `ms`, returning early (true) if the embedded server exits meanwhile. */
async function watchServer(server: ServerProcess | undefined, ms: number, signal: AbortSignal): Promise<boolean> {
  const endMs = Date.now() + ms;
  while (Date.now() < endMs && !signal.aborted) {
    if (server?.exited) return true;
    await sleep(Math.min(200, endMs - Date.now()), signal);
  }
  return Boolean(server?.exited);
}
