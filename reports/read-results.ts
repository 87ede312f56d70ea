/**
 * Reads a results file for the report and compare commands. Every way it can be unusable —
 * missing, not a regular file, too big, unreadable, truncated, not JSON, another schema version,
 * schema-invalid — becomes one
 * ResultsFileError whose message names the file and the first problem, ready to print as one line.
 */
import { parseResults, ResultsSchemaError, type ResultsDocument, type DocumentErrorKind } from '../load/results/results-schema.js';
import { InputFileError, MAX_INPUT_FILE_BYTES, readFileBounded } from '../load/results/safe-file.js';

/** Why a results file is unusable: it cannot be read (missing, not a file, too big), it is empty, or its document was refused. */
export type ResultsFileErrorKind = 'unreadable' | 'empty' | DocumentErrorKind;

export class ResultsFileError extends Error {
  constructor(
    readonly path: string,
    problem: string,
    readonly kind: ResultsFileErrorKind,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'ResultsFileError';
  }
}

export async function readResultsFile(path: string): Promise<ResultsDocument> {
  let text: string;
  try {
    text = await readFileBounded(path, MAX_INPUT_FILE_BYTES, 'a results file');
  } catch (error) {
    if (error instanceof InputFileError) throw new ResultsFileError(path, error.problem, 'unreadable');
    throw error;
  }
  if (text.trim() === '') throw new ResultsFileError(path, 'empty file (was the run killed before it wrote its results?)', 'empty');
  try {
    return parseResults(text);
  } catch (error) {
    if (error instanceof ResultsSchemaError) {
      const hint = error.type === 'not-json' ? ' — truncated or not a results file?' : '';
      throw new ResultsFileError(path, `${error.message}${hint}`, error.type);
    }
    throw error;
  }
}
