/**
 * The ramp runner: for each transport (× variant, in a run of several: load/results/run-variants.ts)
 * a fresh server process (or the --target), for each client step (run-step.ts): connect at a
 * bounded rate, warm up, measure for `duration`, gather from the workers, tear down. The results document is rewritten (atomically) after every step, so a crash
 * or Ctrl-C keeps every finished step.
 */
import { readFile } from 'node:fs/promises';
import { ROUTES, type TransportName } from '../../servers/contract.js';
import type { WirebenchServerOptions } from '../../servers/server-options.js';
import { prepareCapture } from '../capture/step-capture.js';
import type { ClientTls } from '../clients/tcp-connect.js';
import { markH2c, trustOrigin } from '../clients/tls-trust.js';
import { repeatStep } from '../meter/repeat-median.js';
import { writeResultsFile } from '../results/results-file.js';
import type { Environment, ResultsDocument, RunConfig, StepResult, TlsConfig, TransportResult } from '../results/results-schema.js';
import { RESULTS_SCHEMA_ID, RESULTS_SCHEMA_VERSION, runCompression, runPayload, validateResults } from '../results/results-schema.js';
import { runStep, usesHttp2, type StepContext, type StepPhase } from './run-step.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { stepSchedule } from './step-schedule.js';
import { entryName, hasVariants, plannedRuns, variantConfig, variantKey } from '../results/run-variants.js';
import { DEFAULT_LOOP_DELAY_THRESHOLD_US } from './step-timing.js';
import { getHealthz, TargetAnswerError } from './target-answers.js';

export { DEFAULT_LOOP_DELAY_THRESHOLD_US };
export type { StepPhase };

export type RunEvent =
  /** A transport's server is up (`name`: the transport with its variant in a run of several, "poll (HTTP/2 + TLS)"; absent: the transport). */
  | { kind: 'transport'; transport: TransportName; name?: string; index: number; of: number; url: string; pid: number | null }
  | { kind: 'phase'; transport: TransportName; clients: number; phase: StepPhase; connected: number; endsAtMs?: number }
  | { kind: 'step'; transport: TransportName; step: StepResult }
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
  // Each transport under each variant (a run of one variant: each transport), a wire once.
  const runs = plannedRuns(config);
  for (const [index, { transport, variant }] of runs.entries()) {
    if (options.signal.aborted) break;
    // The variant's own configuration: what its server, clients and figures see, as in a run of that variant alone.
    const runConfig = hasVariants(config) ? variantConfig(config, variant) : config;
    const result: TransportResult = {
      transport,
      ...(hasVariants(config) ? { variant } : {}),
      server: { kind: config.target ? 'target' : 'embedded', url: config.target ?? '' },
      steps: [],
    };
    let server: ServerProcess | undefined;
    try {
      if (!config.target) {
        const serverOptions = { ...corsServerOptions(runConfig), ...feedServerOptions(runConfig), ...options.serverOptions };
        const tls = runConfig.tls !== undefined;
        const http2 = usesHttp2(runConfig, transport);
        server = await startServerProcess({ transport, rate: config.rate, size: config.size, holdMs: config.holdMs, heartbeatMs: config.heartbeatMs, server: serverOptions, tls, http2 });
        result.server.url = server.url;
        // The clients trust exactly the certificate this server presents (unless told to verify nothing).
        if (server.certificate !== undefined) trustOrigin(server.url, { ca: server.certificate, verify: config.tls?.verify !== 'skipped' });
        if (http2 && !tls) markH2c(server.url);
      }
      document.results.push(result);
      options.onEvent?.({ kind: 'transport', transport, name: entryName(config, result), index, of: runs.length, url: result.server.url, pid: server?.pid ?? null });
      for (const clients of config.clients) {
        if (options.signal.aborted) break;
        // --repeat N: the step runs N times; it keeps every repeat and the per-metric medians.
        const slot = slots?.find((s) => s.transport === transport && s.variant === variantKey(variant) && s.clients === clients);
        const step = await repeatStep(config.repeat, () => runStep(stepContext(options, runConfig, transport, clients), { transport, url: result.server.url, server, captureDir }, clients, slot));
        if (!step) break; // interrupted: the unfinished step is not kept
        result.steps.push(step);
        if (step.status === 'failed') failed = true;
        options.onEvent?.({ kind: 'step', transport, step });
        await writeResultsFile(options.outFile, document);
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
  return document;
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

/** The run's payload and compression for its embedded servers (named only when not the default). */
function feedServerOptions(config: RunConfig): Pick<WirebenchServerOptions, 'payload' | 'compression'> {
  const compression = runCompression(config);
  const payload = runPayload(config);
  return { ...(compression === 'off' ? {} : { compression }), ...(payload === 'repeat' ? {} : { payload }) };
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

/** The step's view of the run: its configuration, Ctrl-C, and progress events naming the step. */
function stepContext(options: RunOptions, config: RunConfig, transport: TransportName, clients: number): StepContext {
  const context: StepContext = { config, signal: options.signal };
  if (options.onEvent) {
    const onEvent = options.onEvent;
    context.onPhase = (phase, connected, endsAtMs) => onEvent({ kind: 'phase', transport, clients, phase, connected, endsAtMs });
  }
  if (options.loopDelayThresholdUs !== undefined) context.loopDelayThresholdUs = options.loopDelayThresholdUs;
  return context;
}
