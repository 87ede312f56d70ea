#!/usr/bin/env node
/**
 * Checks the meter against the wire: runs a small bench against one server while tcpdump
 * captures its port on loopback, then compares, per transport, the bytes the clients counted at
 * their sockets (results totals, first connect to last close) with the TCP payload bytes in the
 * capture. Needs tcpdump and the right to capture on `lo` (root or CAP_NET_RAW).
 *
 *   npm run build && node dist/scripts/capture-check.js [--clients 20] [--duration 3s] [--headers browser]
 *
 * Exit 0 when every transport agrees within --tolerance (default 0.5 %), 1 otherwise.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { TRANSPORTS, type TransportName } from '../servers/contract.js';
import { describeEnvironment } from '../load/environment.js';
import { readTcpConnections } from '../load/pcap-reader.js';
import { runBench } from '../load/runner.js';
import { startServerProcess } from '../load/server-process.js';
import { buildConfig, benchFlagDefaults } from './bench.js';
import { EXIT } from './exit-codes.js';
import { parsePositiveNumber } from './options.js';
import { WIREBENCH_VERSION } from './version.js';

const program = new Command('capture-check')
  .option('--clients <list>', 'client steps', '20')
  .option('--duration <time>', 'measured window per step', '3s')
  .option('--headers <profile>', 'minimal or browser', 'minimal')
  .option('--tolerance <percent>', 'largest accepted difference, %', '0.5')
  .parse();
const opts = program.opts<{ clients: string; duration: string; headers: string; tolerance: string }>();
const tolerancePercent = parsePositiveNumber('--tolerance', opts.tolerance, { allowZero: true });

const dir = await mkdtemp(path.join(os.tmpdir(), 'wirebench-capture-'));
const pcapFile = path.join(dir, 'run.pcap');
const server = await startServerProcess({ transport: 'all', rate: 1, size: 64, holdMs: 30_000, heartbeatMs: 15_000 });
const port = new URL(server.url).port;
// -U: write each packet as it comes, so nothing is lost in tcpdump's buffer when it is stopped.
const tcpdump = spawn('tcpdump', ['-i', 'lo', '-s', '256', '-U', '-w', pcapFile, 'tcp', 'port', port], { stdio: ['ignore', 'ignore', 'pipe'] });
tcpdump.on('error', (error) => {
  process.stderr.write(`capture-check: cannot run tcpdump (${error.message}); install it (apt-get install tcpdump)\n`);
  process.exit(EXIT.failed);
});
let tcpdumpErr = '';
tcpdump.stderr.setEncoding('utf8');
await new Promise<void>((resolve, reject) => {
  tcpdump.stderr.on('data', (chunk: string) => {
    tcpdumpErr += chunk;
    if (tcpdumpErr.includes('listening on')) resolve();
  });
  tcpdump.once('exit', (code) => reject(new Error(`tcpdump exited (${String(code)}): ${tcpdumpErr.trim()}`)));
});

const flags = { ...benchFlagDefaults(), clients: opts.clients, duration: opts.duration, headers: opts.headers, warmup: '1s', target: server.url };
const config = buildConfig(flags, new Command());
const document = await runBench({
  config,
  environment: describeEnvironment(WIREBENCH_VERSION),
  outFile: path.join(dir, 'results.json'),
  signal: new AbortController().signal,
});
// Let the last FINs reach the capture before stopping it.
await new Promise((resolve) => setTimeout(resolve, 500));
tcpdump.kill('SIGINT');
await once(tcpdump, 'exit');
await server.stop();

const connections = readTcpConnections(await readFile(pcapFile), Number(port));
const routeOf = (firstLine: string): string => /^[A-Z]+ (\/[a-z]*)/.exec(firstLine)?.[1] ?? '?';
const captured = new Map<TransportName, { up: number; down: number }>();
for (const c of connections) {
  const route = routeOf(c.firstLine).slice(1);
  // The controller's own /healthz and /stats requests are not client traffic; /publish belongs to the chat workload.
  if (!(TRANSPORTS as readonly string[]).includes(route)) continue;
  const entry = captured.get(route as TransportName) ?? { up: 0, down: 0 };
  entry.up += c.upBytes;
  entry.down += c.downBytes;
  captured.set(route as TransportName, entry);
}

let worst = 0;
const rows: string[] = [`transport  direction  meter bytes  capture bytes  difference`];
for (const result of document.results) {
  const meter = { up: 0, down: 0 };
  for (const step of result.steps) {
    meter.up += step.measurement?.totals.bytes.up.totalBytes ?? 0;
    meter.down += step.measurement?.totals.bytes.down.totalBytes ?? 0;
  }
  const wire = captured.get(result.transport) ?? { up: 0, down: 0 };
  for (const direction of ['down', 'up'] as const) {
    const diff = wire[direction] === 0 ? (meter[direction] === 0 ? 0 : 100) : (Math.abs(meter[direction] - wire[direction]) / wire[direction]) * 100;
    worst = Math.max(worst, diff);
    rows.push(`${result.transport.padEnd(9)}  ${direction.padEnd(9)}  ${String(meter[direction]).padStart(11)}  ${String(wire[direction]).padStart(13)}  ${diff.toFixed(3).padStart(9)} %`);
  }
}
process.stdout.write(`${rows.join('\n')}\n`);
process.stdout.write(`capture: ${pcapFile} (${connections.length} connections); results: ${path.join(dir, 'results.json')}\n`);
process.stdout.write(`largest difference ${worst.toFixed(3)} % (tolerance ${tolerancePercent} %): ${worst <= tolerancePercent ? 'AGREE' : 'DISAGREE'}\n`);
process.exitCode = worst <= tolerancePercent && document.status === 'complete' ? EXIT.ok : EXIT.failed;
