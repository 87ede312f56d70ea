import type { Command } from 'commander';
import { EXIT } from './exit-codes.js';

/** Placeholder until the serve command lands (see the open issues). */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve (not built yet)')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('wirebench serve: not built yet\n');
      process.exitCode = EXIT.failed;
    });
}
