/**
 * Reads a results file for the report and compare commands. Every way it can be unusable —
 * missing, unreadable, truncated, not JSON, another schema version, schema-invalid — becomes one
 * ResultsFileError whose message names the file and the first problem, ready to print as one line.
 */
import { readFile } from 'node:fs/promises';
import { parseResults, ResultsSchemaError, type ResultsDocument } from '../load/results-schema.js';

export class ResultsFileError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'ResultsFileError';
  }
}

function readProblem(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a directory, not a results file';
    case 'EACCES':
      return 'permission denied';
    default:
      return `cannot read (${error.message})`;
  }
}

export async function readResultsFile(path: string): Promise<ResultsDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ResultsFileError(path, readProblem(error as NodeJS.ErrnoException));
  }
  if (text.trim() === '') throw new ResultsFileError(path, 'empty file (was the run killed before it wrote its results?)');
  try {
    return parseResults(text);
  } catch (error) {
    if (error instanceof ResultsSchemaError) {
      const hint = error.type === 'not-json' ? ' — truncated or not a results file?' : '';
      throw new ResultsFileError(path, `${error.message}${hint}`);
    }
    throw error;
  }
}
