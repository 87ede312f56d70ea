/**
 * `--threshold <rule>` (bench, ci) and `--fail-on <kinds>` (bench): parsed before anything runs
 * (a bad rule is exit 2), checked on the finished results, failures printed on stderr; a failed
 * check is exit 4 (EXIT.threshold).
 */
import { Option, type Command } from 'commander';
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

export function addThresholdOption(command: Command): Command {
  return command.addOption(
    new Option('--threshold <rule>', 'absolute limit, repeatable: [transport[@clients].]figure OP value[unit], e.g. ws.latency.p99<20ms, lost==0; exit 4 when one fails')
      .default([])
      .argParser((v: string, prev: string[]) => [...prev, v]),
  );
}

export function addFailOnOption(command: Command): Command {
  return command.option('--fail-on <kinds>', `exit 4 when a step shows: ${FAIL_ON_KINDS.join(', ')} (comma-separated)`);
}

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
