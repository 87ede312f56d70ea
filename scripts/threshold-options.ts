/**
 * `--threshold <rule>` (bench, ci) and `--fail-on <kinds>` (bench): parsed before anything runs
 * (a bad rule is exit 2), checked on the finished results, failures printed on stderr; a failed
 * check is exit 4 (EXIT.threshold).
 */
import type { ResultsDocument } from '../load/results/results-schema.js';
import {
  evaluateFailOn,
  evaluateThresholds,
  FAIL_ON_KINDS,
  parseThresholdRule,
  renderThresholdText,
  ThresholdSyntaxError,
  type FailOnKind,
  type ThresholdCheck,
  type ThresholdRule,
} from '../reports/thresholds.js';
import { UsageError } from './exit-codes.js';
import type { OptionRow } from './option-table.js';

export const THRESHOLD_OPTION = {
  flags: '--threshold <rule>',
  help: 'absolute limit, repeatable: [transport[@clients].]figure OP value[unit], e.g. ws.latency.p99<20ms, lost==0; exit 4 when one fails',
  doc: 'an absolute limit, repeatable, k6-style: `[transport[@clients].]figure OP value[unit]`, e.g. `ws.latency.p99<20ms`, `lost==0`, `poll@1000.bytes<=400B`, `reach>=99%`; exit 4 when one fails (rules: under `wirebench bench`)',
  repeatable: true,
  parse: (raw: string) => parseThresholds([raw])[0]!,
} as const satisfies OptionRow;

export const FAIL_ON_OPTION = {
  flags: '--fail-on <kinds>',
  help: `exit 4 when a step shows: ${FAIL_ON_KINDS.join(', ')} (comma-separated)`,
  doc: 'exit 4 when a step shows `loss` (any lost message) or `saturation` (generator-saturated); by default neither fails the run',
  parse: (raw: string) => parseFailOn(raw),
} as const satisfies OptionRow;

export function parseThresholds(raw: readonly string[]): ThresholdRule[] {
  return raw.map((text) => {
    try {
      return parseThresholdRule(text);
    } catch (error) {
      if (error instanceof ThresholdSyntaxError) throw new UsageError(`--${error.message}`);
      throw error;
    }
  });
}

export function parseFailOn(raw: string | undefined): FailOnKind[] {
  if (raw === undefined) return [];
  return raw.split(',').map((kind) => {
    const trimmed = kind.trim();
    if (!(FAIL_ON_KINDS as readonly string[]).includes(trimmed)) {
      throw new UsageError(`--fail-on ${JSON.stringify(raw)} is not valid: use a comma-separated list of ${FAIL_ON_KINDS.join(', ')}`);
    }
    return trimmed as FailOnKind;
  });
}

/** Checks the run; prints the verdict and every failure on `out`. Empty when nothing was asked. */
export function checkThresholds(doc: ResultsDocument, rules: readonly ThresholdRule[], failOn: readonly FailOnKind[], out: NodeJS.WritableStream): ThresholdCheck[] {
  if (rules.length === 0 && failOn.length === 0) return [];
  const checks = [...evaluateThresholds(doc, rules), ...evaluateFailOn(doc, failOn)];
  out.write(renderThresholdText(checks));
  return checks;
}
