#!/usr/bin/env node
/**
 * `npm run bench:ci`: the CI performance-regression profile. Runs `wirebench bench` with a small,
 * fixed profile (quietly: its progress is shown only if it fails), then `compare`s the run with
 * the committed baseline. Exit codes are wirebench's: 0 ok, 1 the run failed, 2 usage / bad or
 * missing baseline / different configuration, 3 regression.
 *
 *   node dist/scripts/bench-ci.js                      compare with results/baseline/ci.json
 *   node dist/scripts/bench-ci.js --only deterministic gate only bytes per message and loss
 *   node dist/scripts/bench-ci.js --update-baseline    re-measure and overwrite the baseline (commit it)
 *   --summary FILE  append the Markdown comparison (e.g. "$GITHUB_STEP_SUMMARY")
 *   --gab FILE      write github-action-benchmark customSmallerIsBetter JSON
 *   --current FILE  compare an existing run of this profile instead of running one
 *   --baseline FILE, --out DIR, --server-arg ARG (repeatable, passed to the embedded servers)
 */
import { spawn } from 'node:child_process';
import { appendFile, copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileSafely } from '../load/safe-file.js';
import { COMPARE_EXPORTERS } from '../reports/compare-exporters.js';
import { COMPARE_DEFAULT_FLAGS, runCompare } from './compare.js';
import { EXIT, UsageError, runScript } from './exit-codes.js';

/**
 * Small enough for about a minute on two cores, large enough that bytes per message is stable
 * under the 1 % gate: bytes are counted by arrival and messages by publish time, so a message
 * straddling a window edge moves bytes per message by about 1 / (messages per client) — 150
 * messages per client (50 msg/s for 3 s) keeps that under 0.7 %. Four polls a second keep every
 * poll answer carrying messages. Changing it invalidates the baseline (compare refuses).
 */
export const CI_PROFILE = [
  '--transports', 'all',
  '--clients', '10,50',
  '--duration', '3s',
  '--warmup', '1s',
  '--rate', '50',
  '--size', '64',
  '--interval', '250ms',
  '--headers', 'minimal',
  '--workers', '1',
] as const;

const CLI = fileURLToPath(new URL('./cli.js', import.meta.url));

function runQuietly(args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? EXIT.failed : EXIT.ok), output }));
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      baseline: { type: 'string', default: 'results/baseline/ci.json' },
      out: { type: 'string', default: 'results/ci' },
      only: { type: 'string', default: 'all' },
      summary: { type: 'string' },
      gab: { type: 'string' },
      current: { type: 'string' },
      'update-baseline': { type: 'boolean', default: false },
      'server-arg': { type: 'string', multiple: true, default: [] },
    },
    strict: true,
  });
  const started = Date.now();
  const resultsFile = values.current ?? path.join(values.out, 'results.json');
  if (values.current === undefined) {
    const serverArgs = values['server-arg'].map((arg) => `--server-arg=${arg}`);
    const bench = await runQuietly(['bench', ...CI_PROFILE, '--out', values.out, ...serverArgs]);
    if (bench.code !== EXIT.ok) {
      process.stderr.write(`${bench.output}\nbench:ci: the bench run failed (exit ${bench.code}); its output is above\n`);
      return bench.code;
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (values['update-baseline']) {
    await mkdir(path.dirname(values.baseline), { recursive: true });
    await copyFile(resultsFile, values.baseline);
    process.stdout.write(`bench:ci: baseline refreshed from this run (${seconds} s): ${values.baseline} — review and commit it\n`);
    return EXIT.ok;
  }
  const { report, output } = await runCompare(values.baseline, resultsFile, { ...COMPARE_DEFAULT_FLAGS, only: values.only }).catch((error: unknown) => {
    if (error instanceof UsageError && /: no such file$/.test(error.message)) {
      throw new UsageError(`${error.message}; create it with \`npm run bench:ci -- --update-baseline\``);
    }
    throw error;
  });
  for (const warning of report.warnings) process.stderr.write(`bench:ci: warning: ${warning}\n`);
  process.stdout.write(output);
  process.stdout.write(`bench:ci: ${seconds} s; results ${resultsFile}, report ${path.join(path.dirname(resultsFile), 'report.html')}\n`);
  if (values.summary) await appendFile(values.summary, COMPARE_EXPORTERS.md.render(report));
  if (values.gab) await writeFileSafely(values.gab, COMPARE_EXPORTERS.gab.render(report));
  return report.regressions > 0 ? EXIT.regression : EXIT.ok;
}

await runScript('bench:ci', main);
