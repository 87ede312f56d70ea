import type { Command } from 'commander';
import { basename, dirname } from 'node:path';
import { writeResultsFile } from '../load/results/results-file.js';
import { OutputPathError, prepareOutputDirectory } from '../load/results/safe-file.js';
import { mergeResults, MergeRefusedError } from '../reports/merge-results.js';
import { readResultsFile, ResultsFileError } from '../reports/read-results.js';
import { EXIT, UsageError } from './exit-codes.js';
import { addOptionTable, type OptionTable, type RawFlags } from './option-table.js';

/** `wirebench merge`'s options (scripts/option-table.ts). */
export const MERGE_OPTIONS = {
  output: { flags: '-o, --output <file>', help: 'where to write the merged results file (required)', doc: 'where to write the merged results file', defaultDoc: 'required' },
} as const satisfies OptionTable;

type MergeOptions = RawFlags<typeof MERGE_OPTIONS>;

/** `wirebench merge <results.json…> -o merged.json`: shards of one run (or parts of one) into one results file. */
export function registerMerge(program: Command): void {
  const command = program
    .command('merge')
    .description('merge the results files of shards of one run (bench --shard I/N) into one: counters summed, histograms merged exactly')
    .argument('<results.json...>', 'results files: every shard of one run, or parts of one run (different transports or client steps)');
  addOptionTable(command, MERGE_OPTIONS).action(async (files: string[], options: MergeOptions) => {
      if (options.output === undefined) throw new UsageError('merge needs -o <file>: where to write the merged results, e.g. -o results.json');
      const documents = [];
      for (const file of files) {
        try {
          documents.push(await readResultsFile(file));
        } catch (error) {
          if (error instanceof ResultsFileError) throw new UsageError(error.message);
          throw error;
        }
      }
      let merged;
      try {
        merged = mergeResults(documents, files.map((f) => basename(f)));
      } catch (error) {
        if (error instanceof MergeRefusedError) throw new UsageError(`merge refused: ${error.message}`);
        throw error;
      }
      try {
        await prepareOutputDirectory(dirname(options.output), basename(options.output));
      } catch (error) {
        if (error instanceof OutputPathError) throw new UsageError(`-o ${error.message}`);
        throw error;
      }
      await writeResultsFile(options.output, merged);
      const steps = merged.results.flatMap((r) => r.steps);
      const failed = steps.filter((s) => s.status === 'failed').length;
      const saturated = steps.filter((s) => s.measurement?.generator.saturated).length;
      process.stdout.write(
        `wrote ${options.output}: ${files.length} files, ${steps.length} steps (${failed} failed, ${saturated} generator-saturated), status ${merged.status}; render it with \`wirebench report ${options.output}\`\n`,
      );
      process.exitCode = merged.status === 'complete' ? EXIT.ok : EXIT.failed;
    });
}
