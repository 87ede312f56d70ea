/**
 * The report formats behind one interface (as hyperfine's exporters): the CLI picks one by name,
 * the bench writes them all.
 */
import type { ResultsDocument } from '../load/results/results-schema.js';
import { renderHtml } from './html-report.js';
import { renderMarkdown } from './markdown-report.js';

export const REPORT_FORMATS = ['html', 'md'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportExporter {
  format: ReportFormat;
  /** The file written beside the results file. */
  fileName: string;
  render(doc: ResultsDocument): string;
}

export const EXPORTERS: Readonly<Record<ReportFormat, ReportExporter>> = {
  html: { format: 'html', fileName: 'report.html', render: renderHtml },
  md: { format: 'md', fileName: 'report.md', render: renderMarkdown },
};
