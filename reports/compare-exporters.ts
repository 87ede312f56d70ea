/**
 * Renderings of one CompareReport behind one interface (like reports/exporters.ts for runs):
 * a plain-text table for terminals, Markdown for a CI job summary, and github-action-benchmark's
 * `customSmallerIsBetter` JSON so a team can chart the figures over commits.
 */
import type { Threshold, Verdict } from './compare-thresholds.js';
import type { CompareReport, CompareRow, MetricUnit } from './compare.js';
import { formatInUnit } from './figure-cells.js';
import { formatNumber } from './format.js';
import { escapeMarkdown } from './markdown-text.js';
import { textTableLines } from './text-table.js';

export const COMPARE_FORMATS = ['text', 'md', 'gab'] as const;
export type CompareFormat = (typeof COMPARE_FORMATS)[number];

export interface CompareExporter {
  format: CompareFormat;
  render(report: CompareReport): string;
}

const DASH = '—';

export function formatValue(value: number | null, unit: MetricUnit): string {
  if (value === null) return DASH;
  return unit === 'ns' ? `${formatNumber(value)} ns` : formatInUnit(value, unit);
}

function formatDelta(row: CompareRow): string {
  if (row.baseline === null || row.current === null) return DASH;
  const delta = row.current - row.baseline;
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
  const absolute = formatValue(Math.abs(delta), row.unit);
  if (row.baseline === 0) return `${sign}${absolute}`;
  const percent = (delta / Math.abs(row.baseline)) * 100;
  return `${sign}${absolute} (${sign}${formatNumber(Math.abs(percent))} %)`;
}

/** The rule a row is held to, e.g. "≤ +1 %", "≤ +25 % or 2 ms", "= 0". */
export function formatLimit(threshold: Threshold, unit: MetricUnit): string {
  if (threshold.kind === 'zero') return '= 0';
  const percent = `≤ +${formatNumber(threshold.tolerance * 100)} %`;
  return threshold.floor > 0 ? `${percent} or ${formatValue(threshold.floor, unit)}` : percent;
}

const VERDICT_TEXT: Record<Verdict, string> = { ok: 'ok', regressed: 'REGRESSED', improved: 'improved', info: 'info' };
const VERDICT_MD: Record<Verdict, string> = { ok: '✅ ok', regressed: '❌ **regressed**', improved: '🟢 improved', info: 'ℹ️ not gated' };

function summaryLine(report: CompareReport): string {
  const gated = report.scope === 'deterministic' ? ' (gating only on bytes per message, overhead per request, loss and connect errors)' : '';
  return report.regressions === 0
    ? `no regression in ${report.rows.length} figures${gated}`
    : `${report.regressions} regression${report.regressions === 1 ? '' : 's'} in ${report.rows.length} figures${gated}`;
}

function cells(row: CompareRow, verdicts: Record<Verdict, string>): string[] {
  return [row.subject, row.label, formatValue(row.baseline, row.unit), formatValue(row.current, row.unit), formatDelta(row), formatLimit(row.threshold, row.unit), verdicts[row.verdict]];
}

const HEAD = ['step', 'metric', 'baseline', 'current', 'delta', 'allowed', 'verdict'];

function notes(report: CompareReport): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const row of report.rows) {
    const line = row.note ? `${row.subject}: ${row.note}` : undefined;
    if (line && !seen.has(line)) {
      seen.add(line);
      lines.push(line);
    }
  }
  return lines;
}

export function renderCompareText(report: CompareReport): string {
  const table = textTableLines([HEAD, ...report.rows.map((row) => cells(row, VERDICT_TEXT))], { numeric: [false, false, true, true, true, false, false] });
  const out = [`compare: ${report.baselineName} (baseline) → ${report.currentName} (current)`, '', ...table];
  const noteLines = notes(report);
  if (noteLines.length) out.push('', ...noteLines.map((n) => `note: ${n}`));
  out.push('', `${report.regressions === 0 ? 'ok' : 'FAIL'}: ${summaryLine(report)}`);
  return `${out.join('\n')}\n`;
}

export function renderCompareMarkdown(report: CompareReport): string {
  const out = [
    '### wirebench compare',
    '',
    `${report.regressions === 0 ? '✅' : '❌'} **${escapeMarkdown(summaryLine(report))}** — baseline \`${report.baselineName.replace(/`/g, "'")}\`, current \`${report.currentName.replace(/`/g, "'")}\``,
    '',
    `| ${HEAD.join(' | ')} |`,
    '|---|---|--:|--:|--:|---|---|',
    ...report.rows.map((row) => `| ${cells(row, VERDICT_MD).map((c, i) => (i === 6 ? c : escapeMarkdown(c))).join(' | ')} |`),
  ];
  const noteLines = notes(report);
  if (noteLines.length) out.push('', ...noteLines.map((n) => `- ${escapeMarkdown(n)}`));
  if (report.warnings.length) out.push('', ...report.warnings.map((w) => `> ⚠️ ${escapeMarkdown(w)}`));
  out.push(
    '',
    'Bytes per message and overhead per request are deterministic (tight tolerance, no floor; the bytes per message of poll and long-poll follows timing and is noisy: 5 % for polling, 10 % for long-polling, while its overhead per request stays deterministic); latency and CPU are noisy (a change must exceed both the relative tolerance and the absolute floor); lost messages and connect errors must stay 0.',
  );
  return `${out.join('\n')}\n`;
}

/** github-action-benchmark's `customSmallerIsBetter` entry. */
export interface GabEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

/** The current run's figures (gab keeps the history itself); the baseline and verdict ride along in `extra`. */
export function compareToGab(report: CompareReport): GabEntry[] {
  return report.rows
    .filter((row): row is CompareRow & { current: number } => row.current !== null)
    .map((row) => ({
      name: `${row.subject} — ${row.label}`,
      unit: row.unit,
      value: row.current,
      extra: `baseline ${formatValue(row.baseline, row.unit)}; allowed ${formatLimit(row.threshold, row.unit)}; ${row.verdict}${row.note ? `; ${row.note}` : ''}`,
    }));
}

export function renderCompareGab(report: CompareReport): string {
  return `${JSON.stringify(compareToGab(report), null, 2)}\n`;
}

export const COMPARE_EXPORTERS: Readonly<Record<CompareFormat, CompareExporter>> = {
  text: { format: 'text', render: renderCompareText },
  md: { format: 'md', render: renderCompareMarkdown },
  gab: { format: 'gab', render: renderCompareGab },
};
