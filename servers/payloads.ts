/**
 * The feed's payloads (contract.ts PAYLOADS): what `data` holds in every feed tick.
 *
 * `repeat` is one string reused by every message (what a bench of framing needs: every message the
 * same size). The JSON kinds vary per message the way real feeds do — keys repeat, values do not —
 * so a compressed run is not flattered by a payload that is all redundancy. Each is deterministic:
 * message `seq` of a run with the same kind and size is the same object on every run and machine,
 * so two runs compare byte for byte.
 */
import type { FeedMessage, PayloadKind } from './contract.js';

/**
 * A payload of `sizeBytes` printable ASCII characters that JSON never escapes (no `"`, no `\`),
 * so the serialized length is predictable. Not all one letter, so a run that asks for
 * compression does not get an unrealistically perfect ratio.
 */
export function makePayload(sizeBytes: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';
  let out = '';
  let x = 0x9e3779b9;
  for (let i = 0; i < sizeBytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out += alphabet[(x >>> 0) % alphabet.length];
  }
  return out;
}

/** Seed of every JSON payload: fixed, so runs are comparable (the seq varies it per message). */
export const PAYLOAD_SEED = 0x2026;

/** mulberry32: a small, well-mixed seeded 32-bit PRNG (statistical quality is ample for test data; a seed replays it). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;

/** Symbols and their rough price level (a walk around it per message). */
const SYMBOLS: ReadonlyArray<readonly [string, number]> = [
  ['AAPL', 228], ['MSFT', 417], ['NVDA', 138], ['AMZN', 197], ['GOOGL', 171], ['META', 563], ['TSLA', 341], ['AVGO', 166],
  ['JPM', 241], ['V', 313], ['XOM', 118], ['UNH', 592], ['MA', 527], ['COST', 956], ['HD', 431], ['PG', 178],
  ['NFLX', 886], ['AMD', 137], ['CRM', 331], ['ORCL', 192], ['BAC', 47], ['KO', 63], ['PEP', 155], ['INTC', 24],
];
const VENUES = ['XNAS', 'XNYS', 'ARCX', 'BATS', 'EDGX', 'IEXG'] as const;

function tick(rand: () => number, seq: number, index: number): Record<string, unknown> {
  const [sym, level] = pick(rand, SYMBOLS);
  const px = Math.round(level * (1 + (rand() - 0.5) * 0.04) * 100) / 100;
  const spread = Math.max(1, Math.round(rand() * 6)) / 100;
  return {
    sym,
    px,
    qty: (1 + Math.floor(rand() * 40)) * (rand() < 0.7 ? 100 : 1),
    side: rand() < 0.5 ? 'buy' : 'sell',
    bid: Math.round((px - spread / 2) * 100) / 100,
    ask: Math.round((px + spread / 2) * 100) / 100,
    venue: pick(rand, VENUES),
    tid: seq * 100 + index,
  };
}

const USERS = ['maria.k', 'jonas', 'a.okafor', 'li_wei', 'sam', 'priya.n', 'tomasz', 'elena_r', 'dev-ops-bot', 'kenji', 'fatima', 'noah.b', 'chloe', 'mateo', 'ingrid', 'yusuf'] as const;
const ROOMS = ['#general', '#release', '#incidents', '#design', '#random', '#support'] as const;
const WORDS = (
  'the a to and is it that we for on this be with have deploy build fix test merge branch review please thanks ' +
  'looks good ship it tomorrow today later meeting call docs release notes bug issue ticket customer api latency ' +
  'server client cache database query index slow fast again still why how when where who maybe sure ok yes no ' +
  'just now done working on will can should could would after before lunch coffee weekend morning night staging ' +
  'production rollback hotfix dashboard alert metrics logs trace pager on-call sprint retro estimate scope'
).split(' ');

function chatMessage(rand: () => number, seq: number, index: number): Record<string, unknown> {
  const words: string[] = [];
  const count = 3 + Math.floor(rand() * 18);
  for (let i = 0; i < count; i++) words.push(pick(rand, WORDS));
  const text = words.join(' ');
  return {
    id: `m${seq}-${index}`,
    room: pick(rand, ROOMS),
    user: pick(rand, USERS),
    text: (text[0] ?? '').toUpperCase() + text.slice(1) + pick(rand, ['.', '!', '?', '', ' :)']),
    reactions: Math.floor(rand() * rand() * 6),
  };
}

/**
 * The payload of feed message `seq`. `repeat`: `repeated` (built once by the caller with
 * {@link makePayload}). JSON kinds: records added while the object's JSON is shorter than
 * `sizeBytes` (at least one; the last dropped when that comes closer to the size), so the size is
 * near `sizeBytes` — within one record (~60-130 bytes).
 */
export function payloadFor(kind: PayloadKind, sizeBytes: number, seq: number, repeated: string): FeedMessage['data'] {
  if (kind === 'repeat') return repeated;
  const rand = seededRandom(Math.imul(seq, 0x9e3779b1) ^ PAYLOAD_SEED);
  const make = kind === 'ticks' ? tick : chatMessage;
  const key = kind === 'ticks' ? 'ticks' : 'messages';
  const records: Array<Record<string, unknown>> = [];
  // `{"ticks":[` … `]}` around the records (the key's length + 7), a comma between two: counted
  // as one byte per record, less one.
  let length = key.length + 7 - 1;
  let previous: number;
  do {
    const record = make(rand, seq, records.length);
    records.push(record);
    previous = length;
    length += JSON.stringify(record).length + 1;
  } while (length < sizeBytes);
  if (records.length > 1 && sizeBytes - previous < length - sizeBytes) records.pop();
  return { [key]: records };
}
