import type { Command } from 'commander';
import { EXIT } from './exit-codes.js';

/** Placeholder until the compare command lands (see the open issues). */
export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('compare (not built yet)')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('wirebench compare: not built yet\n');
      process.exitCode = EXIT.failed;
    });
}
