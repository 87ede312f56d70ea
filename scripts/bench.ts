/**
 * `wirebench bench`: flags (scripts/bench-options.ts, a preset and the config file under them) →
 * a validated RunConfig → the runner → results, reports, thresholds, exit code.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { connectionBudgetProblem, readSystemLimits } from '../load/run/connection-budget.js';
import { describeEnvironment } from '../load/run/environment.js';
import { CHROMIUM_PREFLIGHT_CACHE } from '../load/clients/cors-preflight.js';
import { DEFAULT_PAGE_URL, resolveHeaderProfile } from '../load/clients/header-profiles.js';
import { defaultResultsDir } from '../load/results/results-file.js';
import { protocolUsesHttp2, protocolUsesTls, type Compression, type Protocol, type RunConfig, type TlsConfig, type Variant } from '../load/results/results-schema.js';
import { runBench } from '../load/run/runner.js';
import { OutputPathError, prepareOutputDirectory } from '../load/results/safe-file.js';
import { shardClientCount } from '../load/run/step-schedule.js';
import { renderThresholdText } from '../reports/thresholds.js';
import { BENCH_OPTIONS, BUILT_IN_PRESETS, type BenchFlags, type BenchPreset } from './bench-options.js';
import { BenchProgress, printSummaryTable } from './bench-progress.js';
import { EXIT, UsageError } from './exit-codes.js';
import type { TransportName } from '../servers/contract.js';
import { addOptionTable, optionDefaults, parseRow } from './option-table.js';
import { parseFault, parsePositiveNumber } from './options.js';
import { writeRunReports } from './report.js';
import { finishRunOutputs } from './run-outputs.js';
import { serverDocumentFromArgs } from './serve-options.js';
import { checkThresholds } from './threshold-options.js';
import { WIREBENCH_VERSION } from './version.js';
import { shardedConfigProblem } from './shard-options.js';

export type { BenchFlags } from './bench-options.js';
type BenchKey = keyof typeof BENCH_OPTIONS;

const PRESETS: Record<string, BenchPreset> = { ...BUILT_IN_PRESETS };
/** Where runs go without --out: results/<timestamp>/, and results/latest points at the last one. */
const RESULTS_ROOT = 'results';

/** Presets from wirebench.config.json, beside the built-in ones (which they may not replace). */
export function addPresets(extra: Record<string, Record<string, string>>): void {
  for (const [name, values] of Object.entries(extra)) {
    if (name in BUILT_IN_PRESETS) throw new UsageError(`preset ${JSON.stringify(name)} is built in: give yours another name`);
    PRESETS[name] = values;
  }
}

/** Every option's default (scripts/bench-options.ts), as commander gives them: for scripts and the API. */
export function benchFlagDefaults(): BenchFlags {
  return optionDefaults(BENCH_OPTIONS);
}

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('Drive each transport with rising client counts and measure bytes, latency and server cost (loopback).');
  addOptionTable(bench, BENCH_OPTIONS);
  bench.action(async (flags: BenchFlags, command: Command) => {
      const config = buildConfig(flags, command);
      const thresholds = flags.threshold.map((rule) => parseRow(BENCH_OPTIONS.threshold, rule));
      const failOn = flags.failOn === undefined ? [] : parseRow(BENCH_OPTIONS.failOn, flags.failOn);
      const loopDelayThresholdUs = parseRow(BENCH_OPTIONS.maxLoopDelay, flags.maxLoopDelay) * 1000;
      // `serve` flags for the embedded servers, parsed by serve's own table into their typed document.
      const serverOptions = serverDocumentFromArgs(flags.serverArg);
      // The run's own flags set these for servers and clients alike (and the results record them).
      for (const [key, flag] of [['compression', '--compression'], ['payload', '--payload']] as const) {
        if (serverOptions[key] !== undefined) throw new UsageError(`--server-arg ${flag} is not valid: use bench's own ${flag}, which the clients and the results follow too`);
      }
      const outDir = flags.out ?? defaultResultsDir(RESULTS_ROOT, new Date());
      const outFile = path.join(outDir, 'results.json');
      // Before anything runs: a run whose results cannot be written is not started.
      try {
        await prepareOutputDirectory(outDir, 'results.json');
      } catch (error) {
        if (error instanceof OutputPathError) throw new UsageError(`--out ${error.message}`);
        throw error;
      }
      const controller = new AbortController();
      let interrupts = 0;
      const onSignal = () => {
        interrupts++;
        if (interrupts > 1) process.exit(EXIT.interrupted); // the file already holds every finished step
        process.stderr.write('\nwirebench: interrupted — finishing up and keeping every finished step (Ctrl-C again to quit now)\n');
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const progress = flags.quiet ? { onEvent: () => undefined, stop: () => undefined } : new BenchProgress(process.stderr, config);
      const document = await runBench({
        config,
        environment: describeEnvironment(WIREBENCH_VERSION),
        outFile,
        signal: controller.signal,
        onEvent: (event) => progress.onEvent(event),
        loopDelayThresholdUs,
        serverOptions,
      }).finally(() => progress.stop());
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);

      if (flags.json) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      else if (!flags.quiet) printSummaryTable(process.stdout, document);
      const reports = flags.report ? await writeRunReports(document, outDir) : [];
      await finishRunOutputs(document, { outDir, outFile, reports, latestRoot: flags.out === undefined ? RESULTS_ROOT : null, quiet: flags.quiet === true, open: flags.open === true });
      const checks = checkThresholds(document, thresholds, failOn, flags.quiet ? new PassThrough() : process.stderr);
      const failedChecks = checks.filter((c) => !c.passed).length;
      if (flags.quiet && failedChecks > 0) process.stderr.write(renderThresholdText(checks));
      process.exitCode = document.status === 'interrupted' ? EXIT.interrupted : document.status === 'failed' ? EXIT.failed : failedChecks > 0 ? EXIT.threshold : EXIT.ok;
  });
}

/** Flags (with the preset under them) → a validated RunConfig; throws UsageError before anything starts. */
export function buildConfig(flags: BenchFlags, command: Command): RunConfig {
  if (flags.quick && flags.preset !== undefined && flags.preset !== 'quick') throw new UsageError(`--quick is --preset quick: it cannot be combined with --preset ${JSON.stringify(flags.preset)}`);
  if (flags.quick) flags = { ...flags, preset: 'quick' };
  const preset = flags.preset === undefined ? {} : PRESETS[flags.preset];
  if (!preset) throw new UsageError(`--preset ${JSON.stringify(flags.preset)} is not a preset: use one of ${Object.keys(PRESETS).join(', ')}`);
  // A preset fills in what the user did not set on the command line.
  const pick = (key: BenchKey): string => {
    const fromCli = command.getOptionValueSource(key) === 'cli';
    return (fromCli ? undefined : preset[key]) ?? String(flags[key]);
  };
  const read = <K extends BenchKey>(key: K) => parseRow(BENCH_OPTIONS[key], pick(key));
  const headersName = read('headers');
  const cookieBytes = read('cookieBytes');
  const workload = read('workload');
  const target = flags.target === undefined ? null : parseRow(BENCH_OPTIONS.target, flags.target);
  const { protocols, tls } = parseProtocol(flags, command, pick, target);
  const [protocol = 'http1'] = protocols;
  // Under h2c an embedded WebSocket server is HTTP/1.1 of its own (cleartext Upgrade, said in the
  // --protocol help); a target that speaks h2c only has no HTTP/1.1 to upgrade.
  if (target !== null && protocols.includes('h2c') && read('transports').includes('ws')) {
    throw new UsageError(`--protocol h2c with --target and the ws transport: an h2c target speaks cleartext HTTP/2 only, and WebSocket needs an HTTP/1.1 Upgrade (RFC 8441 is not in ws); leave ws out (--transports poll,longpoll,sse) or bench ws over --protocol http1`);
  }
  const crossOrigin = flags.crossOrigin === true;
  for (const [flag, key] of [['--cors-credentials', 'corsCredentials'], ['--cors-max-age', 'corsMaxAge']] as const) {
    if (!crossOrigin && command.getOptionValueSource(key) === 'cli') throw new UsageError(`${flag} applies to cross-origin runs only: add --cross-origin`);
  }
  if (flags.target !== undefined && command.getOptionValueSource('corsMaxAge') === 'cli') {
    throw new UsageError('--cors-max-age sets the embedded servers\' Access-Control-Max-Age: with --target the target sends its own');
  }
  const corsMaxAgeSeconds = read('corsMaxAge');
  const compressions = read('compression');
  const variants = matrixVariants(protocols, compressions);
  const payload = read('payload');
  if (target !== null && payload !== 'repeat') throw new UsageError(`--payload ${payload} sets what the embedded servers publish: a --target publishes its own`);
  const authorizationBytes = read('authorization');
  const scaleOut = parseScaleOut(flags, target);
  const faults = parseFaults(flags, read, target !== null);
  // As --cors-* without --cross-origin: an option of another kind of run is refused, not ignored
  // (ignored, even a bad value such as --publishers -1 passed unseen).
  const dropFault = faults?.some((fault) => fault.kind === 'drop' || fault.kind === 'drop-server') === true;
  for (const [flag, key, applies, kind] of [
    ['--publishers', 'publishers', workload === 'chat', 'the chat workload only: add --workload chat'],
    ['--publish-rate', 'publishRate', workload === 'chat', 'the chat workload only: add --workload chat'],
    ['--drop-rate', 'dropRate', dropFault, 'drop faults only: add --fault drop or --fault drop-server'],
  ] as const) {
    if (!applies && command.getOptionValueSource(key) === 'cli') throw new UsageError(`${flag} applies to ${kind}`);
  }
  const h2ClientsPerConnection = parseH2Sharing(read('h2ClientsPerConnection'), protocols, read('transports'), faults);
  const config: RunConfig = {
    transports: read('transports'),
    clients: read('clients'),
    durationMs: read('duration'),
    warmupMs: read('warmup'),
    // A chat run may have no feed at all: only its publishers speak.
    rate: workload === 'chat' ? parsePositiveNumber('--rate', pick('rate'), { allowZero: true }) : read('rate'),
    size: read('size'),
    intervalMs: read('interval'),
    holdMs: read('hold'),
    heartbeatMs: read('heartbeat'),
    connectRate: read('connectRate'),
    workers: read('workers'),
    headers: resolveHeaderProfile(headersName, cookieBytes),
    workload,
    publishers: workload === 'chat' ? read('publishers') : 0,
    publishRate: workload === 'chat' ? read('publishRate') : 0,
    // Off is written `false`, as before compression existed (results-schema.ts runCompression);
    // several compressions are the run's variants, each entry its own.
    ...(compressions.length > 1 ? {} : { compression: compressions[0] === 'off' ? false : compressions[0] }),
    ...(payload === 'repeat' ? {} : { payload }),
    repeat: read('repeat'),
    target,
    preset: flags.preset ?? null,
    faults,
    ...(flags.capture === true ? { capture: true } : {}),
    reconnect: {
      baseMs: read('reconnectDelay'),
      maxMs: read('reconnectMax'),
      jitter: read('reconnectJitter'),
      sseRetryMs: read('sseRetry'),
    },
    ...(authorizationBytes > 0 ? { authorizationBytes } : {}),
    // Absent for the default (HTTP/1.1 cleartext), so a default run's document is as before;
    // several protocols are the run's variants (load/results/run-variants.ts), each entry its own.
    ...(protocols.length > 1 || protocol === 'http1' ? {} : { protocol }),
    ...(variants ? { variants } : {}),
    // Absent for the default (a connection per client), so a default run's document is as before.
    ...(h2ClientsPerConnection > 1 ? { h2ClientsPerConnection } : {}),
    ...(tls === undefined ? {} : { tls }),
    ...scaleOut,
    ...(crossOrigin
      ? {
          crossOrigin: {
            pageOrigin: DEFAULT_PAGE_URL.origin,
            credentials: flags.corsCredentials === true,
            serverMaxAgeSeconds: target === null ? corsMaxAgeSeconds : null,
            preflightCache: { ...CHROMIUM_PREFLIGHT_CACHE },
          },
        }
      : {}),
  };
  // The largest step must fit this machine's open-file limit and ephemeral ports: say so now,
  // not as thousands of EMFILE failures minutes into the run.
  const largest = Math.max(...config.clients);
  const unshardable = shardedConfigProblem(config);
  if (unshardable !== null) throw new UsageError(unshardable);
  const problem = connectionBudgetProblem(
    {
      clients: shardClientCount(largest, config.shard),
      addresses: config.sourceAddresses?.length ?? 1,
      extraConnections: config.workload === 'chat' && config.transports.some((t) => t !== 'ws') ? shardClientCount(config.publishers, config.shard) : 0,
      workers: config.workers,
      embeddedServer: config.target === null,
    },
    readSystemLimits(),
  );
  if (problem) throw new UsageError(`--clients ${largest} ${problem}`);
  return config;
}

/**
 * Several values of a matrix axis (`--protocol http1,h2`, `--compression off,on`): the run's
 * variants, every combination, the first axis varying slowest (load/results/run-variants.ts);
 * each names only the axes listed with several values (the others are the run's own).
 */
function matrixVariants(protocols: readonly Protocol[], compressions: readonly Compression[]): Variant[] | undefined {
  if (protocols.length < 2 && compressions.length < 2) return undefined;
  return (protocols.length > 1 ? protocols : [undefined]).flatMap((protocol) =>
    (compressions.length > 1 ? compressions : [undefined]).map((compression) => ({ ...(protocol ? { protocol } : {}), ...(compression ? { compression } : {}) })),
  );
}

/**
 * --protocol (one or several) with --target, --ca and --insecure: one consistent way to reach the
 * server under each protocol, or a UsageError. TLS settings apply to the protocols over TLS.
 */
function parseProtocol(flags: BenchFlags, command: Command, pick: (key: BenchKey) => string, target: string | null): { protocols: Protocol[]; tls: TlsConfig | undefined } {
  const targetTls = target !== null && target.startsWith('https:');
  // An https:// target given without --protocol means HTTP/1.1 over TLS.
  const raw = targetTls && command.getOptionValueSource('protocol') !== 'cli' && pick('protocol') === 'http1' ? 'http1-tls' : pick('protocol');
  const protocols = parseRow(BENCH_OPTIONS.protocol, raw);
  for (const protocol of protocols) {
    const secure = protocolUsesTls(protocol);
    if (target !== null && secure !== targetTls) {
      throw new UsageError(`--protocol ${protocol} ${secure ? 'runs over TLS' : 'is cleartext'}: give an ${secure ? 'https' : 'http'}:// --target (got ${target})`);
    }
  }
  // One target answers every protocol of the list: an h2c server speaks cleartext HTTP/2 only.
  if (target !== null && protocols.length > 1 && protocols.includes('h2c')) {
    throw new UsageError(`--protocol ${protocols.join(',')} with --target: an h2c target speaks cleartext HTTP/2 only, so it cannot also be reached over ${protocols.find((p) => p !== 'h2c')}; bench it alone`);
  }
  if (!protocols.some(protocolUsesTls)) {
    if (flags.ca !== undefined || flags.insecure === true) throw new UsageError(`--${flags.ca !== undefined ? 'ca' : 'insecure'} applies to TLS runs only: use --protocol http1-tls or h2, or an https:// --target`);
    return { protocols, tls: undefined };
  }
  if (flags.ca !== undefined && flags.insecure === true) throw new UsageError('--ca and --insecure contradict each other: trust a CA, or verify nothing');
  if (flags.insecure === true) {
    const host = target === null ? '127.0.0.1' : new URL(target).hostname;
    if (!isLoopbackHost(host)) throw new UsageError(`--insecure is for loopback targets only (got ${host}): give the target's CA with --ca`);
    return { protocols, tls: { verify: 'skipped' } };
  }
  if (flags.ca !== undefined) {
    if (target === null) throw new UsageError('--ca is for a --target: embedded servers are trusted by the certificate they make');
    let text: string;
    try {
      text = readFileSync(flags.ca, 'utf8');
    } catch (error) {
      throw new UsageError(`--ca ${JSON.stringify(flags.ca)} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): give a PEM certificate file`);
    }
    if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--ca ${JSON.stringify(flags.ca)} is not valid: use a PEM file with a CERTIFICATE block`);
    return { protocols, tls: { verify: 'ca-file', caFile: path.resolve(flags.ca) } };
  }
  return { protocols, tls: { verify: target === null ? 'embedded-certificate' : 'system' } };
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** --shard, --start-at, --source-addresses (scripts/shard-options.ts), with what they need. */
function parseScaleOut(flags: BenchFlags, target: string | null): Pick<RunConfig, 'shard' | 'startAt' | 'sourceAddresses'> {
  const out: Pick<RunConfig, 'shard' | 'startAt' | 'sourceAddresses'> = {};
  if (flags.shard !== undefined) out.shard = parseRow(BENCH_OPTIONS.shard, flags.shard);
  if (flags.startAt !== undefined) out.startAt = parseRow(BENCH_OPTIONS.startAt, flags.startAt);
  if (flags.sourceAddresses !== undefined) out.sourceAddresses = parseRow(BENCH_OPTIONS.sourceAddresses, flags.sourceAddresses);
  if ((out.shard || out.startAt) && target === null) {
    throw new UsageError(`${out.shard ? '--shard' : '--start-at'} needs --target: shards share one server (start it with \`wirebench serve\`), so each step's server is not restarted per shard`);
  }
  if (out.shard && !out.startAt) throw new UsageError('--shard needs --start-at (the same on every shard), so every shard measures the same wall-clock window');
  return out;
}

/** `--h2-clients-per-connection`, where it means something: an HTTP/2 protocol, an HTTP transport, no client-side drop fault. */
function parseH2Sharing(perConnection: number, protocols: readonly Protocol[], transports: readonly TransportName[], faults: RunConfig['faults']): number {
  if (perConnection === 1) return 1;
  const flag = `--h2-clients-per-connection ${perConnection}`;
  if (!protocols.some(protocolUsesHttp2)) throw new UsageError(`${flag} applies to HTTP/2 only: add --protocol h2 (or h2c), or use 1 (a connection per client)`);
  if (transports.every((t) => t === 'ws')) throw new UsageError(`${flag} multiplexes the HTTP transports (poll, longpoll, sse): WebSocket stays one HTTP/1.1 connection per client (RFC 8441 is not in ws); add an HTTP transport or use 1`);
  if (faults?.some((fault) => fault.kind === 'drop')) throw new UsageError(`${flag} with --fault drop: the drop fault resets one client's connection, and a shared connection would cut its whole group; use 1, or --fault drop-server`);
  return perConnection;
}

function parseFaults(flags: BenchFlags, read: (key: 'duration' | 'dropRate') => number, target: boolean): RunConfig['faults'] {
  if (flags.fault.length === 0) return undefined;
  const windowMs = read('duration');
  const dropPerSec = read('dropRate');
  return flags.fault.map((raw) => parseFault('--fault', raw, { windowMs, dropPerSec, target }));
}

/**
 * For scripts that measure with a bench (capture check, generator efficiency): the default
 * configuration with `overrides`, validated before anything starts, run to `outFile`.
 */
export function scriptedBench(overrides: Partial<BenchFlags>): { config: RunConfig; run(outFile: string): ReturnType<typeof runBench> } {
  // Helper scripts measure the tool (capture agreement, generator cost), not the paper's scenario:
  // minimal headers unless they ask for another profile.
  const config = buildConfig({ ...benchFlagDefaults(), headers: 'minimal', ...overrides }, new Command());
  return {
    config,
    run: (outFile) =>
      runBench({ config, environment: describeEnvironment(WIREBENCH_VERSION), outFile, signal: new AbortController().signal }),
  };
}
