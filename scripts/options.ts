/**
 * Option parsers shared by every command. Each throws {@link UsageError} with one line that
 * names the bad value and what is accepted; the CLI turns that into exit 2 before anything starts.
 */
import { isTransportName, TRANSPORTS, type TransportName } from '../servers/contract.js';
import { UsageError } from './exit-codes.js';

const DURATION_UNITS_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The longest duration any option takes: a day (a bigger value is almost surely a typo). */
export const MAX_DURATION_MS = 24 * 3_600_000;

/** `10s`, `500ms`, `1.5m`, or a bare number of seconds; at most {@link MAX_DURATION_MS}. */
export function parseDurationMs(flag: string, raw: string, { allowZero = false } = {}): number {
  const match = /^(\d+(?:\.\d+)?)(us|ms|s|m|h)?$/.exec(raw.trim());
  const value = match ? Number(match[1]) * (DURATION_UNITS_MS[match[2] ?? 's'] ?? 1000) : NaN;
  if (!match || !Number.isFinite(value) || (!allowZero && value === 0) || value > MAX_DURATION_MS) {
    throw new UsageError(
      `${flag} ${JSON.stringify(raw)} is not a valid duration: use a ${allowZero ? 'non-negative' : 'positive'} number with a unit (us, ms, s, m, h) up to 24h, e.g. 10s or 500ms`,
    );
  }
  return value;
}

export function parsePositiveInt(flag: string, raw: string, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const value = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new UsageError(`${flag} ${JSON.stringify(raw)} is not valid: use ${range}`);
  }
  return value;
}

export function parsePositiveNumber(flag: string, raw: string, { allowZero = false } = {}): number {
  const value = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isFinite(value) || (!allowZero && value === 0)) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)} is not valid: use a ${allowZero ? 'non-negative' : 'positive'} number`);
  }
  return value;
}

const FAULT_KINDS = ['restart-hard', 'restart-graceful', 'stall', 'drop', 'drop-server'] as const;
/** Downtime (restart), stall length, or drop period when the spec names none, ms. */
export const FAULT_DEFAULT_DURATION_MS: Record<(typeof FAULT_KINDS)[number], number> = { 'restart-hard': 1000, 'restart-graceful': 1000, stall: 3000, drop: 1000, 'drop-server': 1000 };

/**
 * `--fault kind[@at][:duration]`: kind restart-hard, restart-graceful, stall, drop (by the
 * generator) or drop-server (by the embedded server); `at` a share of the measured window (`50%`,
 * the default) or a time from its start (`3s`); `duration` the downtime, the stall or how long
 * connections are dropped. With --target only `drop` is possible: the other faults act on the
 * server process, and a target's is not ours.
 */
export function parseFault(
  flag: string,
  raw: string,
  { windowMs, dropPerSec, target }: { windowMs: number; dropPerSec: number; target: boolean },
): { kind: (typeof FAULT_KINDS)[number]; atMs: number; durationMs: number; dropPerSec?: number } {
  const match = /^([a-z-]+)(?:@([^:]+))?(?::(.+))?$/.exec(raw.trim());
  const kind = FAULT_KINDS.find((k) => k === match?.[1]);
  if (!match || kind === undefined) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)} is not a fault: use kind[@at][:duration] with kind one of ${FAULT_KINDS.join(', ')}, e.g. restart-hard@50%:1s`);
  }
  if (target && kind !== 'drop') {
    throw new UsageError(`${flag} ${JSON.stringify(raw)} needs the embedded server (it acts on the server process); with --target only the client-side fault drop is possible`);
  }
  const at = match[2];
  let atMs = windowMs / 2;
  if (at !== undefined) {
    const percent = /^(\d+(?:\.\d+)?)%$/.exec(at);
    atMs = percent ? (Number(percent[1]) / 100) * windowMs : parseDurationMs(`${flag} ${kind}@`, at, { allowZero: true });
  }
  if (!(atMs < windowMs)) throw new UsageError(`${flag} ${JSON.stringify(raw)} is not valid: the fault must fall inside the measured window (--duration ${windowMs} ms)`);
  const durationMs = match[3] === undefined ? FAULT_DEFAULT_DURATION_MS[kind] : parseDurationMs(`${flag} ${kind}:`, match[3], { allowZero: true });
  return kind === 'drop' || kind === 'drop-server' ? { kind, atMs, durationMs, dropPerSec } : { kind, atMs, durationMs };
}

/** A number from 0 to 1, e.g. `0.5`. */
export function parseFraction(flag: string, raw: string): number {
  const value = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!(value >= 0 && value <= 1)) throw new UsageError(`${flag} ${JSON.stringify(raw)} is not valid: use a number from 0 to 1, e.g. 0.5`);
  return value;
}

/** Comma-separated list of positive integers, e.g. `10,100,1000`. */
export function parseIntList(flag: string, raw: string): number[] {
  const items = raw.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)} is not valid: use comma-separated positive integers, e.g. 10,100,1000`);
  }
  return items.map((item) => {
    const value = /^\d+$/.test(item) ? Number(item) : NaN;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new UsageError(`${flag} value ${JSON.stringify(item)} is not valid: use comma-separated positive integers, e.g. 10,100,1000`);
    }
    return value;
  });
}

/** `poll,longpoll,sse,ws` or `all`. */
export function parseTransports(flag: string, raw: string): TransportName[] {
  if (raw.trim() === 'all') return [...TRANSPORTS];
  const items = raw.split(',').map((s) => s.trim());
  const chosen: TransportName[] = [];
  for (const item of items) {
    if (!isTransportName(item)) {
      throw new UsageError(`${flag} ${JSON.stringify(item)} is not a transport: use a comma-separated list of ${TRANSPORTS.join(', ')} (or all)`);
    }
    if (!chosen.includes(item)) chosen.push(item);
  }
  return chosen;
}

/** A comma-separated list of choices, e.g. `http1,h2` (each once, in the order given). */
export function parseChoiceList<T extends string>(flag: string, raw: string, choices: readonly T[]): T[] {
  const chosen: T[] = [];
  for (const item of raw.split(',').map((s) => s.trim())) {
    if (!(choices as readonly string[]).includes(item)) {
      throw new UsageError(`${flag} ${JSON.stringify(item)} is not valid: use one of ${choices.join(', ')}, or several separated by commas`);
    }
    if (!chosen.includes(item as T)) chosen.push(item as T);
  }
  return chosen;
}

export function parseChoice<T extends string>(flag: string, raw: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)} is not valid: use one of ${choices.join(', ')}`);
  }
  return raw as T;
}
