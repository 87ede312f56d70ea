/**
 * Parsers of the scale-out options of `bench` (docs/scale-out.md): `--shard I/N`, `--start-at
 * <RFC 3339>`, `--source-addresses <list|range>`. Each throws {@link UsageError} with one line
 * naming the bad value and what is accepted.
 */
import net from 'node:net';
import os from 'node:os';
import { UsageError } from './exit-codes.js';
import type { RunConfig } from '../load/results/results-schema.js';

/** More shards than this is almost surely a typo (100,000 clients need tens, docs/scale-out.md). */
const MAX_SHARDS = 10_000;
/** A range expands to at most this many addresses. */
const MAX_SOURCE_ADDRESSES = 1024;

/** `3/8` → shard 3 of 8. */
export function parseShard(raw: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(raw.trim());
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!match || !(count >= 1 && count <= MAX_SHARDS && index >= 1 && index <= count)) {
    throw new UsageError(`--shard ${JSON.stringify(raw)} is not valid: use I/N with 1 <= I <= N <= ${MAX_SHARDS}, e.g. 1/4 (shard 1 of 4)`);
  }
  return { index, count };
}

/** RFC 3339 with a zone (`2026-11-30T20:00:00Z`, `…+01:00`), normalized to UTC. */
export function parseStartAt(raw: string): string {
  const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
  const ms = rfc3339.test(raw.trim()) ? Date.parse(raw.trim()) : NaN;
  if (!Number.isFinite(ms)) {
    throw new UsageError(`--start-at ${JSON.stringify(raw)} is not valid: use an RFC 3339 time with its zone, e.g. 2026-11-30T20:00:00Z (the same on every shard)`);
  }
  return new Date(ms).toISOString();
}

const ipv4ToInt = (address: string): number => address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
const intToIpv4 = (value: number): string => [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');

/** Addresses of this host's interfaces, and all of 127.0.0.0/8 (Linux answers on the whole block). */
function isLocalAddress(address: string): boolean {
  if (net.isIPv4(address) && address.startsWith('127.')) return true;
  if (address === '::1') return true;
  return Object.values(os.networkInterfaces()).some((list) => list?.some((i) => i.address === address));
}

/** `127.0.0.2-127.0.0.9` (IPv4, inclusive) or `a,b,c`; every address must be this host's. */
export function parseSourceAddresses(raw: string): string[] {
  const bad = (why: string) =>
    new UsageError(`--source-addresses ${JSON.stringify(raw)} is not valid: ${why}; use a comma-separated list or an IPv4 range of this host's addresses, e.g. 127.0.0.2-127.0.0.9`);
  const addresses: string[] = [];
  for (const part of raw.split(',').map((p) => p.trim())) {
    const range = /^([\d.]+)-([\d.]+)$/.exec(part);
    if (range) {
      const [from, to] = [range[1]!, range[2]!];
      if (!net.isIPv4(from) || !net.isIPv4(to)) throw bad(`${JSON.stringify(part)} is not a range of IPv4 addresses`);
      const [low, high] = [ipv4ToInt(from), ipv4ToInt(to)];
      if (high < low) throw bad(`${JSON.stringify(part)} runs backwards`);
      if (high - low + 1 + addresses.length > MAX_SOURCE_ADDRESSES) throw bad(`more than ${MAX_SOURCE_ADDRESSES} addresses`);
      for (let value = low; value <= high; value++) addresses.push(intToIpv4(value));
    } else if (net.isIP(part)) addresses.push(part);
    else throw bad(`${JSON.stringify(part)} is not an IP address`);
  }
  const foreign = addresses.find((a) => !isLocalAddress(a));
  if (foreign !== undefined) throw bad(`${foreign} is not an address of this host`);
  if (addresses.length > MAX_SOURCE_ADDRESSES) throw bad(`more than ${MAX_SOURCE_ADDRESSES} addresses`);
  return [...new Set(addresses)];
}

/**
 * What a sharded or scheduled run cannot do: one line naming the flag, or null. Checked before
 * anything starts, by `bench` (exit 2) and by the library's `bench()`.
 */
export function shardedConfigProblem(config: RunConfig): string | null {
  if (config.startAt !== undefined && config.repeat > 1) return `--repeat ${config.repeat} cannot be used with --start-at: the fixed schedule has one slot per step; run the schedule again for another repeat`;
  if (config.shard === undefined) return null;
  const fewest = Math.min(...config.clients);
  if (fewest < config.shard.count) return `--clients ${fewest} is fewer than the ${config.shard.count} shards: every shard needs at least one client per step`;
  if (config.capture) return '--capture cannot be used with --shard: a shard captures only its own host, so no capture would hold the whole run; capture on one machine without --shard';
  return null;
}
