/**
 * Writing results: validated against the schema, then written atomically (temp file + rename in
 * the same directory), so a crash or Ctrl-C mid-write never leaves a truncated document —
 * the previous complete version stays in place.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { validateResults, type ResultsDocument } from './results-schema.js';

export async function writeResultsFile(file: string, document: ResultsDocument): Promise<void> {
  validateResults(document);
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(document, null, 2)}\n`);
  await rename(temp, file);
}

/** `results/<timestamp>/` — sortable, and safe in file names on every OS. */
export function defaultResultsDir(root: string, startedAt: Date): string {
  return path.join(root, startedAt.toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z'));
}
