/**
 * `wirebench serve`: a standalone server. Its options are scripts/serve-options.ts's table; the
 * process behaves as servers/server-lifecycle.ts says (the first stdout line is one JSON object
 * saying where it listens, SIGINT/SIGTERM end it cleanly within 2 s).
 */
import type { Command } from 'commander';
import { prepareOutputFile } from '../load/results/safe-file.js';
import { serveUntilStopped } from '../servers/server-lifecycle.js';
import { EXIT } from './exit-codes.js';
import { addOptionTable } from './option-table.js';
import { SERVE_OPTIONS, serverDocumentFromFlags } from './serve-options.js';

export function registerServe(program: Command): void {
  const command = program.command('serve').description('run a wirebench server: the feed over short polling, long-polling, SSE and WebSocket');
  addOptionTable(command, SERVE_OPTIONS).action(async (flags: Record<string, unknown>) => {
    const document = serverDocumentFromFlags(flags);
    // Written at shutdown: a path that cannot take it is refused now, not after the stream it was to hand over.
    if (document.stateFile !== undefined) await prepareOutputFile(document.stateFile, '--state-file');
    await serveUntilStopped(document, { name: 'wirebench serve', stateFile: '--state-file' });
    process.exitCode = EXIT.ok;
  });
}
