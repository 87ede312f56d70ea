import type { Command } from 'commander';
import { dirname, join } from 'node:path';
import type { ResultsDocument } from '../load/results/results-schema.js';
import { EXPORTERS, readResultsFile, REPORT_FORMATS, ResultsFileError, writeReport, writeReports, type ReportFormat } from '../reports/index.js';
import { UsageError } from './exit-codes.js';
import { addOptionTable, parseRow, type OptionTable, type RawFlags } from './option-table.js';
import { parseChoice } from './options.js';

/** `wirebench report`'s options (scripts/option-table.ts). */
export const REPORT_OPTIONS = {
  output: {
    flags: '-o, --output <file>',
    help: 'where to write the report (html: default report.html beside the results file; md: default stdout)',
    doc: 'where to write the report',
    defaultDoc: 'html: `report.html` beside the results file; md: stdout',
  },
  format: {
    flags: '--format <format>',
    help: `report format: ${REPORT_FORMATS.join(' or ')}`,
    default: 'html',
    parse: (raw: string, flag: string) => parseChoice(flag, raw, REPORT_FORMATS),
  },
} as const satisfies OptionTable;

type ReportOptions = RawFlags<typeof REPORT_OPTIONS>;

/** `wirebench report <results.json> [-o file] [--format html|md]`. */
export function registerReport(program: Command): void {
  const command = program
    .command('report')
    .description('render a results file as an HTML report (beside it, report.html) or Markdown (stdout)')
    .argument('<results.json>', 'a results file written by wirebench bench');
  addOptionTable(command, REPORT_OPTIONS).action(async (resultsPath: string, options: ReportOptions) => {
      const format: ReportFormat = parseRow(REPORT_OPTIONS.format, options.format);
      let doc;
      try {
        doc = await readResultsFile(resultsPath);
      } catch (error) {
        // A bad input file is a usage error (exit 2): nothing was rendered.
        if (error instanceof ResultsFileError) throw new UsageError(error.message);
        throw error;
      }
      if (format === 'md' && options.output === undefined) {
        process.stdout.write(EXPORTERS.md.render(doc));
        return;
      }
      const output = options.output ?? join(dirname(resultsPath), EXPORTERS[format].fileName);
      await writeReport(doc, format, output);
      process.stdout.write(`wrote ${output}\n`);
    });
}

/** The end of `wirebench bench`: report.html and report.md beside the results file; returns their paths. */
export async function writeRunReports(doc: ResultsDocument, dir: string): Promise<string[]> {
  const { htmlPath, mdPath } = await writeReports(doc, dir);
  return [htmlPath, mdPath];
}
