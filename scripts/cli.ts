#!/usr/bin/env node
/**
 * wirebench's command line: parse, hand over to a library, exit with a documented code
 * (scripts/exit-codes.ts). Each command lives in its own file and only wires options to
 * servers/, load/ or reports/.
 */
import { Command, CommanderError } from 'commander';
import { OutputPathError } from '../load/safe-file.js';
import { EXIT, UsageError } from './exit-codes.js';
import { registerServe } from './serve.js';
import { registerBench } from './bench.js';
import { registerReport } from './report.js';
import { registerCompare } from './compare.js';
import { WIREBENCH_VERSION } from './version.js';

const program = new Command('wirebench')
  .description('Measure what short polling, long-polling, SSE and WebSocket cost on the wire and in latency.')
  .version(WIREBENCH_VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerServe(program);
registerBench(program);
registerReport(program);
registerCompare(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version are not errors; every other commander complaint is a usage error.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof OutputPathError) {
    // A path refused before anything was written is a bad value (2); a write that failed, 1.
    process.stderr.write(`wirebench: ${error.message}\n`);
    return error.kind === 'refused' ? EXIT.usage : EXIT.failed;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`wirebench: ${error.message}\n`);
    return EXIT.usage;
  }
  process.stderr.write(`wirebench: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.failed;
}
