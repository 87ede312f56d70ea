#!/usr/bin/env node
/**
 * `npm run bench:micro`: per-message cost of encoding (server), parsing (client) and metering,
 * written as a `wirebench/micro` JSON document that `wirebench compare` accepts.
 *
 *   node dist/scripts/bench-micro.js [--out results/micro.json] [--size 64] [--time 500ms] [--warmup 100ms] [--batch 100]
 *
 * Options: scripts/bench-micro-options.ts.
 */
import { describeEnvironment } from '../load/run/environment.js';
import { writeFileSafely } from '../load/results/safe-file.js';
import { runMicro } from '../load/micro/run-micro.js';
import { runScript } from './exit-codes.js';
import { MICRO_OPTIONS } from './bench-micro-options.js';
import { parseRow, parseScriptArgs } from './option-table.js';
import { WIREBENCH_VERSION } from './version.js';

async function main(): Promise<void> {
  const flags = parseScriptArgs(MICRO_OPTIONS, { name: 'npm run bench:micro --', description: 'per-message cost of the hot paths (server encode, client parse, metering) as a wirebench/micro JSON document that wirebench compare reads' });
  if (flags === undefined) return;
  const out = parseRow(MICRO_OPTIONS.out, flags.out);
  const document = await runMicro({
    size: parseRow(MICRO_OPTIONS.size, flags.size),
    batch: parseRow(MICRO_OPTIONS.batch, flags.batch),
    timeMs: parseRow(MICRO_OPTIONS.time, flags.time),
    warmupMs: parseRow(MICRO_OPTIONS.warmup, flags.warmup),
    environment: describeEnvironment(WIREBENCH_VERSION),
    onTask: (t) => process.stderr.write(`${t.name.padEnd(40)} ${t.medianNs.toFixed(0).padStart(7)} ns/msg median  ±${t.rmePercent.toFixed(1)} %\n`),
  });
  await writeFileSafely(out, `${JSON.stringify(document, null, 2)}\n`);
  process.stderr.write(`micro: ${out}\n`);
}

await runScript('wirebench bench-micro', main);
