/**
 * Absolute thresholds, as k6 users know them: `ws.latency.p99<20ms`, `lost==0`,
 * `poll@1000.bytes<=400B`. A rule is data ({@link ThresholdRule}); the text form is parsed into
 * it. Figures are the figure registry's (load/results/figure-registry.ts), read from each step the same
 * way the tables and compare read them, so a threshold and the report cannot disagree.
 */
import { entryName } from '../load/results/run-variants.js';
import { TRANSPORTS, type TransportName } from '../servers/contract.js';
import type { ResultsDocument } from '../load/results/results-schema.js';
import { FIGURES, type FigureId, type FigureUnit } from '../load/results/figure-registry.js';
import { formatInUnit } from './figure-cells.js';

export const THRESHOLD_OPERATORS = ['<=', '>=', '==', '!=', '<', '>'] as const;
export type ThresholdOperator = (typeof THRESHOLD_OPERATORS)[number];

/** One rule, as data: a figure, an operator and a limit in the figure's unit (µs, bytes, count, …). */
export interface ThresholdRule {
  /** How the user wrote it (for messages); optional when built as data. */
  text?: string;
  /** Only this transport's steps; null = every transport. */
  transport: TransportName | null;
  /** Only the step with this many clients; null = every step. */
  clients: number | null;
  figure: FigureId;
  operator: ThresholdOperator;
  /** In the figure's unit: µs for latency and CPU, bytes, a count, a fraction, Mbps. */
  limit: number;
}

/** Short names; any figure id of the registry (e.g. `latencyP99Us`, `mbps`) is accepted as well. */
export const THRESHOLD_ALIASES: Readonly<Record<string, FigureId>> = {
  'latency.p50': 'latencyP50Us',
  'latency.p99': 'latencyP99Us',
  bytes: 'bytesPerMessage',
  'bytes.down': 'downBytesPerMessage',
  'bytes.up': 'upBytesPerMessage',
  overhead: 'overheadBytesPerRequest',
  cpu: 'cpuPerMessageUs',
  mbps: 'mbps',
  lost: 'lost',
  duplicated: 'duplicated',
  reach: 'reach',
  connectErrors: 'connectErrors',
};

/** Unit suffixes accepted per figure unit → the factor to the figure's unit. '' = no suffix. */
const UNIT_FACTORS: Readonly<Record<FigureUnit, Readonly<Record<string, number>>>> = {
  // A bare number on a time is milliseconds, as in k6.
  us: { '': 1000, ns: 0.001, us: 1, µs: 1, ms: 1000, s: 1_000_000 },
  B: { '': 1, B: 1, KB: 1000, kB: 1000, KiB: 1024, MB: 1_000_000, MiB: 1024 * 1024 },
  count: { '': 1 },
  ratio: { '': 1 },
  fraction: { '': 1, '%': 0.01 },
  Mbps: { '': 1, Mbps: 1 },
};

export class ThresholdSyntaxError extends Error {
  override name = 'ThresholdSyntaxError';
}

/** The transports are the contract's (a transport name is a plain word, nothing to escape). */
const RULE_PATTERN = new RegExp(`^\\s*(?:(${TRANSPORTS.join('|')})(?:@(\\d+))?\\.)?([A-Za-z][\\w.]*?)\\s*(<=|>=|==|!=|<|>)\\s*(\\d+(?:\\.\\d+)?)\\s*([A-Za-zµ%]*)\\s*$`);

/** `[transport[@clients].]figure OP number[unit]` → a rule; one clear line on anything else. */
export function parseThresholdRule(text: string): ThresholdRule {
  const match = RULE_PATTERN.exec(text);
  const names = Object.keys(THRESHOLD_ALIASES).join(', ');
  if (!match) {
    throw new ThresholdSyntaxError(
      `threshold ${JSON.stringify(text)} is not valid: use [transport[@clients].]figure OP value[unit], e.g. ws.latency.p99<20ms or lost==0 (OP: ${THRESHOLD_OPERATORS.join(' ')}; transports: ${TRANSPORTS.join(', ')})`,
    );
  }
  const [, transport, clients, name, operator, value, unit] = match as unknown as [string, string | undefined, string | undefined, string, ThresholdOperator, string, string];
  const figure = THRESHOLD_ALIASES[name] ?? (Object.hasOwn(FIGURES, name) ? (name as FigureId) : undefined);
  if (!figure) throw new ThresholdSyntaxError(`threshold ${JSON.stringify(text)}: unknown figure ${JSON.stringify(name)}: use one of ${names} (or a figure id such as latencyP99Us)`);
  const factors = UNIT_FACTORS[FIGURES[figure].unit];
  const factor = factors[unit];
  if (factor === undefined) {
    const accepted = Object.keys(factors).filter(Boolean);
    throw new ThresholdSyntaxError(`threshold ${JSON.stringify(text)}: unit ${JSON.stringify(unit)} does not fit ${name}: ${accepted.length ? `use ${accepted.join(', ')} or none` : 'use a plain number'}`);
  }
  return {
    text: text.trim(),
    transport: (transport as TransportName | undefined) ?? null,
    clients: clients === undefined ? null : Number(clients),
    figure,
    operator,
    limit: Number(value) * factor,
  };
}

export interface ThresholdCheck {
  rule: ThresholdRule;
  /** The step it was checked on ("ws @ 100 clients"), or what was missing. */
  subject: string;
  /** The step's figure in its unit; null when the step has none or failed. */
  value: number | null;
  passed: boolean;
  note?: string;
}

function holds(value: number, operator: ThresholdOperator, limit: number): boolean {
  switch (operator) {
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    case '==':
      return value === limit;
    case '!=':
      return value !== limit;
  }
}

export function ruleText(rule: ThresholdRule): string {
  if (rule.text) return rule.text;
  const where = rule.transport ? `${rule.transport}${rule.clients === null ? '' : `@${rule.clients}`}.` : '';
  return `${where}${rule.figure}${rule.operator}${formatInUnit(rule.limit, FIGURES[rule.figure].unit)}`;
}

/**
 * Every rule on every step it names. A step that failed fails every rule on it; a rule that names
 * no step of the run fails (a typo in a transport must not pass silently); a figure a step does
 * not have (overhead per request of a WebSocket) is skipped with a note.
 */
export function evaluateThresholds(doc: ResultsDocument, rules: readonly ThresholdRule[]): ThresholdCheck[] {
  const checks: ThresholdCheck[] = [];
  for (const rule of rules) {
    let matched = 0;
    for (const result of doc.results) {
      if (rule.transport !== null && result.transport !== rule.transport) continue;
      for (const step of result.steps) {
        if (rule.clients !== null && step.clients !== rule.clients) continue;
        matched++;
        const subject = `${entryName(doc.config, result)} @ ${step.clients} clients`;
        if (step.status !== 'ok') {
          checks.push({ rule, subject, value: null, passed: false, note: `step failed: ${step.reason}` });
          continue;
        }
        const value = FIGURES[rule.figure].read(step.measurement, step.clients);
        if (value === null) checks.push({ rule, subject, value, passed: true, note: 'no such figure for this step: not checked' });
        else checks.push({ rule, subject, value, passed: holds(value, rule.operator, rule.limit) });
      }
    }
    if (matched === 0) checks.push({ rule, subject: 'no step', value: null, passed: false, note: 'no step of this run matches the rule' });
  }
  return checks;
}

/** `--fail-on` kinds for bench: conditions that are not a figure's limit. */
export const FAIL_ON_KINDS = ['loss', 'saturation'] as const;
export type FailOnKind = (typeof FAIL_ON_KINDS)[number];

/** Steps that trip a `--fail-on` kind, as failed checks (loss is the rule lost==0). */
export function evaluateFailOn(doc: ResultsDocument, kinds: readonly FailOnKind[]): ThresholdCheck[] {
  const checks: ThresholdCheck[] = [];
  if (kinds.includes('loss')) checks.push(...evaluateThresholds(doc, [{ text: 'lost==0 (--fail-on loss)', transport: null, clients: null, figure: 'lost', operator: '==', limit: 0 }]));
  if (kinds.includes('saturation')) {
    const rule: ThresholdRule = { text: 'generator not saturated (--fail-on saturation)', transport: null, clients: null, figure: 'lost', operator: '==', limit: 0 };
    for (const result of doc.results) {
      for (const step of result.steps) {
        if (step.status !== 'ok') continue;
        const saturated = step.measurement.generator.saturated;
        checks.push({ rule, subject: `${entryName(doc.config, result)} @ ${step.clients} clients`, value: null, passed: !saturated, ...(saturated ? { note: 'generator-saturated' } : {}) });
      }
    }
  }
  return checks;
}

function valueText(check: ThresholdCheck): string {
  return check.value === null ? '—' : formatInUnit(check.value, FIGURES[check.rule.figure].unit);
}

/** Failures only, plus a one-line verdict: what a terminal needs. */
export function renderThresholdText(checks: readonly ThresholdCheck[]): string {
  const failed = checks.filter((c) => !c.passed);
  const lines = failed.map((c) => `  ✗ ${ruleText(c.rule)}  ${c.subject}: ${valueText(c)}${c.note ? ` (${c.note})` : ''}`);
  const verdict = failed.length === 0 ? `thresholds: all ${checks.length} checks passed` : `thresholds: ${failed.length} of ${checks.length} checks FAILED`;
  return `${[verdict, ...lines].join('\n')}\n`;
}

/** Every check, for a job summary. */
export function renderThresholdMarkdown(checks: readonly ThresholdCheck[]): string {
  const failed = checks.filter((c) => !c.passed).length;
  const head = failed === 0 ? `✅ **all ${checks.length} threshold checks passed**` : `❌ **${failed} of ${checks.length} threshold checks failed**`;
  const rows = checks.map((c) => `| \`${ruleText(c.rule).replace(/\|/g, '\\|')}\` | ${c.subject} | ${valueText(c)} | ${c.passed ? '✅ ok' : '❌ **failed**'}${c.note ? ` — ${c.note}` : ''} |`);
  return `### wirebench thresholds\n\n${head}\n\n| threshold | step | value | verdict |\n|---|---|--:|---|\n${rows.join('\n')}\n`;
}
