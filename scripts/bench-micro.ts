#!/usr/bin/env node
/**
 * `npm run bench:micro`: per-message cost of encoding (server), parsing (client) and metering,
 * written as a `wirebench/micro` JSON document that `wirebench compare` accepts.
 *
 *   node dist/scripts/bench-micro.js [--out results/micro.json] [--size 64] [--time 500ms] [--batch 100]
 */
import { parseArgs } from 'node:util';
import { describeEnvironment } from '../load/run/environment.js';
import { writeFileSafely } from '../load/results/safe-file.js';
import { runMicro } from '../load/micro/run-micro.js';
import { runScript } from './exit-codes.js';
import { parseDurationMs, parsePositiveInt } from './options.js';
import { WIREBENCH_VERSION } from './version.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'results/micro.json' },
      size: { type: 'string', default: '64' },
      time: { type: 'string', default: '500ms' },
      warmup: { type: 'string', default: '100ms' },
      batch: { type: 'string', default: '100' },
    },
    strict: true,
  });
  const document = await runMicro({
    size: parsePositiveInt('--size', values.size, { min: 0, max: 1_000_000 }),
    batch: parsePositiveInt('--batch', values.batch, { max: 100_000 }),
    timeMs: parseDurationMs('--time', values.time),
    warmupMs: parseDurationMs('--warmup', values.warmup, { allowZero: true }),
    environment: describeEnvironment(WIREBENCH_VERSION),
    onTask: (t) => process.stderr.write(`${t.name.padEnd(40)} ${t.medianNs.toFixed(0).padStart(7)} ns/msg median  ±${t.rmePercent.toFixed(1)} %\n`),
  });
  await writeFileSafely(values.out, `${JSON.stringify(document, null, 2)}\n`);
  process.stderr.write(`micro: ${values.out}\n`);
}

await runScript('wirebench bench-micro', main);
