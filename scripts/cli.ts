#!/usr/bin/env node
/**
 * wirebench's command line: parse, hand over to a library, exit with a documented code
 * (scripts/exit-codes.ts). Each command lives in its own file and only wires options to
 * servers/, load/ or reports/.
 *
 * Fast start: only the command being run is imported (bench pulls in the runner, the reports
 * Chart.js; `--version` needs none of it). The others are listed for `--help` by name and
 * description from scripts/commands.ts.
 */
import { Command, CommanderError } from 'commander';
import { OutputPathError } from '../load/results/safe-file.js';
import { EXIT, UsageError } from './exit-codes.js';
import { COMMANDS } from './commands.js';
import { WIREBENCH_VERSION } from './version.js';

/** The command named on the command line (`wirebench help <command>` too), if any. */
function requestedCommand(argv: readonly string[]): string | undefined {
  const words = argv.filter((arg) => !arg.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/** Names the config file and key when a bad value came from there (set once the config is read). */
let blame = (message: string) => message;

async function main(): Promise<void> {
  const program = new Command('wirebench')
    .description('Measure what short polling, long-polling, SSE and WebSocket cost on the wire and in latency.')
    .version(WIREBENCH_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const requested = requestedCommand(process.argv.slice(2));
  for (const [name, entry] of Object.entries(COMMANDS)) {
    if (name !== requested) {
      program.command(name).description(entry.description);
      continue;
    }
    await entry.register(program);
    const { configurable } = entry;
    if (!configurable) continue;
    const command = program.commands.find((c) => c.name() === name)!;
    command.option('--config <file>', 'options from a config file; flags override it (default: ./wirebench.config.json if present)');
    command.hook('preAction', async () => {
      const config = await import('./config-file.js');
      blame = config.blameConfig;
      const presets: Record<string, Record<string, string>>[] = [];
      config.applyConfigFile(command, { addPresets: (p) => presets.push(p) });
      for (const p of presets) await configurable.addPresets?.(p);
    });
  }
  await program.parseAsync(process.argv);
}

try {
  await main();
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
    process.stderr.write(`wirebench: ${blame(error.message)}\n`);
    return EXIT.usage;
  }
  process.stderr.write(`wirebench: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.failed;
}
