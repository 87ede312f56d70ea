/**
 * `bench --capture`, one step at a time: tcpdump on the server's loopback port from before the
 * step's clients connect until after they have closed, then the TCP/IP figures of the step's own
 * client connections (load/capture/capture-figures.ts). The pcap files stay beside the results
 * (`capture/<transport>-<clients>-<n>.pcap`) so anyone can count them again with tcpdump.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { monotonicUs } from '../../servers/contract.js';
import { captureFigures } from './capture-figures.js';
import { probeCapture, startCapture, type PacketCapture } from './packet-capture.js';
import { readTcpSegments } from './pcap-reader.js';
import type { CapturedDirection, CaptureFigures, IntervalFigures } from '../results/results-schema.js';
import type { WorkerReport } from '../run/worker-protocol.js';

/**
 * Time for the last segments of the step (close handshakes, FINs, ACKs) to reach the capture; on a
 * busy machine a WebSocket close handshake alone can take a few hundred ms.
 */
const TAIL_MS = 1000;
/** The capture's TCP payload may differ from the socket meter by this much before a step says so. */
const METER_TOLERANCE = 0.005;

/**
 * Where a run's captures go, or the one line saying why there will be none (tcpdump missing or
 * not permitted, or a target that is not on this host's loopback).
 */
export async function prepareCapture(resultsFile: string, target: string | null): Promise<{ dir: string } | { problem: string }> {
  if (target !== null && !['127.0.0.1', 'localhost', '[::1]'].includes(new URL(target).hostname)) {
    return { problem: `the target ${target} is not on loopback, and the capture listens on lo` };
  }
  const dir = path.join(path.dirname(resultsFile), 'capture');
  await mkdir(dir, { recursive: true });
  const problem = await probeCapture(path.join(dir, 'probe.pcap'));
  return problem === null ? { dir } : { problem };
}

/** The capture's TCP payload the client sockets read: retransmissions and bytes after the client closed are on the wire but never read. */
export function readPayloadBytes(d: CapturedDirection): number {
  return d.tcpPayloadBytes - (d.retransmittedBytes ?? 0) - (d.afterCloseBytes ?? 0);
}

let captures = 0;

export class StepCapture {
  private constructor(
    private readonly capture: PacketCapture,
    private readonly file: string,
    private readonly port: number,
  ) {}

  static async start(dir: string, transport: string, clients: number, serverUrl: string): Promise<StepCapture> {
    const port = Number(new URL(serverUrl).port || 80);
    const file = path.join(dir, `${transport}-${clients}-${++captures}.pcap`);
    return new StepCapture(await startCapture(port, file), file, port);
  }

  /** Stops without reading (the step was abandoned). */
  async stop(): Promise<void> {
    await this.capture.stop();
  }

  /**
   * After the clients have closed: stops the capture and sums the step's client connections.
   * `windowUs` is the measured window on the monotonic clock; `totals` the socket layer's whole
   * step, which the capture's TCP payload must equal (a note says when it does not).
   */
  async finish(reports: readonly WorkerReport[], windowUs: { startUs: number; endUs: number }, window: IntervalFigures, totals: IntervalFigures): Promise<{ figures: CaptureFigures; notes: string[] }> {
    await new Promise((resolve) => setTimeout(resolve, TAIL_MS));
    const { dropped } = await this.capture.stop();
    // Packet timestamps are on the real-time clock, the window on the monotonic one.
    const epochOffsetUs = Date.now() * 1000 - monotonicUs();
    const figures = captureFigures({
      segments: readTcpSegments(await readFile(this.file), this.port),
      clientPorts: new Set(reports.flatMap((r) => r.clientPorts)),
      windowStartUs: windowUs.startUs + epochOffsetUs,
      windowEndUs: windowUs.endUs + epochOffsetUs,
      window,
      droppedPackets: dropped,
    });
    const notes: string[] = [];
    if (dropped > 0) notes.push(`the capture lost ${dropped} packets (kernel drops): its TCP/IP figures are too low`);
    for (const direction of ['down', 'up'] as const) {
      const meter = totals.bytes[direction].totalBytes;
      const wire = readPayloadBytes(figures.totals[direction]);
      if (Math.abs(meter - wire) > METER_TOLERANCE * Math.max(meter, wire)) {
        notes.push(`the capture's TCP payload ${direction} (${wire} B, less retransmissions and bytes after the client closed) differs from the socket meter's (${meter} B)`);
      }
    }
    return { figures, notes };
  }
}
