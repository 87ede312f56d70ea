/**
 * The end of `wirebench bench`, after the results and reports are written: the step table as CSV
 * beside them, `results/latest` pointing at this run (default results directory only), the files
 * printed as absolute file:// URLs (clickable in most terminals), and `--open` showing the report.
 */
import { spawn } from 'node:child_process';
import { readlink, rename, symlink, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileSafely } from '../load/results/safe-file.js';
import type { ResultsDocument } from '../load/results/results-schema.js';
import { renderStepsCsv } from '../reports/steps-csv.js';

export interface RunOutputs {
  outDir: string;
  outFile: string;
  /** report.html, report.md (empty with --no-report). */
  reports: readonly string[];
  /** The directory `results/latest` lives in, when the run used the default results/<timestamp>. */
  latestRoot: string | null;
  quiet: boolean;
  open: boolean;
}

export const fileUrl = (file: string) => pathToFileURL(path.resolve(file)).href;

export async function finishRunOutputs(doc: ResultsDocument, outputs: RunOutputs, err: NodeJS.WritableStream = process.stderr): Promise<void> {
  const csvFile = path.join(outputs.outDir, 'steps.csv');
  await writeFileSafely(csvFile, renderStepsCsv(doc));
  if (outputs.latestRoot !== null) await pointLatest(outputs.latestRoot, outputs.outDir).catch((error: unknown) => err.write(`wirebench: results/latest not updated (${(error as Error).message})\n`));
  if (!outputs.quiet) {
    err.write(`results: ${fileUrl(outputs.outFile)}\n`);
    for (const file of outputs.reports) err.write(`report:  ${fileUrl(file)}\n`);
    err.write(`csv:     ${fileUrl(csvFile)}\n`);
  }
  const html = outputs.reports.find((file) => file.endsWith('.html'));
  if (outputs.open) {
    if (html) openInBrowser(html, err);
    else err.write('wirebench: --open: no HTML report to open (--no-report)\n');
  }
}

/** `<root>/latest` → this run's directory, relative, replaced atomically (a new link renamed over the old). */
async function pointLatest(root: string, outDir: string): Promise<void> {
  const link = path.join(root, 'latest');
  const target = path.relative(root, outDir);
  const current = await readlink(link).catch(() => null);
  if (current === target) return;
  const temp = `${link}.${process.pid}.tmp`;
  await unlink(temp).catch(() => undefined);
  await symlink(target, temp, 'dir');
  await rename(temp, link);
}

/** The platform's opener, detached; a failure is one line, never the run's exit code. */
function openInBrowser(file: string, err: NodeJS.WritableStream): void {
  const [command, args] = process.platform === 'darwin' ? ['open', [file]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', file]] : ['xdg-open', [file]];
  const child = spawn(command as string, args as string[], { detached: true, stdio: 'ignore' });
  child.once('error', (error) => err.write(`wirebench: --open: could not run ${command as string} (${error.message}); open ${fileUrl(file)}\n`));
  child.unref();
}
