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
import { Command } from 'commander';
import { exitCodeFor } from './exit-codes.js';
import { COMMANDS, CONFIG_OPTION } from './commands.js';
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
    command.option(CONFIG_OPTION.flags, CONFIG_OPTION.help);
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
  process.exitCode = exitCodeFor('wirebench', error, (message) => blame(message));
}
