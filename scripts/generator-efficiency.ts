#!/usr/bin/env node
/**
 * How much does our load generator cost? Drives one short-poll server as hard as possible, first
 * with autocannon (the field's HTTP load generator), then with wirebench's own short-poll clients
 * (interval 1 µs: every answer is followed at once by the next poll), with the same number of
 * connections for the same time, one process each, and compares CPU time per request in steady
 * state (after a warm-up): a request-rate ratio says nothing when the server is the bottleneck, as
 * it is when one core serves both. The server's CPU per request over the same slice is printed
 * beside it. The server's feed is silent (rate 0), so every answer to both generators is `[]`.
 *
 *   npm run build && node dist/scripts/generator-efficiency.js [--connections 50] [--duration 10s] [--warmup 2s]
 *
 * Options: scripts/generator-efficiency-options.ts.
 *
 * wrk is not driven: it is not installed on the machines this was written on (the script says so).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { ROUTES } from '../servers/contract.js';
import { startServerProcess } from '../load/run/server-process.js';
import { getStats, type CheckedStats } from '../load/run/target-answers.js';
import { scriptedBench } from './bench.js';
import { EXIT, runScript } from './exit-codes.js';
import { textTableLines } from '../reports/text-table.js';
import { EFFICIENCY_OPTIONS, EFFICIENCY_TAIL_MS } from './generator-efficiency-options.js';
import { parseRow, parseScriptArgs } from './option-table.js';

interface Mark {
  cpu: NodeJS.CpuUsage;
  responses: number;
  ms: number;
  server: CheckedStats;
}

const cpuUs = (c: { userUs: number; systemUs: number }) => c.userUs + c.systemUs;

async function main(): Promise<number> {
  const flags = parseScriptArgs(EFFICIENCY_OPTIONS, { name: 'npm run bench:efficiency --', description: 'what the load generator costs: autocannon, then the clients of wirebench, against one server' });
  if (flags === undefined) return EXIT.ok;
  const connections = parseRow(EFFICIENCY_OPTIONS.connections, flags.connections);
  const durationMs = parseRow(EFFICIENCY_OPTIONS.duration, flags.duration);
  const warmupMs = parseRow(EFFICIENCY_OPTIONS.warmup, flags.warmup);
  // One worker: autocannon too runs in one process. The bench (built before anything runs) checks the options.
  const benchFor = (url: string) =>
    scriptedBench({ workers: '1', transports: 'poll', workload: 'chat', rate: '0', publishers: '0', clients: String(connections), interval: '1us', duration: flags.duration, warmup: flags.warmup, target: url });
  benchFor('http://127.0.0.1:1'); // validates the options before anything starts
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'wirebench-efficiency-'));
  const server = await startServerProcess({ transport: 'poll', rate: 0, size: 64, holdMs: 30_000, heartbeatMs: 0 });
  try {
    // autocannon runs in this process: its CPU is this process's over a steady slice (after the
    // warm-up, ending 1 s before it stops), its requests the responses counted in that slice.
    let responses = 0;
    let instance!: autocannon.Instance;
    const finished = new Promise<autocannon.Result>((resolve, reject) => {
      instance = autocannon({ url: `${server.url}${ROUTES.poll}?since=0`, connections, duration: (warmupMs + durationMs) / 1000, pipelining: 1 }, (error, result) =>
        error ? reject(error as Error) : resolve(result));
    });
    instance.on('response', () => void responses++);
    const mark = (atMs: number) =>
      new Promise<Mark>((resolve, reject) =>
        setTimeout(() => {
          const taken = { cpu: process.cpuUsage(), responses, ms: performance.now() };
          getStats(server.url).then((stats) => resolve({ ...taken, server: stats }), reject);
        }, atMs),
      );
    const [from, to, cannon] = await Promise.all([mark(warmupMs), mark(warmupMs + durationMs - EFFICIENCY_TAIL_MS), finished]);
    const cannonRequests = to.responses - from.responses;
    const cannonCpuUs = cpuUs({ userUs: to.cpu.user - from.cpu.user, systemUs: to.cpu.system - from.cpu.system });
    const cannonServerCpuUs = cpuUs(to.server.cpu) - cpuUs(from.server.cpu);
    const cannonSeconds = (to.ms - from.ms) / 1000;

    const document = await benchFor(server.url).run(path.join(outDir, 'results.json'));
    const step = document.results[0]?.steps[0];
    if (step?.status !== 'ok') throw new Error(`the wirebench run failed: ${step?.status === 'failed' ? step.reason : 'no step'}`);
    const m = step.measurement;
    const ours = { requests: m.window.requests, seconds: m.window.durationMs / 1000, cpuUs: (m.generator.cpuUserUs ?? 0) + (m.generator.cpuSystemUs ?? 0), serverCpuUs: m.server ? m.server.cpuUserUs + m.server.cpuSystemUs : NaN };
    const row = (name: string, requests: number, seconds: number, generatorUs: number, serverUs: number) => [name, (requests / seconds).toFixed(0), (generatorUs / requests).toFixed(2), (serverUs / requests).toFixed(2)];
    const wrk = spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).stdout.trim();
    process.stdout.write(
      [
        `connections: ${connections}; steady state: ${(durationMs - EFFICIENCY_TAIL_MS) / 1000} s (autocannon) / ${ours.seconds.toFixed(1)} s (wirebench window) after a ${warmupMs / 1000} s warm-up; server ${server.url} (poll only, silent feed); ${os.availableParallelism()} cores`,
        ...textTableLines(
          [
            ['generator', 'req/s', 'generator CPU/req µs', 'server CPU/req µs'],
            row('autocannon', cannonRequests, cannonSeconds, cannonCpuUs, cannonServerCpuUs),
            row('wirebench', ours.requests, ours.seconds, ours.cpuUs, ours.serverCpuUs),
          ],
          { numeric: [false, true, true, true] },
        ),
        `ratio of CPU per request, wirebench / autocannon: ${(ours.cpuUs / ours.requests / (cannonCpuUs / cannonRequests)).toFixed(2)}`,
        `(autocannon over its whole run: ${cannon.requests.average.toFixed(0)} req/s, ${cannon.requests.total} requests, ${responses} responses counted, errors ${cannon.errors}, non-2xx ${cannon.non2xx}; wirebench errors ${Object.values(m.window.errors).reduce((a, b) => a + b, 0)}, generator loop p99 ${(m.generator.eventLoopDelayP99Us / 1000).toFixed(1)} ms)`,
        wrk ? `wrk is installed (${wrk}) but not driven by this script` : 'wrk: not installed here, not compared (apt-get install wrk)',
      ].join('\n') + '\n',
    );
    return 0;
  } finally {
    await server.stop();
  }
}

await runScript('generator-efficiency', main);
