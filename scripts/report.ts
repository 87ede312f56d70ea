import type { Command } from 'commander';
import { EXIT } from './exit-codes.js';

/** Placeholder until the report command lands (see the open issues). */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('report (not built yet)')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('wirebench report: not built yet\n');
      process.exitCode = EXIT.failed;
    });
}
