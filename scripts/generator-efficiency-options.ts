/**
 * `npm run bench:efficiency`'s options (scripts/generator-efficiency.ts, a standalone script:
 * node:util parseArgs, built from this table by `parseArgsOptions`); the README's table comes from
 * it too.
 */
import { UsageError } from './exit-codes.js';
import type { OptionTable } from './option-table.js';
import { parseDurationMs, parsePositiveInt } from './options.js';

/** The steady state is the duration less its last second (both generators wind down in it). */
export const EFFICIENCY_TAIL_MS = 1000;
const MIN_DURATION_MS = 2 * EFFICIENCY_TAIL_MS;

export const EFFICIENCY_OPTIONS = {
  connections: {
    flags: '--connections <n>',
    help: 'connections of each generator (autocannon, then wirebench short-poll clients), one process each',
    default: '50',
    parse: (raw: string, flag: string) => parsePositiveInt(flag, raw, { max: 5000 }),
  },
  duration: {
    flags: '--duration <time>',
    help: `each generator's measured time after the warm-up; the steady state is it less ${EFFICIENCY_TAIL_MS / 1000} s (at least ${MIN_DURATION_MS / 1000}s)`,
    default: '10s',
    parse: (raw: string, flag: string) => {
      const ms = parseDurationMs(flag, raw);
      if (ms < MIN_DURATION_MS) throw new UsageError(`${flag} ${JSON.stringify(raw)} is too short: the steady state is measured over the duration less ${EFFICIENCY_TAIL_MS / 1000} s; use at least ${MIN_DURATION_MS / 1000}s`);
      return ms;
    },
  },
  warmup: {
    flags: '--warmup <time>',
    help: 'time each generator runs before the steady state is measured',
    default: '2s',
    parse: (raw: string, flag: string) => parseDurationMs(flag, raw),
  },
} as const satisfies OptionTable;
