/**
 * `npm run bench:capture`'s options (scripts/capture-check.ts, a standalone script: node:util
 * parseArgs, built from this table by `parseArgsOptions`); the README's table comes from it too.
 * The bench's own options keep the bench's rows (flag, help, parser) with the check's defaults: a
 * small run with minimal headers and a 1 s warm-up.
 */
import { BENCH_OPTIONS } from './bench-options.js';
import type { OptionTable } from './option-table.js';
import { parsePositiveNumber } from './options.js';

export const CAPTURE_CHECK_OPTIONS = {
  clients: { ...BENCH_OPTIONS.clients, doc: BENCH_OPTIONS.clients.help, default: '20' },
  duration: { ...BENCH_OPTIONS.duration, default: '3s' },
  headers: { ...BENCH_OPTIONS.headers, doc: BENCH_OPTIONS.headers.help, default: 'minimal' },
  transports: BENCH_OPTIONS.transports,
  protocol: {
    ...BENCH_OPTIONS.protocol,
    help: 'one run per protocol, comma-separated (as bench --protocol); over TLS the meter counts the TCP socket beneath TLS, so records, tags and handshakes must be in on both sides',
    doc: 'one run per protocol, comma-separated (`http1,http1-tls,h2`, as `bench --protocol`); over TLS the meter counts the TCP socket beneath TLS, so records, tags and handshakes must be in on both sides',
  },
  compression: {
    ...BENCH_OPTIONS.compression,
    help: "as bench --compression: the socket layer is then compressed bytes, and must still equal the capture's TCP payload",
    doc: "as `bench --compression`: the socket layer is then compressed bytes, and must still equal the capture's TCP payload",
  },
  payload: { ...BENCH_OPTIONS.payload, help: 'as bench --payload (use ticks or chat with --compression)', doc: 'as `bench --payload` (`ticks` or `chat` with `--compression`)' },
  tolerance: {
    flags: '--tolerance <percent>',
    help: "largest difference allowed between the meter's bytes and the capture's TCP payload of a step and direction (percent)",
    default: '0.5',
    parse: (raw: string, flag: string) => parsePositiveNumber(flag, raw, { allowZero: true }),
  },
} as const satisfies OptionTable;
