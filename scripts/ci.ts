/**
 * `wirebench ci`: the performance-regression gate as a command anyone can run on their own server.
 * Runs `wirebench bench` with a small fixed profile (quietly: its output is shown if it fails, or
 * with --verbose) against the embedded servers, a running server (--target) or one it starts
 * (--server-command), then compares the run with a committed baseline. `npm run bench:ci` is this
 * command. Exit codes are wirebench's: 0 ok, 1 the run failed, 2 usage / bad or missing baseline /
 * different configuration, 3 regression, 4 a --threshold failed (and nothing regressed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { appendFile, copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describeFsError, OutputPathError, prepareOutputFile, writeFileSafely } from '../load/results/safe-file.js';
import type { ClientTls } from '../load/clients/tcp-connect.js';
import { DEFAULT_START_TIMEOUT_MS, startServerCommand, ServerCommandError, type StartedServerCommand } from '../load/run/server-command.js';
import { COMPARE_EXPORTERS } from '../reports/compare-exporters.js';
import { COMPARE_DEFAULT_FLAGS, COMPARE_OPTIONS, runCompare } from './compare.js';
import { EXIT, UsageError } from './exit-codes.js';
import { parseDurationMs } from './options.js';
import { checkThresholds, parseThresholds, THRESHOLD_OPTION } from './threshold-options.js';
import { addOptionTable, durationDefault, flagName, parseRow, type OptionTable, type RawFlags } from './option-table.js';
import { SERVER_ARG_OPTION } from './serve-options.js';
import { readResultsFile } from '../reports/read-results.js';
import { renderThresholdMarkdown } from '../reports/thresholds.js';

/**
 * The CI profile. Small enough for about a minute on two cores, large enough that bytes per
 * message is stable under the 1 % gate: bytes are counted by arrival and messages by publish
 * time, so a message straddling a window edge moves bytes per message by about 1 / (messages per
 * client) — 150 messages per client (50 msg/s for 3 s) keeps that under 0.7 %. Four polls a
 * second keep every poll answer carrying messages. Changing it invalidates the baseline (compare
 * refuses). Each entry can be overridden with the bench flag of the same name.
 */
export const CI_PROFILE = {
  transports: 'all',
  clients: '10,50',
  duration: '3s',
  warmup: '1s',
  rate: '50',
  size: '64',
  interval: '250ms',
  headers: 'minimal',
  workers: '1',
} as const;

type ProfileKey = keyof typeof CI_PROFILE;

/** Each profile entry is a ci option of the bench flag's name, passed on to the bench (which parses it). */
const PROFILE_OPTIONS = Object.fromEntries(Object.entries(CI_PROFILE).map(([key, value]) => [key, { flags: `--${key} <value>`, help: `profile: bench --${key}`, default: value }])) as {
  [K in ProfileKey]: { flags: `--${K} <value>`; help: string; default: (typeof CI_PROFILE)[K] };
};

/** `wirebench ci`'s options (scripts/option-table.ts). */
export const CI_OPTIONS = {
  baseline: { flags: '--baseline <file>', help: 'the committed baseline results', default: 'results/baseline/ci.json' },
  updateBaseline: { flags: '--update-baseline', help: 're-measure and overwrite the baseline (then review and commit it)' },
  target: { flags: '--target <url>', help: 'bench an already running server that implements the wire contract (with --server-command: its URL)' },
  serverCommand: {
    flags: '--server-command <cmd>',
    help: 'start your server with this shell command, read its URL from its output (or --target), wait for /healthz, stop it after',
  },
  ca: {
    flags: '--ca <file>',
    help: "TLS: trust this PEM CA certificate for the server (--target, or --server-command's https:// URL: its readiness probe too); passed to the bench",
  },
  insecure: { flags: '--insecure', help: "TLS: do not verify a loopback server's certificate (a self-signed --server-command: its readiness probe too); passed to the bench" },
  serverTimeout: {
    flags: '--server-timeout <time>',
    help: 'how long --server-command may take to serve /healthz',
    default: durationDefault(DEFAULT_START_TIMEOUT_MS),
    parse: (raw: string, flag: string) => parseDurationMs(flag, raw),
  },
  bytesTolerance: COMPARE_OPTIONS.bytesTolerance,
  only: {
    ...COMPARE_OPTIONS.only,
    help: 'gate on all metrics, or only deterministic ones (bytes per message, overhead per request; loss and connect errors always gate)',
  },
  summary: { flags: '--summary <file>', help: 'append the Markdown comparison to this file (e.g. "$GITHUB_STEP_SUMMARY")' },
  gab: { flags: '--gab <file>', help: 'write github-action-benchmark customSmallerIsBetter JSON (history)' },
  current: { flags: '--current <file>', help: 'compare an existing run of this profile instead of running one' },
  out: { flags: '--out <dir>', help: 'results directory of the run', default: 'results/ci' },
  verbose: { flags: '--verbose', help: "show the bench's progress as it runs (default: only if it fails)" },
  ...PROFILE_OPTIONS,
  threshold: THRESHOLD_OPTION,
  serverArg: SERVER_ARG_OPTION,
} as const satisfies OptionTable;

type CiFlags = RawFlags<typeof CI_OPTIONS>;

/**
 * How the readiness probe of --server-command checks an https:// server: as the bench after it
 * will (--ca's certificate, or nothing with --insecure; the bench checks the flags themselves).
 */
function serverCommandTls(flags: CiFlags): ClientTls | undefined {
  if (flags.insecure === true) return { verify: false };
  if (flags.ca === undefined) return undefined;
  try {
    return { ca: readFileSync(flags.ca, 'utf8'), verify: true };
  } catch (error) {
    throw new UsageError(`--ca ${JSON.stringify(flags.ca)} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): give a PEM certificate file`);
  }
}

const CLI = fileURLToPath(new URL('./cli.js', import.meta.url));
let benchChild: ChildProcess | undefined;

export function registerCi(program: Command): void {
  const command = program.command('ci').description('CI gate: bench a small fixed profile and compare it with a committed baseline; exit 3 on regression.');
  addOptionTable(command, CI_OPTIONS).action(async (flags: CiFlags) => {
    process.exitCode = await runCi(flags, command);
  });
}

/** Options of the bench run `ci` makes: with --current nothing runs, so they would be ignored, bad values included. */
const BENCH_RUN_KEYS = [...(Object.keys(CI_PROFILE) as ProfileKey[]), 'out', 'ca', 'insecure', 'serverTimeout', 'serverArg'] as const;

async function runCi(flags: CiFlags, command: Command): Promise<number> {
  const started = Date.now();
  const resultsFile = flags.current ?? path.join(flags.out, 'results.json');
  const startTimeoutMs = parseRow(CI_OPTIONS.serverTimeout, flags.serverTimeout);
  const thresholds = parseThresholds(flags.threshold);
  if (flags.current !== undefined && (flags.target !== undefined || flags.serverCommand !== undefined)) {
    throw new UsageError('--current compares an existing run: it cannot be combined with --target or --server-command');
  }
  const benchRunFlag = flags.current === undefined ? undefined : BENCH_RUN_KEYS.find((key) => command.getOptionValueSource(key) === 'cli');
  if (benchRunFlag !== undefined) {
    throw new UsageError(`${flagName(CI_OPTIONS[benchRunFlag])} sets the bench run: --current compares an existing run, so nothing runs; leave it out`);
  }
  // Before the bench (a minute or more): a file the gate cannot write is refused now, not after
  // the run — where it cost the run and turned the verdict (exit 3 or 0) into exit 1.
  const outputs = { '--summary': flags.summary, '--gab': flags.gab, ...(flags.updateBaseline ? { '--baseline': flags.baseline } : {}) };
  for (const [flag, file] of Object.entries(outputs)) if (file !== undefined) await prepareOutputFile(file, flag);
  if (flags.current === undefined) {
    let server: StartedServerCommand | undefined;
    try {
      if (flags.serverCommand !== undefined) {
        process.stderr.write(`wirebench ci: starting ${JSON.stringify(flags.serverCommand)}\n`);
        const tls = serverCommandTls(flags);
        server = await startServerCommand({ command: flags.serverCommand, ...(flags.target ? { url: flags.target } : {}), startTimeoutMs, ...(tls ? { tls } : {}) }).catch((error: unknown) => {
          throw error instanceof ServerCommandError ? new UsageError(error.message) : error;
        });
        process.stderr.write(`wirebench ci: server ${server.url} (pid ${server.pid})\n`);
      }
      const target = server?.url ?? flags.target;
      const profile = Object.keys(CI_PROFILE).flatMap((key) => [`--${key}`, flags[key as ProfileKey]]);
      const trust = [...(flags.ca !== undefined ? ['--ca', flags.ca] : []), ...(flags.insecure === true ? ['--insecure'] : [])];
      const args = ['bench', ...profile, '--out', flags.out, ...(target ? ['--target', target] : []), ...trust, ...flags.serverArg.map((arg) => `--server-arg=${arg}`)];
      // Ctrl-C / SIGTERM: the bench keeps its finished steps and exits; the server is stopped below.
      const forward = (signal: NodeJS.Signals) => benchChild?.kill(signal);
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
      const bench = await runBench(args, flags.verbose === true).finally(() => {
        process.off('SIGINT', forward);
        process.off('SIGTERM', forward);
      });
      if (bench.code !== EXIT.ok) {
        if (!flags.verbose) process.stderr.write(bench.output);
        process.stderr.write(`\nwirebench ci: the bench run failed (exit ${bench.code})${flags.verbose ? '' : '; its output is above'}\n`);
        if (server && bench.code !== EXIT.usage) process.stderr.write(`wirebench ci: the server's last output:\n${server.output().trim().split('\n').slice(-10).join('\n')}\n`);
        return bench.code;
      }
    } finally {
      await server?.stop();
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (flags.updateBaseline) {
    await mkdir(path.dirname(flags.baseline), { recursive: true });
    await copyFile(resultsFile, flags.baseline);
    process.stdout.write(`wirebench ci: baseline refreshed from this run (${seconds} s): ${flags.baseline} — review and commit it\n`);
    return EXIT.ok;
  }
  const { report, output } = await runCompare(flags.baseline, resultsFile, { ...COMPARE_DEFAULT_FLAGS, only: flags.only, bytesTolerance: flags.bytesTolerance }).catch((error: unknown) => {
    if (error instanceof UsageError && error.message.startsWith(`${flags.baseline}:`) && /no such file/.test(error.message)) {
      throw new UsageError(`${error.message}; create it with \`wirebench ci --update-baseline\` (same options) and commit it`);
    }
    throw error;
  });
  for (const warning of report.warnings) process.stderr.write(`wirebench ci: warning: ${warning}\n`);
  process.stdout.write(output);
  process.stdout.write(`wirebench ci: ${seconds} s; results ${resultsFile}, report ${path.join(path.dirname(resultsFile), 'report.html')}\n`);
  const checks = thresholds.length > 0 ? checkThresholds(await readResultsFile(resultsFile), thresholds, [], process.stdout) : [];
  const thresholdFailures = checks.filter((c) => !c.passed).length;
  if (flags.summary) {
    await appendFile(flags.summary, COMPARE_EXPORTERS.md.render(report) + (checks.length > 0 ? `\n${renderThresholdMarkdown(checks)}` : '')).catch((error: unknown) => {
      throw new OutputPathError(flags.summary!, `not appended: ${describeFsError(error)}`, 'failed');
    });
  }
  if (flags.gab) await writeFileSafely(flags.gab, COMPARE_EXPORTERS.gab.render(report));
  // A regression is the gate's first question; absolute limits come second.
  return report.regressions > 0 ? EXIT.regression : thresholdFailures > 0 ? EXIT.threshold : EXIT.ok;
}

/** The bench as a child process: its output kept for a failure, or streamed with --verbose. */
function runBench(args: readonly string[], verbose: boolean): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    benchChild = child;
    let output = '';
    const keep = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      if (verbose) stream.write(chunk);
      else output += chunk.toString();
    };
    child.stdout.on('data', keep(process.stderr));
    child.stderr.on('data', keep(process.stderr));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? EXIT.failed : EXIT.ok), output }));
  });
}
