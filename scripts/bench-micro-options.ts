/**
 * `npm run bench:micro`'s options (scripts/bench-micro.ts, a standalone script: node:util
 * parseArgs, built from this table by `parseArgsOptions`); the README's table comes from it too.
 */
import { SERVER_DEFAULTS } from '../servers/server-options.js';
import type { OptionTable } from './option-table.js';
import { parseDurationMs, parsePositiveInt } from './options.js';

export const MICRO_OPTIONS = {
  out: { flags: '--out <file>', help: 'where to write the wirebench/micro JSON document (compare reads it)', default: 'results/micro.json', parse: (raw: string) => raw },
  size: {
    flags: '--size <bytes>',
    help: 'payload bytes per message',
    default: String(SERVER_DEFAULTS.sizeBytes),
    parse: (raw: string, flag: string) => parsePositiveInt(flag, raw, { min: 0, max: 1_000_000 }),
  },
  time: { flags: '--time <time>', help: 'measured time per task (tinybench)', default: '500ms', parse: (raw: string, flag: string) => parseDurationMs(flag, raw) },
  warmup: { flags: '--warmup <time>', help: 'warm-up time per task', default: '100ms', parse: (raw: string, flag: string) => parseDurationMs(flag, raw, { allowZero: true }) },
  batch: {
    flags: '--batch <n>',
    help: 'messages per timed call (figures are per message: the call divided by the batch)',
    default: '100',
    parse: (raw: string, flag: string) => parsePositiveInt(flag, raw, { max: 100_000 }),
  },
} as const satisfies OptionTable;
