/**
 * The TCP/IP layer of one step, from its packet capture: segments attributed to the step's client
 * connections by their local ports (the workers report every port their clients' sockets used),
 * summed per direction for the measured window (by packet timestamp) and for the whole step. What
 * the server's port exchanged with any other port — the controller's /healthz and /stats — is
 * left out and counted as excluded.
 */
import type { CapturedDirection, CapturedInterval, CaptureFigures, IntervalFigures } from './results-schema.js';
import { TCP_FLAGS, type TcpSegment } from './pcap-reader.js';
import { perOrNull } from './step-figures.js';

export interface CaptureInputs {
  segments: readonly TcpSegment[];
  /** Local ports of the step's client sockets. */
  clientPorts: ReadonlySet<number>;
  /** The measured window on the capture's clock (µs since the epoch). */
  windowStartUs: number;
  windowEndUs: number;
  /** The socket layer's window, for the per-message and Mbps definitions. */
  window: IntervalFigures;
  droppedPackets: number;
}

const emptyDirection = (): CapturedDirection => ({ segments: 0, ipBytes: 0, tcpIpHeaderBytes: 0, tcpPayloadBytes: 0, ackOnlySegments: 0 });
const emptyInterval = (): CapturedInterval => ({ down: emptyDirection(), up: emptyDirection() });

function add(into: CapturedDirection, segment: TcpSegment): void {
  into.segments++;
  into.ipBytes += segment.ipBytes;
  into.tcpPayloadBytes += segment.payloadBytes;
  into.tcpIpHeaderBytes += segment.ipBytes - segment.payloadBytes;
  const { syn, fin, rst, ack } = TCP_FLAGS;
  if (segment.payloadBytes === 0 && (segment.flags & ack) !== 0 && (segment.flags & (syn | fin | rst)) === 0) into.ackOnlySegments++;
}

export function captureFigures(inputs: CaptureInputs): CaptureFigures {
  const window = emptyInterval();
  const totals = emptyInterval();
  const excluded = { segments: 0, ipBytes: 0 };
  let connections = 0;
  for (const segment of inputs.segments) {
    if (!inputs.clientPorts.has(segment.clientPort)) {
      excluded.segments++;
      excluded.ipBytes += segment.ipBytes;
      continue;
    }
    // A SYN without ACK opens a client connection.
    if (segment.up && (segment.flags & (TCP_FLAGS.syn | TCP_FLAGS.ack)) === TCP_FLAGS.syn) connections++;
    const direction = segment.up ? 'up' : 'down';
    add(totals[direction], segment);
    if (segment.timeUs >= inputs.windowStartUs && segment.timeUs < inputs.windowEndUs) add(window[direction], segment);
  }
  const seconds = inputs.window.durationMs / 1000;
  const delivered = inputs.window.messages.delivered;
  const mbps = (bytes: number) => perOrNull(bytes * 8, seconds * 1e6) ?? 0;
  return {
    window,
    totals,
    connections,
    excluded,
    droppedPackets: inputs.droppedPackets,
    derived: {
      bytesPerMessage: { down: perOrNull(window.down.ipBytes, delivered), up: perOrNull(window.up.ipBytes, delivered) },
      mbps: { down: mbps(window.down.ipBytes), up: mbps(window.up.ipBytes), total: mbps(window.down.ipBytes + window.up.ipBytes) },
    },
  };
}
