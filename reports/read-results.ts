/**
 * Reads a results file for the report and compare commands. Every way it can be unusable —
 * missing, not a regular file, too big, unreadable, truncated, not JSON, another schema version,
 * schema-invalid — becomes one
 * ResultsFileError whose message names the file and the first problem, ready to print as one line.
 */
import { parseResults, ResultsSchemaError, type ResultsDocument } from '../load/results/results-schema.js';
import { InputFileError, MAX_INPUT_FILE_BYTES, readFileBounded } from '../load/results/safe-file.js';

export class ResultsFileError extends Error {
  constructor(
    readonly path: string,
    problem: string,
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
    if (error instanceof InputFileError) throw new ResultsFileError(path, error.problem);
    throw error;
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
