/**
 * wirebench's exit codes — documented in the README; scripts and CI rely on them.
 *
 * | code | meaning |
 * |------|---------|
 * | 0    | success (compare: nothing regressed) |
 * | 1    | a run failed (a server would not start, a step failed, I/O error) |
 * | 2    | usage error: a bad option or a bad input file; nothing was started |
 * | 3    | compare / ci: a regression against the baseline |
 * | 4    | bench / ci: a --threshold (or --fail-on) check failed |
 * | 130  | interrupted (Ctrl-C / SIGTERM): finished steps were written |
 */
import { CommanderError } from 'commander';
import { OutputPathError } from '../load/results/safe-file.js';

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  regression: 3,
  threshold: 4,
  interrupted: 130,
} as const;

/** A bad option or input: the CLI prints `message` as one line and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The one mapping from what a command or script threw to its documented exit code, printing the
 * one line it owes on stderr as `<name>: <message>`: a commander complaint (printed by commander
 * itself; help and version are not errors), a bad option or input (UsageError, node:util
 * parseArgs errors) and an output path refused before anything was written are 2; a write that
 * failed and anything else, 1. `explain` rewrites a usage error's message (the CLI names the
 * config file and key a bad value came from).
 */
export function exitCodeFor(name: string, error: unknown, explain: (message: string) => string = (message) => message): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  const message = oneLine(error instanceof Error ? error.message : String(error));
  if (error instanceof OutputPathError) {
    process.stderr.write(`${name}: ${message}\n`);
    return error.kind === 'refused' ? EXIT.usage : EXIT.failed;
  }
  if (error instanceof UsageError || String((error as { code?: unknown } | null)?.code ?? '').startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`${name}: ${explain(message)}\n`);
    return EXIT.usage;
  }
  process.stderr.write(`${name}: ${message}\n`);
  return EXIT.failed;
}

/**
 * The message on one line: a line break inside it (JSON.parse quotes the start of a bad file, line
 * breaks included) is written as `\n`, so the one line stays one line.
 */
function oneLine(message: string): string {
  return message.trimEnd().replace(/\r?\n/g, '\\n');
}

/** Runs a standalone script's `main`: its result, or what it throws mapped by {@link exitCodeFor}, is the exit code. */
export async function runScript(name: string, main: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await main()) ?? EXIT.ok;
  } catch (error) {
    process.exitCode = exitCodeFor(name, error);
  }
}
