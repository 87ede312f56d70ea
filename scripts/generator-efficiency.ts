#!/usr/bin/env node
/**
 * How efficient is our load generator? Drives one short-poll server as hard as possible, first
 * with autocannon (the field's HTTP load generator), then with wirebench's own short-poll clients
 * (interval 1 µs: every answer is followed at once by the next poll), with the same number of
 * connections for the same time, and prints the request rates and their ratio. Both run in one
 * process on the same core budget against the same server process.
 *
 *   npm run build && node dist/scripts/generator-efficiency.js [--connections 50] [--duration 10s]
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Command } from 'commander';
import { ROUTES, type Healthz } from '../servers/contract.js';
import { describeEnvironment } from '../load/environment.js';
import { runBench } from '../load/runner.js';
import { startServerProcess } from '../load/server-process.js';
import { benchFlagDefaults, buildConfig } from './bench.js';
import { parseDurationMs, parsePositiveInt } from './options.js';
import { WIREBENCH_VERSION } from './version.js';

const opts = new Command('generator-efficiency')
  .option('--connections <n>', 'concurrent connections for both generators', '50')
  .option('--duration <time>', 'how long each generator runs', '10s')
  .parse()
  .opts<{ connections: string; duration: string }>();
const connections = parsePositiveInt('--connections', opts.connections, { max: 5000 });
const durationMs = parseDurationMs('--duration', opts.duration);

const server = await startServerProcess({ transport: 'poll', rate: 1, size: 64, holdMs: 30_000, heartbeatMs: 15_000 });
try {
  const health = (await (await fetch(new URL(ROUTES.healthz, server.url))).json()) as Healthz;
  const cannon = await autocannon({
    url: `${server.url}${ROUTES.poll}?since=${health.seq}`,
    connections,
    duration: durationMs / 1000,
    // One request in flight per connection, as a polling client has.
    pipelining: 1,
  });
  const autocannonRps = cannon.requests.average;

  // One worker: autocannon too runs in one process.
  const flags = { ...benchFlagDefaults(), workers: '1', transports: 'poll', clients: String(connections), interval: '1us', duration: opts.duration, warmup: '1s', target: server.url };
  const document = await runBench({
    config: buildConfig(flags, new Command()),
    environment: describeEnvironment(WIREBENCH_VERSION),
    outFile: path.join(await mkdtemp(path.join(os.tmpdir(), 'wirebench-efficiency-')), 'results.json'),
    signal: new AbortController().signal,
  });
  const step = document.results[0]?.steps[0];
  if (!step?.measurement) throw new Error(`the wirebench run failed: ${step?.status === 'failed' ? step.reason : 'no step'}`);
  const window = step.measurement.window;
  const wirebenchRps = window.requests / (window.durationMs / 1000);

  process.stdout.write(
    [
      `connections: ${connections}, duration: ${durationMs / 1000} s each, server ${server.url} (poll only), ${os.availableParallelism()} cores`,
      `autocannon:  ${autocannonRps.toFixed(0)} req/s (errors ${cannon.errors}, non-2xx ${cannon.non2xx})`,
      `wirebench:   ${wirebenchRps.toFixed(0)} req/s (errors ${Object.values(window.errors).reduce((a, b) => a + b, 0)}, generator loop p99 ${(step.measurement.generator.eventLoopDelayP99Us / 1000).toFixed(1)} ms)`,
      `ratio wirebench / autocannon: ${(wirebenchRps / autocannonRps).toFixed(2)}`,
    ].join('\n') + '\n',
  );
} finally {
  await server.stop();
}
