#!/usr/bin/env node
/**
 * Checks the meter against the wire: for each transport, runs a small bench against a fresh
 * server while tcpdump captures its port on loopback, then compares the bytes the clients counted at
 * their sockets (results totals, first connect to last close) with the TCP payload bytes in the
 * capture. Needs tcpdump and the right to capture on `lo` (root or CAP_NET_RAW).
 *
 *   npm run build && node dist/scripts/capture-check.js [--clients 20] [--duration 3s] [--headers browser] [--transports all]
 *
 * Exit 0 when every transport agrees within --tolerance (default 0.5 %), 1 otherwise, 2 for bad options.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { TransportName } from '../servers/contract.js';
import { readTcpConnections } from '../load/pcap-reader.js';
import { startServerProcess } from '../load/server-process.js';
import { scriptedBench } from './bench.js';
import { EXIT, runScript } from './exit-codes.js';
import { parsePositiveNumber } from './options.js';

interface Capture {
  stop(): Promise<{ file: string; dropped: number }>;
}

/** tcpdump on `lo` for one server port; resolves once it is listening. */
async function startCapture(port: string, file: string): Promise<Capture> {
  // --immediate-mode: packets reach tcpdump as they come (not when a kernel block fills or times
  // out), and -U writes each one at once, so the last ones are in the file when it is stopped.
  // -B: a 32 MiB kernel buffer, so a burst of thousands of frames is not dropped before tcpdump reads it.
  const args = ['-i', 'lo', '-s', '256', '-B', '32768', '--immediate-mode', '-U', '-w', file, 'tcp', 'port', port];
  const tcpdump = spawn('tcpdump', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  tcpdump.stderr.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    tcpdump.once('error', (error) => reject(new Error(`cannot run tcpdump (${error.message}); install it (apt-get install tcpdump)`, { cause: error })));
    tcpdump.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('listening on')) resolve();
    });
    tcpdump.once('exit', (code) => reject(new Error(`tcpdump exited (${String(code)}): ${stderr.trim()}`)));
  });
  let stopped: Promise<{ file: string; dropped: number }> | undefined;
  return {
    // Idempotent: the error path stops it again without waiting twice.
    stop() {
      stopped ??= stopCapture();
      return stopped;
    },
  };
  async function stopCapture(): Promise<{ file: string; dropped: number }> {
    if (tcpdump.exitCode === null && tcpdump.signalCode === null) {
      tcpdump.kill('SIGINT');
      await once(tcpdump, 'exit');
    }
    // A capture that lost packets cannot vouch for anything: say so rather than blame the meter.
    return { file, dropped: Number(/(\d+) packets? dropped by kernel/.exec(stderr)?.[1] ?? 0) };
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '20' },
      duration: { type: 'string', default: '3s' },
      headers: { type: 'string', default: 'minimal' },
      transports: { type: 'string', default: 'all' },
      tolerance: { type: 'string', default: '0.5' },
    },
    strict: true,
  });
  const tolerancePercent = parsePositiveNumber('--tolerance', values.tolerance, { allowZero: true });
  // Every option is checked (by building the bench configuration) before anything starts.
  const benchFor = (transport: TransportName, url: string) =>
    scriptedBench({ transports: transport, clients: values.clients, duration: values.duration, headers: values.headers, warmup: '1s', target: url });
  const { config } = scriptedBench({ transports: values.transports, clients: values.clients, duration: values.duration, headers: values.headers });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wirebench-capture-'));

  let worst = 0;
  let dropped = 0;
  let complete = true;
  const rows: string[] = [`transport  direction  meter bytes  capture bytes  difference`];
  // One fresh server (and capture) per transport, as a bench runs them, so every connection on the
  // captured port belongs to the transport being checked.
  for (const transport of config.transports) {
    const server = await startServerProcess({ transport, rate: config.rate, size: config.size, holdMs: config.holdMs, heartbeatMs: config.heartbeatMs });
    const port = new URL(server.url).port;
    let capture: Capture | undefined;
    let document;
    let captured;
    try {
      capture = await startCapture(port, path.join(dir, `${transport}.pcap`));
      document = await benchFor(transport, server.url).run(path.join(dir, `${transport}.json`));
      // Let the last FINs reach the capture before stopping it.
      await new Promise((resolve) => setTimeout(resolve, 500));
      captured = await capture.stop();
    } finally {
      await capture?.stop();
      await server.stop();
    }
    complete &&= document.status === 'complete';
    dropped += captured.dropped;
    const wire = { up: 0, down: 0 };
    for (const c of readTcpConnections(await readFile(captured.file), Number(port))) {
      // The controller's own /healthz and /stats requests are not client traffic.
      if (/^GET \/(healthz|stats)\b/.test(c.firstLine)) continue;
      wire.up += c.upBytes;
      wire.down += c.downBytes;
    }
    const meter = { up: 0, down: 0 };
    for (const step of document.results[0]?.steps ?? []) {
      meter.up += step.measurement?.totals.bytes.up.totalBytes ?? 0;
      meter.down += step.measurement?.totals.bytes.down.totalBytes ?? 0;
    }
    for (const direction of ['down', 'up'] as const) {
      const diff = wire[direction] === 0 ? (meter[direction] === 0 ? 0 : 100) : (Math.abs(meter[direction] - wire[direction]) / wire[direction]) * 100;
      worst = Math.max(worst, diff);
      rows.push(`${transport.padEnd(9)}  ${direction.padEnd(9)}  ${String(meter[direction]).padStart(11)}  ${String(wire[direction]).padStart(13)}  ${diff.toFixed(3).padStart(9)} %`);
    }
  }
  process.stdout.write(`${rows.join('\n')}\n`);
  process.stdout.write(`captures and results: ${dir} (${dropped} packets dropped by the kernel)\n`);
  if (dropped > 0) process.stdout.write('the capture is incomplete: re-run (fewer --clients, or a larger tcpdump buffer)\n');
  process.stdout.write(`largest difference ${worst.toFixed(3)} % (tolerance ${tolerancePercent} %): ${worst <= tolerancePercent ? 'AGREE' : 'DISAGREE'}\n`);
  return worst <= tolerancePercent && dropped === 0 && complete ? EXIT.ok : EXIT.failed;
}

await runScript('capture-check', main);
