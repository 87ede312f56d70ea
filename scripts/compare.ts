import type { Command } from 'commander';
import { validateMicro, MICRO_SCHEMA_ID, type MicroDocument } from '../load/results/micro-schema.js';
import { parseDocumentJson, ResultsSchemaError, validateResults, type ResultsDocument } from '../load/results/results-schema.js';
import { InputFileError, MAX_INPUT_FILE_BYTES, readFileBounded, writeFileSafely } from '../load/results/safe-file.js';
import { COMPARE_EXPORTERS, COMPARE_FORMATS, type CompareFormat } from '../reports/compare-exporters.js';
import { compareMicro, DEFAULT_MICRO_THRESHOLD } from '../reports/compare-micro.js';
import { compareResults, CompareRefusedError, DEFAULT_THRESHOLDS, type CompareReport, type ResultMetric } from '../reports/compare.js';
import type { GateScope, Threshold } from '../reports/compare-thresholds.js';
import { EXIT, UsageError } from './exit-codes.js';
import { addOptionTable, optionDefaults, parseRow, type OptionTable, type RawFlags } from './option-table.js';
import { parseChoice, parseDurationMs } from './options.js';

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

const percent = (raw: string, flag: string) => parsePercent(flag, raw);
/** A floor in µs, typed as a duration. */
const floorUs = (raw: string, flag: string) => parseDurationMs(flag, raw, { allowZero: true }) * 1000;
/** Defaults are written from the threshold table, so help and behaviour cannot disagree. */
const percentText = (t: Threshold) => `${Number((t.tolerance * 100).toFixed(4))}%`;

/** `wirebench compare`'s options (scripts/option-table.ts); `ci` shares some rows. */
export const COMPARE_OPTIONS = {
  format: {
    flags: '--format <format>',
    help: `output: ${COMPARE_FORMATS.join(', ')} (gab = github-action-benchmark customSmallerIsBetter JSON)`,
    doc: "output: `text` (a table), `md` (Markdown, for a job summary) or `gab` (github-action-benchmark's `customSmallerIsBetter` JSON)",
    default: 'text',
    parse: (raw: string, flag: string) => parseChoice(flag, raw, COMPARE_FORMATS),
  },
  out: { flags: '--out <file>', help: 'write the output to a file instead of stdout', defaultDoc: 'stdout', parse: (raw: string) => raw },
  only: {
    flags: '--only <scope>',
    help: 'gate on all metrics, or only deterministic ones (bytes per message; loss and connect errors always gate)',
    doc: '`all`: gate on every metric; `deterministic`: only on the deterministic ones, bytes per message and overhead per request (loss and connect errors always gate)',
    default: 'all',
    parse: (raw: string, flag: string): GateScope => parseChoice(flag, raw, ['all', 'deterministic'] as const),
  },
  bytesTolerance: { flags: '--bytes-tolerance <percent>', help: 'bytes per message: allowed increase', default: percentText(DEFAULT_THRESHOLDS.bytesPerMessage), parse: percent },
  latencyTolerance: { flags: '--latency-tolerance <percent>', help: 'latency p50/p99: allowed relative increase', default: percentText(DEFAULT_THRESHOLDS.latencyP50Us), parse: percent },
  latencyFloor: { flags: '--latency-floor <time>', help: 'latency p50/p99: increases up to this are noise', default: `${DEFAULT_THRESHOLDS.latencyP50Us.floor / 1000}ms`, parse: floorUs },
  cpuTolerance: { flags: '--cpu-tolerance <percent>', help: 'server CPU per message: allowed relative increase', default: percentText(DEFAULT_THRESHOLDS.cpuPerMessageUs), parse: percent },
  cpuFloor: { flags: '--cpu-floor <time>', help: 'server CPU per message: increases up to this are noise', default: `${DEFAULT_THRESHOLDS.cpuPerMessageUs.floor}us`, parse: floorUs },
  microTolerance: { flags: '--micro-tolerance <percent>', help: 'microbenchmarks: allowed relative increase of the median', default: percentText(DEFAULT_MICRO_THRESHOLD), parse: percent },
  microFloor: {
    flags: '--micro-floor <time>',
    help: 'microbenchmarks: increases up to this are noise (ns, us, ms)',
    default: `${DEFAULT_MICRO_THRESHOLD.floor}ns`,
    parse: (raw: string, flag: string) => parseNs(flag, raw),
  },
} as const satisfies OptionTable;

export type CompareFlags = RawFlags<typeof COMPARE_OPTIONS>;
export const COMPARE_DEFAULT_FLAGS: CompareFlags = optionDefaults(COMPARE_OPTIONS);

export function registerCompare(program: Command): void {
  const command = program
    .command('compare')
    .description('Compare a run (or a microbenchmark run) against a baseline; exit 3 when a figure regressed.')
    .argument('<baseline>', 'baseline results.json (or a bench:micro JSON)')
    .argument('<current>', 'current results.json (or a bench:micro JSON) of the same configuration');
  addOptionTable(command, COMPARE_OPTIONS).action(async (baselineFile: string, currentFile: string, flags: CompareFlags) => {
    const { report, output } = await runCompare(baselineFile, currentFile, flags);
    for (const warning of report.warnings) process.stderr.write(`wirebench compare: warning: ${warning}\n`);
    if (flags.out) await writeFileSafely(flags.out, output);
    else process.stdout.write(output);
    process.exitCode = report.regressions > 0 ? EXIT.regression : EXIT.ok;
  });
}

export function thresholdsFromFlags(flags: CompareFlags): Record<ResultMetric, Threshold> {
  const latency: Threshold = {
    kind: 'noisy',
    tolerance: parseRow(COMPARE_OPTIONS.latencyTolerance, flags.latencyTolerance),
    floor: parseRow(COMPARE_OPTIONS.latencyFloor, flags.latencyFloor),
  };
  return {
    ...DEFAULT_THRESHOLDS,
    bytesPerMessage: { ...DEFAULT_THRESHOLDS.bytesPerMessage, tolerance: parseRow(COMPARE_OPTIONS.bytesTolerance, flags.bytesTolerance) },
    latencyP50Us: latency,
    latencyP99Us: latency,
    cpuPerMessageUs: {
      kind: 'noisy',
      tolerance: parseRow(COMPARE_OPTIONS.cpuTolerance, flags.cpuTolerance),
      floor: parseRow(COMPARE_OPTIONS.cpuFloor, flags.cpuFloor),
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
  const format: CompareFormat = parseRow(COMPARE_OPTIONS.format, flags.format);
  const scope: GateScope = parseRow(COMPARE_OPTIONS.only, flags.only);
  const thresholds = thresholdsFromFlags(flags);
  const microThreshold: Threshold = { kind: 'noisy', tolerance: parseRow(COMPARE_OPTIONS.microTolerance, flags.microTolerance), floor: parseRow(COMPARE_OPTIONS.microFloor, flags.microFloor) };
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
