/**
 * The server entry the bench starts its embedded servers from: `node dist/servers/entry.js` with
 * `WIREBENCH_SERVER_OPTIONS` holding one JSON document of {@link ServerDocument} (the
 * library's options plus `stateFile`), validated before anything listens. An environment variable,
 * not an argument: a TLS key in it is not readable by other users (/proc/<pid>/cmdline is).
 *
 * It imports only servers/, so the measured process holds the server and nothing of the CLI
 * (commander, option parsing) and is not re-parsed from strings. `wirebench serve` (what users
 * run) parses flags into the same options and runs the same lifecycle (servers/server-lifecycle.ts):
 * the first stdout line says where it listens; exit 0 on SIGINT / SIGTERM or when the parent's
 * IPC channel closes, 2 on a bad document or option (one line on stderr), 1 when it cannot listen.
 */
import { SERVER_DOCUMENT_ENV, ServerOptionsError } from './server-options.js';
import { parseServerDocument, ServerDocumentError, serveUntilStopped, type ServerDocument } from './server-lifecycle.js';
const NAMES = { name: 'wirebench server', stateFile: 'stateFile' };

try {
  const options: ServerDocument = parseServerDocument(process.env[SERVER_DOCUMENT_ENV] ?? '{}');
  await serveUntilStopped(options, NAMES);
  process.exitCode = 0;
} catch (error) {
  const usage = error instanceof ServerOptionsError || error instanceof ServerDocumentError;
  process.stderr.write(`${NAMES.name}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = usage ? 2 : 1;
}
