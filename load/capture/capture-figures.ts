/**
 * The TCP/IP layer of one step, from its packet capture: segments attributed to the step's client
 * connections by their local ports (the workers report every port their clients' sockets used),
 * summed per direction for the measured window (by packet timestamp) and for the whole step. What
 * the server's port exchanged with any other port — the controller's /healthz and /stats — is
 * left out and counted as excluded.
 */
import type { CapturedDirection, CapturedInterval, CaptureFigures, IntervalFigures } from '../results/results-schema.js';
import { TCP_FLAGS, type TcpSegment } from './pcap-reader.js';
import { perOrNull } from '../results/figure-registry.js';

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

const emptyDirection = (): CapturedDirection => ({ segments: 0, ipBytes: 0, tcpIpHeaderBytes: 0, tcpPayloadBytes: 0, ackOnlySegments: 0, retransmittedBytes: 0, afterCloseBytes: 0 });
const emptyInterval = (): CapturedInterval => ({ down: emptyDirection(), up: emptyDirection() });

/**
 * Where each direction of each connection stands in its sequence space, so that payload sent again
 * (a TCP retransmission) is told from new data: the socket reads it once, the wire carries it twice.
 */
class SequenceTracker {
  private readonly streams = new Map<string, { base: number; endOffset: number }>();
  /** Client ports whose client has sent FIN or RST on its current connection. */
  private readonly closedByClient = new Set<number>();

  /** The payload bytes of `segment` that were already sent, and whether it opens a new connection. */
  /**
   * `afterCloseBytes`: server payload that arrived after the client's FIN or RST. After a FIN it
   * may still be read — a TLS client that ended its side reads the server's close_notify, an
   * HTTP/2 one its GOAWAY — so the caller counts it unread only once the client answers it with
   * an RST (its kernel's answer to data for a socket that is gone); `clientReset` says so.
   */
  observe(segment: TcpSegment): { retransmittedBytes: number; afterCloseBytes: number; newConnection: boolean; clientReset: boolean } {
    const key = `${segment.clientPort}${segment.up ? '>' : '<'}`;
    let stream = this.streams.get(key);
    let newConnection = false;
    if ((segment.flags & TCP_FLAGS.syn) !== 0) {
      // A SYN with the sequence number already known is a retransmitted SYN, not a new connection.
      if (stream?.base !== segment.seq) {
        stream = { base: segment.seq, endOffset: 1 };
        this.streams.set(key, stream);
        newConnection = segment.up && (segment.flags & TCP_FLAGS.ack) === 0;
        if (newConnection) this.closedByClient.delete(segment.clientPort);
      }
      return { retransmittedBytes: 0, afterCloseBytes: 0, newConnection, clientReset: false };
    }
    if (!stream) {
      stream = { base: segment.seq, endOffset: 0 };
      this.streams.set(key, stream);
    }
    const afterClose = !segment.up && this.closedByClient.has(segment.clientPort);
    if (segment.up && (segment.flags & (TCP_FLAGS.fin | TCP_FLAGS.rst)) !== 0) this.closedByClient.add(segment.clientPort);
    const clientReset = segment.up && (segment.flags & TCP_FLAGS.rst) !== 0;
    if (segment.payloadBytes === 0) return { retransmittedBytes: 0, afterCloseBytes: 0, newConnection, clientReset };
    const offset = (segment.seq - stream.base) >>> 0;
    const end = offset + segment.payloadBytes;
    const retransmittedBytes = Math.max(0, Math.min(end, stream.endOffset) - offset);
    stream.endOffset = Math.max(stream.endOffset, end);
    return { retransmittedBytes, afterCloseBytes: afterClose ? segment.payloadBytes - retransmittedBytes : 0, newConnection, clientReset };
  }
}

function add(into: CapturedDirection, segment: TcpSegment, unread: { retransmittedBytes: number; afterCloseBytes: number }): void {
  into.segments++;
  into.retransmittedBytes = (into.retransmittedBytes ?? 0) + unread.retransmittedBytes;
  into.afterCloseBytes = (into.afterCloseBytes ?? 0) + unread.afterCloseBytes;
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
  const sequences = new SequenceTracker();
  /** Server payload after a client's FIN, per client port: unread only if the client then resets (SequenceTracker.observe). */
  const afterFin = new Map<number, Array<{ bytes: number; inWindow: boolean }>>();
  for (const segment of inputs.segments) {
    if (!inputs.clientPorts.has(segment.clientPort)) {
      excluded.segments++;
      excluded.ipBytes += segment.ipBytes;
      continue;
    }
    const seen = sequences.observe(segment);
    if (seen.newConnection) {
      connections++;
      afterFin.delete(segment.clientPort);
    }
    const direction = segment.up ? 'up' : 'down';
    const inWindow = segment.timeUs >= inputs.windowStartUs && segment.timeUs < inputs.windowEndUs;
    if (seen.afterCloseBytes > 0) {
      const pending = afterFin.get(segment.clientPort) ?? [];
      pending.push({ bytes: seen.afterCloseBytes, inWindow });
      afterFin.set(segment.clientPort, pending);
    }
    const counted = { retransmittedBytes: seen.retransmittedBytes, afterCloseBytes: 0 };
    add(totals[direction], segment, counted);
    if (inWindow) add(window[direction], segment, counted);
    if (seen.clientReset) {
      for (const { bytes, inWindow: pendingInWindow } of afterFin.get(segment.clientPort) ?? []) {
        totals.down.afterCloseBytes = (totals.down.afterCloseBytes ?? 0) + bytes;
        if (pendingInWindow) window.down.afterCloseBytes = (window.down.afterCloseBytes ?? 0) + bytes;
      }
      afterFin.delete(segment.clientPort);
    }
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
