/**
 * The end-of-run step table as CSV (RFC 4180): one row per step, the figures of the terminal
 * table (the results model's `steps` view, load/figure-registry.ts) as raw numbers in the unit named in each
 * header — for a spreadsheet or a script, where the terminal table has formatted text.
 */
import type { ResultsDocument } from '../load/results/results-schema.js';
import { FIGURES, figuresIn } from '../load/results/figure-registry.js';
import { entryConfig, hasVariants, resultVariant, variantLabel, varyingAxes } from '../load/results/run-variants.js';

const UNIT_SUFFIX: Record<string, string> = { B: 'bytes', us: 'us', Mbps: 'Mbps', count: 'count', fraction: 'fraction' };

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function renderStepsCsv(doc: ResultsDocument): string {
  const ids = figuresIn('steps', doc);
  // A run of several variants: a column naming each step's (headed by the axes it varies).
  const axes = hasVariants(doc.config) ? varyingAxes(doc.config) : [];
  const variantColumn = axes.length > 0 ? [axes.join(' ')] : [];
  const header = ['transport', ...variantColumn, 'clients', 'status', ...ids.map((id) => `${FIGURES[id].name} (${UNIT_SUFFIX[FIGURES[id].unit] ?? FIGURES[id].unit})`), 'generator saturated', 'reason'];
  const rows = doc.results.flatMap((result) =>
    result.steps.map((step) => {
      const figures = ids.map((id) => {
        const value = step.measurement ? FIGURES[id].read(step.measurement, step.clients, entryConfig(doc.config, result)) : null;
        return value === null ? '' : String(value);
      });
      const saturated = step.measurement ? String(step.measurement.generator.saturated) : '';
      const variant = axes.length > 0 ? [variantLabel(resultVariant(doc.config, result), axes)] : [];
      return [result.transport, ...variant, String(step.clients), step.status, ...figures, saturated, step.status === 'failed' ? step.reason : ''];
    }),
  );
  return [header, ...rows].map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
