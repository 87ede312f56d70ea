import type { Command } from 'commander';
import { EXIT } from './exit-codes.js';

/** Placeholder until the bench command lands (see the open issues). */
export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('bench (not built yet)')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('wirebench bench: not built yet\n');
      process.exitCode = EXIT.failed;
    });
}
