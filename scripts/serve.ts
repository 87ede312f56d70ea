/**
 * `wirebench serve`: a standalone server. Its options are scripts/serve-options.ts's table; the
 * process behaves as servers/server-lifecycle.ts says (the first stdout line is one JSON object
 * saying where it listens, SIGINT/SIGTERM end it cleanly within 2 s).
 */
import type { Command } from 'commander';
import { prepareOutputFile } from '../load/results/safe-file.js';
import { serveUntilStopped } from '../servers/server-lifecycle.js';
import { EXIT, UsageError } from './exit-codes.js';
import { addOptionTable } from './option-table.js';
import { SERVE_OPTIONS, serverDocumentFromFlags } from './serve-options.js';

/** Listen errors that say the --host value is wrong, in words. */
const BAD_HOST_ERRORS: Readonly<Record<string, string>> = {
  ENOTFOUND: 'no such host name (ENOTFOUND)',
  EAI_AGAIN: 'the host name could not be resolved (EAI_AGAIN)',
  EADDRNOTAVAIL: 'not an address of this machine (EADDRNOTAVAIL)',
};

export function registerServe(program: Command): void {
  const command = program.command('serve').description('run a wirebench server: the feed over short polling, long-polling, SSE and WebSocket');
  addOptionTable(command, SERVE_OPTIONS).action(async (flags: Record<string, unknown>) => {
    const document = serverDocumentFromFlags(flags);
    // Written at shutdown: a path that cannot take it is refused now, not after the stream it was to hand over.
    if (document.stateFile !== undefined) await prepareOutputFile(document.stateFile, '--state-file');
    await serveUntilStopped(document, { name: 'wirebench serve', stateFile: '--state-file' }).catch((error: unknown) => {
      // A --host this machine cannot bind is a bad option (exit 2), not a failed start (a busy port is).
      const reason = BAD_HOST_ERRORS[(error as NodeJS.ErrnoException | null)?.code ?? ''];
      if (reason !== undefined) throw new UsageError(`--host ${JSON.stringify(document.host)} is not valid: ${reason}; use an address of this machine, e.g. 127.0.0.1`);
      throw error;
    });
    process.exitCode = EXIT.ok;
  });
}
