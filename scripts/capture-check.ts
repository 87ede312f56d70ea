#!/usr/bin/env node
/**
 * Checks the meter against the wire with `bench --capture`'s own code: runs a small bench with
 * --capture and, for every step, compares the bytes the clients counted at their sockets (first
 * connect to last close) with the TCP payload of the step's client connections in the capture,
 * and prints what TCP/IP adds beneath. Needs tcpdump and the right to capture on `lo` (root or
 * CAP_NET_RAW).
 *
 *   npm run build && node dist/scripts/capture-check.js [--clients 20] [--duration 3s] [--headers browser] [--transports all] [--protocol http1,http1-tls,h2] [--compression on --payload ticks]
 *
 * `--protocol`: one run per protocol (comma-separated, as bench --protocol). Over TLS the meter
 * counts the TCP socket beneath TLS, so records, tags and handshakes must be in on both sides.
 *
 * `--compression`, `--payload`: as bench's (the socket layer is compressed bytes then, and must still
 * equal the capture's TCP payload).
 *
 * Exit 0 when every step agrees within --tolerance (default 0.5 %), 1 otherwise, 2 for bad options.
 * Options: scripts/capture-check-options.ts.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readPayloadBytes } from '../load/capture/step-capture.js';
import { scriptedBench } from './bench.js';
import { EXIT, runScript } from './exit-codes.js';
import { textTableLines } from '../reports/text-table.js';
import { CAPTURE_CHECK_OPTIONS } from './capture-check-options.js';
import { parseRow, parseScriptArgs } from './option-table.js';

/** The warm-up of every check run: the check compares whole steps (warm-up included), so a short one is enough. */
const WARMUP = '1s';

async function main(): Promise<number> {
  const flags = parseScriptArgs(CAPTURE_CHECK_OPTIONS, { name: 'npm run bench:capture --', description: 'check the socket meter against a packet capture (tcpdump on loopback): exit 0 when they agree within --tolerance' });
  if (flags === undefined) return EXIT.ok;
  const tolerancePercent = parseRow(CAPTURE_CHECK_OPTIONS.tolerance, flags.tolerance);
  const protocols = parseRow(CAPTURE_CHECK_OPTIONS.protocol, flags.protocol);
  // Every option is checked (by building the bench configurations) before anything starts.
  const benches = protocols.map((protocol) => ({
    protocol,
    bench: scriptedBench({ transports: flags.transports, clients: flags.clients, duration: flags.duration, headers: flags.headers, warmup: WARMUP, capture: true, protocol, compression: flags.compression, payload: flags.payload }),
  }));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wirebench-capture-'));
  let worst = 0;
  let dropped = 0;
  let complete = true;
  const rows: string[][] = [
    ['protocol', 'transport', 'clients', 'direction', 'meter bytes', 'capture payload', 'difference', 'segments', 'ACK-only', 'TCP/IP headers', 'IP bytes', '(capture payload: less retransmissions and bytes after the client closed)'],
  ];
  for (const { protocol, bench } of benches) {
    await mkdir(path.join(dir, protocol));
    const document = await bench.run(path.join(dir, protocol, 'results.json'));
    if (document.environment.captureUnavailable) {
      process.stderr.write(`capture-check: ${document.environment.captureUnavailable}\n`);
      return EXIT.failed;
    }
    if (document.status !== 'complete') complete = false;
    for (const result of document.results) {
      for (const step of result.steps) {
        const m = step.measurement;
        if (!m?.capture) {
          complete = false;
          rows.push([protocol, result.transport, String(step.clients), `no capture${step.status === 'failed' ? `: ${step.reason}` : ''}`]);
          continue;
        }
        dropped += m.capture.droppedPackets;
        for (const direction of ['down', 'up'] as const) {
          const meter = m.totals.bytes[direction].totalBytes;
          const wire = m.capture.totals[direction];
          const payload = readPayloadBytes(wire);
          const diff = payload === 0 ? (meter === 0 ? 0 : 100) : (Math.abs(meter - payload) / payload) * 100;
          worst = Math.max(worst, diff);
          rows.push([
            protocol,
            result.transport,
            String(step.clients),
            direction,
            String(meter),
            String(payload),
            `${diff.toFixed(3)} %`,
            String(wire.segments),
            String(wire.ackOnlySegments),
            String(wire.tcpIpHeaderBytes),
            String(wire.ipBytes),
            '',
          ]);
        }
      }
    }
  }
  const table = textTableLines(rows, { numeric: [false, false, true, false, true, true, true, true, true, true, true], freeLastCell: true });
  process.stdout.write(`${table.join('\n')}\n(whole steps, first connect to last close; the controller's /healthz and /stats connections left out)\n`);
  process.stdout.write(`captures and results: ${dir} (${dropped} packets dropped by the kernel)\n`);
  if (dropped > 0) process.stdout.write('the capture is incomplete: re-run (fewer --clients)\n');
  process.stdout.write(`largest difference ${worst.toFixed(3)} % (tolerance ${tolerancePercent} %): ${worst <= tolerancePercent ? 'AGREE' : 'DISAGREE'}\n`);
  return worst <= tolerancePercent && dropped === 0 && complete ? EXIT.ok : EXIT.failed;
}

await runScript('capture-check', main);
