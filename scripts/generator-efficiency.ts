#!/usr/bin/env node
/**
 * How efficient is our load generator? Drives one short-poll server as hard as possible, first
 * with autocannon (the field's HTTP load generator), then with wirebench's own short-poll clients
 * (interval 1 µs: every answer is followed at once by the next poll), with the same number of
 * connections for the same time, one process each, and prints the request rates and their ratio.
 * The server's feed is silent (rate 0), so every answer to both generators is the same `[]`.
 *
 *   npm run build && node dist/scripts/generator-efficiency.js [--connections 50] [--duration 10s]
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ROUTES } from '../servers/contract.js';
import { startServerProcess } from '../load/server-process.js';
import { scriptedBench } from './bench.js';
import { runScript } from './exit-codes.js';
import { parseDurationMs, parsePositiveInt } from './options.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { connections: { type: 'string', default: '50' }, duration: { type: 'string', default: '10s' } }, strict: true });
  const connections = parsePositiveInt('--connections', values.connections, { max: 5000 });
  const durationMs = parseDurationMs('--duration', values.duration);
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'wirebench-efficiency-'));
  const server = await startServerProcess({ transport: 'poll', rate: 0, size: 64, holdMs: 30_000, heartbeatMs: 0 });
  try {
    // One worker: autocannon too runs in one process. The bench (built before anything runs) checks the options.
    const bench = scriptedBench({ workers: '1', transports: 'poll', workload: 'chat', rate: '0', publishers: '0', clients: String(connections), interval: '1us', duration: values.duration, warmup: '1s', target: server.url });
    const cannon = await autocannon({ url: `${server.url}${ROUTES.poll}?since=0`, connections, duration: durationMs / 1000, pipelining: 1 });
    const document = await bench.run(path.join(outDir, 'results.json'));
    const step = document.results[0]?.steps[0];
    if (step?.status !== 'ok') throw new Error(`the wirebench run failed: ${step?.status === 'failed' ? step.reason : 'no step'}`);
    const window = step.measurement.window;
    const wirebenchRps = window.requests / (window.durationMs / 1000);
    const autocannonRps = cannon.requests.average;
    process.stdout.write(
      [
        `connections: ${connections}, duration: ${durationMs / 1000} s each, server ${server.url} (poll only, silent feed), ${os.availableParallelism()} cores`,
        `autocannon:  ${autocannonRps.toFixed(0)} req/s (errors ${cannon.errors}, non-2xx ${cannon.non2xx})`,
        `wirebench:   ${wirebenchRps.toFixed(0)} req/s (errors ${Object.values(window.errors).reduce((a, b) => a + b, 0)}, generator loop p99 ${(step.measurement.generator.eventLoopDelayP99Us / 1000).toFixed(1)} ms)`,
        `ratio wirebench / autocannon: ${(wirebenchRps / autocannonRps).toFixed(2)}`,
      ].join('\n') + '\n',
    );
    return 0;
  } finally {
    await server.stop();
  }
}

await runScript('generator-efficiency', main);
