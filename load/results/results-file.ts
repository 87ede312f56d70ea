/**
 * Writing results: validated against the schema, then written atomically (safe-file.ts: temp file
 * + rename in the same directory), so a crash, Ctrl-C or a full disk mid-write never leaves a
 * truncated document — the previous complete version stays in place.
 */
import path from 'node:path';
import { validateResults, type ResultsDocument } from './results-schema.js';
import { writeFileSafely } from './safe-file.js';

export async function writeResultsFile(file: string, document: ResultsDocument): Promise<void> {
  validateResults(document);
  await writeFileSafely(file, `${JSON.stringify(document, null, 2)}\n`);
}

/** `results/<timestamp>/` — sortable, and safe in file names on every OS. */
export function defaultResultsDir(root: string, startedAt: Date): string {
  return path.join(root, startedAt.toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z'));
}
