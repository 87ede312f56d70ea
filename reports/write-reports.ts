/**
 * Writes reports to disk: what `wirebench report` and the end of `npm run bench` call.
 * Writes are atomic (load/results/safe-file.ts: a temporary file renamed into place), so a report beside
 * a results file is never half-written, even if the process is killed or the disk is full; a
 * symbolic link is written through, a FIFO or a device is never replaced.
 */
import { join } from 'node:path';
import type { ResultsDocument } from '../load/results/results-schema.js';
import { writeFileSafely } from '../load/results/safe-file.js';
import { EXPORTERS, type ReportFormat } from './exporters.js';

/** Renders one format and writes it to `path`; returns the path. */
export async function writeReport(doc: ResultsDocument, format: ReportFormat, path: string): Promise<string> {
  await writeFileSafely(path, EXPORTERS[format].render(doc));
  return path;
}

export interface WrittenReports {
  htmlPath: string;
  mdPath: string;
}

/** Writes report.html and report.md into `dir` (normally the results file's directory). */
export async function writeReports(doc: ResultsDocument, dir: string): Promise<WrittenReports> {
  const htmlPath = await writeReport(doc, 'html', join(dir, EXPORTERS.html.fileName));
  const mdPath = await writeReport(doc, 'md', join(dir, EXPORTERS.md.fileName));
  return { htmlPath, mdPath };
}
