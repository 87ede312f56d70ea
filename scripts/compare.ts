import type { Command } from 'commander';
import { validateMicro, MICRO_SCHEMA_ID, type MicroDocument } from '../load/results/micro-schema.js';
import { parseDocumentJson, ResultsSchemaError, validateResults, type ResultsDocument } from '../load/results/results-schema.js';
import { InputFileError, MAX_INPUT_FILE_BYTES, readFileBounded, writeFileSafely } from '../load/results/safe-file.js';
import { COMPARE_EXPORTERS, COMPARE_FORMATS, type CompareFormat } from '../reports/compare-exporters.js';
import { compareMicro, DEFAULT_MICRO_THRESHOLD } from '../reports/compare-micro.js';
import { compareResults, CompareRefusedError, DEFAULT_THRESHOLDS, type CompareReport, type ResultMetric } from '../reports/compare.js';
import type { GateScope, Threshold } from '../reports/compare-thresholds.js';
import { EXIT, UsageError } from './exit-codes.js';
import { parseChoice, parseDurationMs } from './options.js';

export interface CompareFlags {
  format: string;
  out?: string;
  only: string;
  bytesTolerance: string;
  latencyTolerance: string;
  latencyFloor: string;
  cpuTolerance: string;
  cpuFloor: string;
  microTolerance: string;
  microFloor: string;
}

/** Flag defaults, written from the threshold table so help and behaviour cannot disagree. */
const percentText = (t: Threshold) => `${Number((t.tolerance * 100).toFixed(4))}%`;
export const COMPARE_DEFAULT_FLAGS: CompareFlags = {
  format: 'text',
  only: 'all',
  bytesTolerance: percentText(DEFAULT_THRESHOLDS.bytesPerMessage),
  latencyTolerance: percentText(DEFAULT_THRESHOLDS.latencyP50Us),
  latencyFloor: `${DEFAULT_THRESHOLDS.latencyP50Us.floor / 1000}ms`,
  cpuTolerance: percentText(DEFAULT_THRESHOLDS.cpuPerMessageUs),
  cpuFloor: `${DEFAULT_THRESHOLDS.cpuPerMessageUs.floor}us`,
  microTolerance: percentText(DEFAULT_MICRO_THRESHOLD),
  microFloor: `${DEFAULT_MICRO_THRESHOLD.floor}ns`,
};

export function registerCompare(program: Command): void {
  const d = COMPARE_DEFAULT_FLAGS;
  program
    .command('compare')
    .description('Compare a run (or a microbenchmark run) against a baseline; exit 3 when a figure regressed.')
    .argument('<baseline>', 'baseline results.json (or a bench:micro JSON)')
    .argument('<current>', 'current results.json (or a bench:micro JSON) of the same configuration')
    .option('--format <format>', `output: ${COMPARE_FORMATS.join(', ')} (gab = github-action-benchmark customSmallerIsBetter JSON)`, d.format)
    .option('--out <file>', 'write the output to a file instead of stdout')
    .option('--only <scope>', 'gate on all metrics, or only deterministic ones (bytes per message; loss and connect errors always gate)', d.only)
    .option('--bytes-tolerance <percent>', 'bytes per message: allowed increase', d.bytesTolerance)
    .option('--latency-tolerance <percent>', 'latency p50/p99: allowed relative increase', d.latencyTolerance)
    .option('--latency-floor <time>', 'latency p50/p99: increases up to this are noise', d.latencyFloor)
    .option('--cpu-tolerance <percent>', 'server CPU per message: allowed relative increase', d.cpuTolerance)
    .option('--cpu-floor <time>', 'server CPU per message: increases up to this are noise', d.cpuFloor)
    .option('--micro-tolerance <percent>', 'microbenchmarks: allowed relative increase of the median', d.microTolerance)
    .option('--micro-floor <time>', 'microbenchmarks: increases up to this are noise (ns, us, ms)', d.microFloor)
    .action(async (baselineFile: string, currentFile: string, flags: CompareFlags) => {
      const { report, output } = await runCompare(baselineFile, currentFile, flags);
      for (const warning of report.warnings) process.stderr.write(`wirebench compare: warning: ${warning}\n`);
      if (flags.out) await writeFileSafely(flags.out, output);
      else process.stdout.write(output);
      process.exitCode = report.regressions > 0 ? EXIT.regression : EXIT.ok;
    });
}

/** `1%`, `0.5 %` or a bare `25` (percent) → a fraction. */
export function parsePercent(flag: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*%?$/.exec(raw.trim());
  if (!match) throw new UsageError(`${flag} ${JSON.stringify(raw)} is not valid: use a percentage, e.g. 1% or 25%`);
  return Number(match[1]) / 100;
}

/** A time in ns: `50ns`, `2us`, `1ms`. */
function parseNs(flag: string, raw: string): number {
  const ns = /^(\d+(?:\.\d+)?)ns$/.exec(raw.trim());
  return ns ? Number(ns[1]) : parseDurationMs(flag, raw, { allowZero: true }) * 1e6;
}

export function thresholdsFromFlags(flags: CompareFlags): Record<ResultMetric, Threshold> {
  const latency: Threshold = {
    kind: 'noisy',
    tolerance: parsePercent('--latency-tolerance', flags.latencyTolerance),
    floor: parseDurationMs('--latency-floor', flags.latencyFloor, { allowZero: true }) * 1000,
  };
  return {
    ...DEFAULT_THRESHOLDS,
    bytesPerMessage: { ...DEFAULT_THRESHOLDS.bytesPerMessage, tolerance: parsePercent('--bytes-tolerance', flags.bytesTolerance) },
    latencyP50Us: latency,
    latencyP99Us: latency,
    cpuPerMessageUs: {
      kind: 'noisy',
      tolerance: parsePercent('--cpu-tolerance', flags.cpuTolerance),
      floor: parseDurationMs('--cpu-floor', flags.cpuFloor, { allowZero: true }) * 1000,
    },
  };
}

type Loaded = { kind: 'results'; doc: ResultsDocument } | { kind: 'micro'; doc: MicroDocument };

/** Reads and validates one input; a bad file is a usage error naming the file and its first problem. */
export async function loadComparable(file: string): Promise<Loaded> {
  let text: string;
  try {
    text = await readFileBounded(file, MAX_INPUT_FILE_BYTES, 'a results or microbenchmark file');
  } catch (error) {
    if (error instanceof InputFileError) throw new UsageError(error.message);
    throw error;
  }
  try {
    const value = parseDocumentJson(text);
    const schema = (value as { schema?: unknown } | null)?.schema;
    return schema === MICRO_SCHEMA_ID ? { kind: 'micro', doc: validateMicro(value) } : { kind: 'results', doc: validateResults(value) };
  } catch (error) {
    if (error instanceof ResultsSchemaError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
}

/** Library entry for the CLI and bench:ci: validate, compare, render. Refusals become usage errors (exit 2). */
export async function runCompare(baselineFile: string, currentFile: string, flags: CompareFlags): Promise<{ report: CompareReport; output: string }> {
  const format: CompareFormat = parseChoice('--format', flags.format, COMPARE_FORMATS);
  const scope: GateScope = parseChoice('--only', flags.only, ['all', 'deterministic'] as const);
  const thresholds = thresholdsFromFlags(flags);
  const microThreshold: Threshold = { kind: 'noisy', tolerance: parsePercent('--micro-tolerance', flags.microTolerance), floor: parseNs('--micro-floor', flags.microFloor) };
  const [baseline, current] = [await loadComparable(baselineFile), await loadComparable(currentFile)];
  const names = { baselineName: baselineFile, currentName: currentFile, scope };
  let report: CompareReport;
  try {
    if (baseline.kind === 'results' && current.kind === 'results') report = compareResults(baseline.doc, current.doc, { ...names, thresholds });
    else if (baseline.kind === 'micro' && current.kind === 'micro') report = compareMicro(baseline.doc, current.doc, { ...names, threshold: microThreshold });
    else throw new CompareRefusedError(`${baselineFile} is a ${baseline.kind} document and ${currentFile} a ${current.kind} document: compare two of the same kind`);
  } catch (error) {
    if (error instanceof CompareRefusedError) throw new UsageError(error.message);
    throw error;
  }
  return { report, output: COMPARE_EXPORTERS[format].render(report) };
}
