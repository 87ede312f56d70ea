import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { TRANSPORTS } from '../servers/contract.js';
import { DEFAULT_RECONNECT } from '../load/clients/reconnect-backoff.js';
import { connectionBudgetProblem, readSystemLimits } from '../load/run/connection-budget.js';
import { describeEnvironment } from '../load/run/environment.js';
import { CHROMIUM_PREFLIGHT_CACHE } from '../load/clients/cors-preflight.js';
import { DEFAULT_COOKIE_BYTES, DEFAULT_PAGE_URL, resolveHeaderProfile } from '../load/clients/header-profiles.js';
import { SERVER_DEFAULTS } from '../servers/server-options.js';
import { defaultResultsDir } from '../load/results/results-file.js';
import { PROTOCOLS, protocolUsesTls, type Protocol, type RunConfig, type TlsConfig } from '../load/results/results-schema.js';
import { readFileSync } from 'node:fs';
import { DEFAULT_LOOP_DELAY_THRESHOLD_US, runBench } from '../load/run/runner.js';
import { OutputPathError, prepareOutputDirectory } from '../load/results/safe-file.js';
import { BenchProgress, printSummaryTable } from './bench-progress.js';
import { EXIT, UsageError } from './exit-codes.js';
import {
  parseChoice,
  parseDurationMs,
  parseFault,
  parseFraction,
  parseIntList,
  parsePositiveInt,
  parsePositiveNumber,
  parseTransports,
} from './options.js';
import { WIREBENCH_VERSION } from './version.js';
import { durationDefault } from './option-table.js';
import { serverDocumentFromArgs } from './serve-options.js';
import { writeRunReports } from './report.js';
import { finishRunOutputs } from './run-outputs.js';
import { renderThresholdText } from '../reports/thresholds.js';
import { PassThrough } from 'node:stream';
import { addFailOnOption, addThresholdOption, checkThresholds, parseFailOn, parseThresholds } from './threshold-options.js';
import { parseShard, parseSourceAddresses, parseStartAt } from './shard-options.js';
import { shardClientCount } from '../load/run/step-schedule.js';

/** Named scenarios; explicit flags still win over a preset. */
const PRESETS: Record<string, Partial<Record<string, string>>> = {
  // The websocket.org comparison: one message a second, 1 Hz polling, a ~20-byte payload, and
  // the request headers a real browser sends (the paper counted 871 bytes of them).
  'websocket.org': { rate: '1', interval: '1s', size: '20', headers: 'browser' },
  // The same scenario as a browser runs it today: HTTP/2 over TLS for the HTTP transports (HPACK
  // compresses the repeated headers), WebSocket over TLS (wss, HTTP/1.1: RFC 8441 is not in ws).
  'websocket.org-2026': { rate: '1', interval: '1s', size: '20', headers: 'browser', protocol: 'h2' },
  // A first look in under a minute: two small steps, short windows (--quick).
  quick: { clients: '10,50', duration: '2s', warmup: '500ms' },
};
const BUILT_IN_PRESETS = Object.keys(PRESETS);
/** Where runs go without --out: results/<timestamp>/, and results/latest points at the last one. */
const RESULTS_ROOT = 'results';

/** Presets from wirebench.config.json, beside the built-in ones (which they may not replace). */
export function addPresets(extra: Record<string, Record<string, string>>): void {
  for (const [name, values] of Object.entries(extra)) {
    if (BUILT_IN_PRESETS.includes(name)) throw new UsageError(`preset ${JSON.stringify(name)} is built in: give yours another name`);
    PRESETS[name] = values;
  }
}

interface BenchFlags {
  threshold: string[];
  quiet?: boolean;
  open?: boolean;
  quick?: boolean;
  failOn?: string;
  transports: string;
  clients: string;
  duration: string;
  warmup: string;
  rate: string;
  size: string;
  interval: string;
  hold: string;
  heartbeat: string;
  connectRate: string;
  workers: string;
  headers: string;
  cookieBytes: string;
  workload: string;
  publishers: string;
  publishRate: string;
  repeat: string;
  preset?: string;
  target?: string;
  out?: string;
  json?: boolean;
  capture?: boolean;
  report: boolean;
  maxLoopDelay: string;
  reconnectDelay: string;
  reconnectMax: string;
  reconnectJitter: string;
  sseRetry: string;
  fault: string[];
  dropRate: string;
  serverArg: string[];
  crossOrigin?: boolean;
  corsCredentials?: boolean;
  corsMaxAge: string;
  authorization: string;
  protocol: string;
  ca?: string;
  insecure?: boolean;
  shard?: string;
  startAt?: string;
  sourceAddresses?: string;
}

/** Every option's default, in one place (the help text and other scripts read them from here). */
export function benchFlagDefaults(): BenchFlags {
  return {
    transports: 'all',
    clients: '10,100,1000',
    duration: '8s',
    warmup: '2s',
    rate: '1',
    size: '64',
    interval: '1s',
    hold: '30s',
    heartbeat: '15s',
    connectRate: '1000',
    // One core for the server, the rest for load — but at least two workers: a message's burst
    // of deliveries is then read in parallel, which measurably cuts the generator's share of the
    // latency even on a 2-core machine (push p50 at 100 clients: ~5 ms with one worker, ~3–4 with two).
    workers: String(Math.max(2, Math.min(4, os.availableParallelism() - 1))),
    // The paper's question is about browsers: a browser's request headers (and cookies) by default;
    // the report sets the minimal-header lower bound beside it, modelled from the same run.
    headers: 'browser',
    cookieBytes: String(DEFAULT_COOKIE_BYTES),
    workload: 'feed',
    publishers: '1',
    publishRate: '1',
    repeat: '1',
    report: true,
    maxLoopDelay: durationDefault(DEFAULT_LOOP_DELAY_THRESHOLD_US / 1000),
    reconnectDelay: `${DEFAULT_RECONNECT.baseMs}ms`,
    reconnectMax: `${DEFAULT_RECONNECT.maxMs}ms`,
    reconnectJitter: String(DEFAULT_RECONNECT.jitter),
    sseRetry: `${DEFAULT_RECONNECT.sseRetryMs}ms`,
    fault: [],
    dropRate: '0.5',
    serverArg: [],
    threshold: [],
    corsMaxAge: String(SERVER_DEFAULTS.corsMaxAgeSeconds),
    authorization: '0',
    protocol: 'http1',
  };
}

export function registerBench(program: Command): void {
  const D = benchFlagDefaults();
  const bench = program
    .command('bench')
    .description('Drive each transport with rising client counts and measure bytes, latency and server cost (loopback).')
    .option('--transports <list>', `comma-separated transports (${TRANSPORTS.join(', ')}) or all`, D.transports)
    .option('--clients <list>', 'client steps, comma-separated', D.clients)
    .option('--duration <time>', 'measured window per step', D.duration)
    .option('--warmup <time>', 'warm-up before each window', D.warmup)
    .option('--rate <msg/s>', 'feed rate, messages per second', D.rate)
    .option('--size <bytes>', 'payload bytes per message', D.size)
    .option('--interval <time>', 'short-poll interval', D.interval)
    .option('--hold <time>', 'long-poll hold on the server', D.hold)
    .option('--heartbeat <time>', 'SSE comment / WebSocket ping interval on the server; 0 = none', D.heartbeat)
    .option('--connect-rate <n/s>', 'client connects per second during ramp-up', D.connectRate)
    .option('--workers <n>', 'load worker processes', D.workers)
    .option('--headers <profile>', 'request header profile: minimal or browser', D.headers)
    .option('--cookie-bytes <bytes>', 'cookie size in the browser profile (bytes)', D.cookieBytes)
    .option('--workload <kind>', 'feed (server ticks) or chat (clients publish upstream)', D.workload)
    .option('--publishers <n>', 'chat workload: publishing clients per step', D.publishers)
    .option('--publish-rate <msg/s>', 'chat workload: messages per second per publisher', D.publishRate)
    .option('--repeat <n>', 'measure every step n times (compare uses the medians)', D.repeat)
    .option('--cross-origin', `clients model a page on ${DEFAULT_PAGE_URL.origin} reading the feed from another origin (CORS, preflights cached as Chromium caches them); embedded servers allow that origin`)
    .option('--cors-credentials', 'cross-origin: requests with credentials (Cookie sent; servers send Access-Control-Allow-Credentials)')
    .option('--cors-max-age <seconds>', 'cross-origin: Access-Control-Max-Age of the embedded servers; 0 = every preflight goes out', D.corsMaxAge)
    .option('--authorization <bytes>', 'an Authorization: Bearer header of this many bytes on every poll, long-poll and publish (non-simple cross-origin: preflights); 0 = none', D.authorization)
    .option('--protocol <name>', `how clients reach the server: ${PROTOCOLS.join(', ')} (HTTP/1.1 cleartext; HTTP/1.1 over TLS; HTTP/2 over TLS; HTTP/2 cleartext). WebSocket stays HTTP/1.1 (over TLS when the protocol is). An https:// --target implies http1-tls`, D.protocol)
    .option('--ca <file>', 'TLS: trust this PEM CA certificate for the --target (default: the system store; embedded servers are trusted by their own certificate)')
    .option('--insecure', 'TLS: do not verify the server certificate (loopback targets only; recorded in the results)')
    .option('--quick', 'a first look in under a minute: --preset quick (clients 10,50, 2 s windows, 500 ms warm-up)')
    .option('--preset <name>', `a named scenario: ${Object.keys(PRESETS).join(', ')}`)
    .option('--target <url>', 'bench an already running server that implements the wire contract (no embedded server)')
    .option('--shard <I/N>', 'with --target and --start-at: run shard I of N — client ids I, I+N, … of every step; merge the N results files with `wirebench merge` (default: the whole run)')
    .option('--start-at <time>', 'with --target: begin the fixed step schedule at this RFC 3339 time, so every shard measures the same wall-clock windows (default: start now, no schedule)')
    .option('--source-addresses <list>', 'local addresses the clients connect from, in turn: a comma-separated list or an IPv4 range, e.g. 127.0.0.2-127.0.0.9 (default: the system\'s choice)')
    .option('--out <dir>', 'results directory (default results/<timestamp>)')
    .option('--json', 'print the results document as JSON on stdout (progress stays on stderr)')
    .option('--capture', 'also measure the TCP/IP layer: capture each step on loopback with tcpdump (root or CAP_NET_RAW; without it the run goes on without that layer)', false)
    .option('--no-report', 'skip the HTML and Markdown report')
    .option('--quiet', 'no progress, no table, no file list: only errors and failed thresholds (results are still written)')
    .option('--open', 'open the HTML report in a browser when the run ends')
    .option('--max-loop-delay <time>', 'worker event-loop delay p99 above which a step is marked generator-saturated', D.maxLoopDelay)
    .option('--reconnect-delay <time>', 'first WebSocket reconnect / poll retry delay after a failure, doubling per failed attempt', D.reconnectDelay)
    .option('--reconnect-max <time>', 'cap of the doubling reconnect / retry delay', D.reconnectMax)
    .option('--reconnect-jitter <0..1>', 'each reconnect / retry delay is multiplied by 1 ± this, at random', D.reconnectJitter)
    .option('--sse-retry <time>', 'SSE reconnection time until the server sends retry: (EventSource, no jitter)', D.sseRetry)
    .addOption(
      new Option('--fault <spec>', 'inject a fault in every step: restart-hard|restart-graceful|stall|drop|drop-server[@at][:duration], e.g. restart-hard@50%:1s (repeatable; --target: drop only)')
        .default([])
        .argParser((v: string, prev: string[]) => [...prev, v]),
    )
    .option('--drop-rate <share/s>', 'drop and drop-server faults: share of the connections reset per second while they last', D.dropRate)
    .addOption(new Option('--server-arg <arg>', 'extra flag for the embedded servers (repeatable; for regression tests)').default([]).argParser((v: string, prev: string[]) => [...prev, v]).hideHelp());
  addThresholdOption(bench);
  addFailOnOption(bench);
  bench.action(async (flags: BenchFlags, command: Command) => {
      const config = buildConfig(flags, command);
      const thresholds = parseThresholds(flags.threshold);
      const failOn = parseFailOn(flags.failOn);
      const loopDelayThresholdUs = parseDurationMs('--max-loop-delay', flags.maxLoopDelay) * 1000;
      // `serve` flags for the embedded servers, parsed by serve's own table into their typed document.
      const serverOptions = serverDocumentFromArgs(flags.serverArg);
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
  const pick = (key: keyof BenchFlags & string): string => {
    const fromCli = command.getOptionValueSource(key) === 'cli';
    return (fromCli ? undefined : preset[key]) ?? String(flags[key]);
  };
  const headersName = parseChoice('--headers', pick('headers'), ['minimal', 'browser'] as const);
  const cookieBytes = parsePositiveInt('--cookie-bytes', pick('cookieBytes'), { min: 0, max: 1_000_000 });
  const workload = parseChoice('--workload', pick('workload'), ['feed', 'chat'] as const);
  let target: string | null = null;
  if (flags.target !== undefined) {
    let url: URL;
    try {
      url = new URL(flags.target);
    } catch {
      throw new UsageError(`--target ${JSON.stringify(flags.target)} is not a URL: use e.g. http://127.0.0.1:8080`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--target ${JSON.stringify(flags.target)} is not valid: use an http:// or https:// URL`);
    target = url.origin;
  }
  const { protocol, tls } = parseProtocol(flags, command, pick, target);
  const crossOrigin = flags.crossOrigin === true;
  for (const [flag, key] of [['--cors-credentials', 'corsCredentials'], ['--cors-max-age', 'corsMaxAge']] as const) {
    if (!crossOrigin && command.getOptionValueSource(key) === 'cli') throw new UsageError(`${flag} applies to cross-origin runs only: add --cross-origin`);
  }
  if (flags.target !== undefined && command.getOptionValueSource('corsMaxAge') === 'cli') {
    throw new UsageError('--cors-max-age sets the embedded servers\' Access-Control-Max-Age: with --target the target sends its own');
  }
  const corsMaxAgeSeconds = parsePositiveInt('--cors-max-age', pick('corsMaxAge'), { min: 0, max: 365 * 86_400 });
  const authorizationBytes = parsePositiveInt('--authorization', pick('authorization'), { min: 0, max: 64 * 1024 });
  const scaleOut = parseScaleOut(flags, target);
  if (authorizationBytes > 0 && authorizationBytes < 8) throw new UsageError(`--authorization ${JSON.stringify(pick('authorization'))} is not valid: use 0 (none) or at least 8 bytes ("Bearer " and a token)`);
  const config: RunConfig = {
    transports: parseTransports('--transports', pick('transports')),
    clients: parseIntList('--clients', pick('clients')),
    durationMs: parseDurationMs('--duration', pick('duration')),
    warmupMs: parseDurationMs('--warmup', pick('warmup'), { allowZero: true }),
    rate: parsePositiveNumber('--rate', pick('rate'), { allowZero: workload === 'chat' }),
    size: parsePositiveInt('--size', pick('size'), { min: 0, max: 1_000_000 }),
    intervalMs: parseDurationMs('--interval', pick('interval')),
    holdMs: parseDurationMs('--hold', pick('hold')),
    heartbeatMs: parseDurationMs('--heartbeat', pick('heartbeat'), { allowZero: true }),
    connectRate: parsePositiveNumber('--connect-rate', pick('connectRate')),
    workers: parsePositiveInt('--workers', pick('workers'), { max: 64 }),
    headers: resolveHeaderProfile(headersName, cookieBytes),
    workload,
    publishers: workload === 'chat' ? parsePositiveInt('--publishers', pick('publishers'), { min: 0 }) : 0,
    publishRate: workload === 'chat' ? parsePositiveNumber('--publish-rate', pick('publishRate')) : 0,
    compression: false,
    repeat: parsePositiveInt('--repeat', pick('repeat'), { max: 100 }),
    target,
    preset: flags.preset ?? null,
    faults: parseFaults(flags, pick, target !== null),
    ...(flags.capture === true ? { capture: true } : {}),
    reconnect: {
      baseMs: parseDurationMs('--reconnect-delay', pick('reconnectDelay'), { allowZero: true }),
      maxMs: parseDurationMs('--reconnect-max', pick('reconnectMax'), { allowZero: true }),
      jitter: parseFraction('--reconnect-jitter', pick('reconnectJitter')),
      sseRetryMs: parseDurationMs('--sse-retry', pick('sseRetry'), { allowZero: true }),
    },
    ...(authorizationBytes > 0 ? { authorizationBytes } : {}),
    // Absent for the default (HTTP/1.1 cleartext), so a default run's document is as before.
    ...(protocol === 'http1' ? {} : { protocol }),
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
  checkShardedConfig(config);
  const problem = connectionBudgetProblem(
    {
      clients: shardClientCount(largest, config.shard),
      addresses: config.sourceAddresses?.length ?? 1,
      extraConnections: config.workload === 'chat' && config.transports.some((t) => t !== 'ws') ? config.publishers : 0,
      workers: config.workers,
      embeddedServer: config.target === null,
    },
    readSystemLimits(),
  );
  if (problem) throw new UsageError(`--clients ${largest} ${problem}`);
  return config;
}

/** --protocol with --target, --ca and --insecure: one consistent way to reach the server, or a UsageError. */
function parseProtocol(flags: BenchFlags, command: Command, pick: (key: keyof BenchFlags & string) => string, target: string | null): { protocol: Protocol; tls: TlsConfig | undefined } {
  const targetTls = target !== null && target.startsWith('https:');
  // An https:// target given without --protocol means HTTP/1.1 over TLS.
  const raw = targetTls && command.getOptionValueSource('protocol') !== 'cli' && pick('protocol') === 'http1' ? 'http1-tls' : pick('protocol');
  const protocol = parseChoice('--protocol', raw, PROTOCOLS);
  const secure = protocolUsesTls(protocol);
  if (target !== null && secure !== targetTls) {
    throw new UsageError(`--protocol ${protocol} ${secure ? 'runs over TLS' : 'is cleartext'}: give an ${secure ? 'https' : 'http'}:// --target (got ${target})`);
  }
  if (!secure) {
    if (flags.ca !== undefined || flags.insecure === true) throw new UsageError(`--${flags.ca !== undefined ? 'ca' : 'insecure'} applies to TLS runs only: use --protocol http1-tls or h2, or an https:// --target`);
    return { protocol, tls: undefined };
  }
  if (flags.ca !== undefined && flags.insecure === true) throw new UsageError('--ca and --insecure contradict each other: trust a CA, or verify nothing');
  if (flags.insecure === true) {
    const host = target === null ? '127.0.0.1' : new URL(target).hostname;
    if (!isLoopbackHost(host)) throw new UsageError(`--insecure is for loopback targets only (got ${host}): give the target's CA with --ca`);
    return { protocol, tls: { verify: 'skipped' } };
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
    return { protocol, tls: { verify: 'ca-file', caFile: path.resolve(flags.ca) } };
  }
  return { protocol, tls: { verify: target === null ? 'embedded-certificate' : 'system' } };
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** --shard, --start-at, --source-addresses (scripts/shard-options.ts), with what they need. */
function parseScaleOut(flags: BenchFlags, target: string | null): Pick<RunConfig, 'shard' | 'startAt' | 'sourceAddresses'> {
  const out: Pick<RunConfig, 'shard' | 'startAt' | 'sourceAddresses'> = {};
  if (flags.shard !== undefined) out.shard = parseShard(flags.shard);
  if (flags.startAt !== undefined) out.startAt = parseStartAt(flags.startAt);
  if (flags.sourceAddresses !== undefined) out.sourceAddresses = parseSourceAddresses(flags.sourceAddresses);
  if ((out.shard || out.startAt) && target === null) {
    throw new UsageError(`${out.shard ? '--shard' : '--start-at'} needs --target: shards share one server (start it with \`wirebench serve\`), so each step's server is not restarted per shard`);
  }
  if (out.shard && !out.startAt) throw new UsageError('--shard needs --start-at (the same on every shard), so every shard measures the same wall-clock window');
  return out;
}

/** What a sharded or scheduled run cannot do (yet): one line each. */
function checkShardedConfig(config: RunConfig): void {
  if (config.startAt !== undefined && config.repeat > 1) throw new UsageError(`--repeat ${config.repeat} cannot be used with --start-at: the fixed schedule has one slot per step`);
  if (config.shard === undefined) return;
  if (config.workload === 'chat') throw new UsageError('--workload chat cannot be sharded yet: each shard would run every publisher');
  const fewest = Math.min(...config.clients);
  if (fewest < config.shard.count) throw new UsageError(`--clients ${fewest} is fewer than the ${config.shard.count} shards: every shard needs at least one client per step`);
  if (config.capture) throw new UsageError('--capture cannot be used with --shard: a shard captures only its own host');
}

function parseFaults(flags: BenchFlags, pick: (key: keyof BenchFlags & string) => string, target: boolean): RunConfig['faults'] {
  if (flags.fault.length === 0) return undefined;
  const windowMs = parseDurationMs('--duration', pick('duration'));
  const dropPerSec = parsePositiveNumber('--drop-rate', pick('dropRate'));
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
