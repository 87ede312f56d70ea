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

export function parseChoice<T extends string>(flag: string, raw: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)} is not valid: use one of ${choices.join(', ')}`);
  }
  return raw as T;
}
