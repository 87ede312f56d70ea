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
 * Runs a standalone script's `main` and turns what it throws into one line on stderr and the
 * documented exit code: 2 for bad options (UsageError, node:util parseArgs errors), 1 otherwise.
 */
export async function runScript(name: string, main: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await main()) ?? EXIT.ok;
  } catch (error) {
    const usage = error instanceof UsageError || String((error as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = usage ? EXIT.usage : EXIT.failed;
  }
}
