/**
 * The end-of-run step table as CSV (RFC 4180): one row per step, the figures of the terminal
 * table (the results model's `steps` view, load/figure-registry.ts) as raw numbers in the unit named in each
 * header — for a spreadsheet or a script, where the terminal table has formatted text.
 */
import type { ResultsDocument } from '../load/results/results-schema.js';
import { FIGURES, figuresIn } from '../load/results/figure-registry.js';

const UNIT_SUFFIX: Record<string, string> = { B: 'bytes', us: 'us', Mbps: 'Mbps', count: 'count', fraction: 'fraction' };

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function renderStepsCsv(doc: ResultsDocument): string {
  const ids = figuresIn('steps', doc);
  const header = ['transport', 'clients', 'status', ...ids.map((id) => `${FIGURES[id].name} (${UNIT_SUFFIX[FIGURES[id].unit] ?? FIGURES[id].unit})`), 'generator saturated', 'reason'];
  const rows = doc.results.flatMap((result) =>
    result.steps.map((step) => {
      const figures = ids.map((id) => {
        const value = step.measurement ? FIGURES[id].read(step.measurement, step.clients, doc.config) : null;
        return value === null ? '' : String(value);
      });
      const saturated = step.measurement ? String(step.measurement.generator.saturated) : '';
      return [result.transport, String(step.clients), step.status, ...figures, saturated, step.status === 'failed' ? step.reason : ''];
    }),
  );
  return [header, ...rows].map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
