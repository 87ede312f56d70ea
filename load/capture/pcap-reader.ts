/**
 * Reads a tcpdump capture (classic pcap) into the TCP segments to and from one server port: when,
 * which client port, which direction, and the sizes at each layer. Hand-written on purpose: the
 * classic pcap format is three fixed headers (file, record, link) and this needs only lengths,
 * ports and flags, where a pcap library would add a native build (node-pcap) for nothing. Sizes
 * come from the IP and TCP headers (total length, header lengths), so a snap length that keeps the
 * headers (-s 128) is enough.
 *
 * Format: https://www.tcpdump.org/manpages/pcap-savefile.5.html, link types:
 * https://www.tcpdump.org/linktypes.html
 */

export interface TcpSegment {
  /** Capture timestamp, µs since the Unix epoch (the kernel's real-time clock). */
  timeUs: number;
  clientPort: number;
  /** Client → server. */
  up: boolean;
  /** The IP total length: IP and TCP headers plus payload (no link-layer header). */
  ipBytes: number;
  payloadBytes: number;
  /** The TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10). */
  flags: number;
  /** The TCP sequence number (tells retransmissions from new data). */
  seq: number;
}

export const TCP_FLAGS = { fin: 0x01, syn: 0x02, rst: 0x04, ack: 0x10 } as const;

/** Link-layer header length by pcap link type; null where the frame is not IPv4-over-something we read. */
function linkHeaderBytes(linkType: number, frame: Buffer): number | null {
  switch (linkType) {
    case 0: // BSD loopback: 4-byte address family
      return 4;
    case 1: // Ethernet (Linux `lo` shows up as this)
      return frame.length >= 14 && frame.readUInt16BE(12) === 0x0800 ? 14 : null;
    case 101: // raw IP
      return 0;
    case 113: // Linux cooked capture v1
      return frame.length >= 16 && frame.readUInt16BE(14) === 0x0800 ? 16 : null;
    case 276: // Linux cooked capture v2
      return frame.length >= 20 && frame.readUInt16BE(0) === 0x0800 ? 20 : null;
    default:
      return null;
  }
}

/** Every IPv4 TCP segment to or from `serverPort` in the capture, in capture order. */
export function readTcpSegments(capture: Buffer, serverPort: number): TcpSegment[] {
  if (capture.length < 24) throw new Error('not a classic pcap file (shorter than its 24-byte header)');
  const magic = capture.readUInt32LE(0);
  // Either byte order; microsecond (a1b2c3d4) or nanosecond (a1b23c4d) timestamps alike.
  const littleEndian = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const bigMagic = capture.readUInt32BE(0);
  if (!littleEndian && bigMagic !== 0xa1b2c3d4 && bigMagic !== 0xa1b23c4d) {
    throw new Error('not a classic pcap file (pcapng is not read here: run tcpdump with -w, not tshark)');
  }
  const nanoseconds = (littleEndian ? magic : bigMagic) === 0xa1b23c4d;
  const u32 = (offset: number) => (littleEndian ? capture.readUInt32LE(offset) : capture.readUInt32BE(offset));
  const linkType = u32(20) & 0xffff;
  const segments: TcpSegment[] = [];
  let offset = 24;
  // A record cut short at the end (tcpdump killed mid-write) is left out.
  while (offset + 16 <= capture.length) {
    const timeUs = u32(offset) * 1e6 + (nanoseconds ? Math.floor(u32(offset + 4) / 1000) : u32(offset + 4));
    const capturedLength = u32(offset + 8);
    if (offset + 16 + capturedLength > capture.length) break;
    const frame = capture.subarray(offset + 16, offset + 16 + capturedLength);
    offset += 16 + capturedLength;
    const ip = linkHeaderBytes(linkType, frame);
    if (ip === null || frame.length < ip + 20) continue;
    if (frame[ip]! >> 4 !== 4 || frame[ip + 9] !== 6) continue; // IPv4, TCP
    const ipHeaderBytes = (frame[ip]! & 0x0f) * 4;
    const ipBytes = frame.readUInt16BE(ip + 2);
    const tcp = ip + ipHeaderBytes;
    if (frame.length < tcp + 14) continue;
    const srcPort = frame.readUInt16BE(tcp);
    const dstPort = frame.readUInt16BE(tcp + 2);
    const up = dstPort === serverPort;
    if (!up && srcPort !== serverPort) continue;
    const tcpHeaderBytes = (frame[tcp + 12]! >> 4) * 4;
    segments.push({
      timeUs,
      clientPort: up ? srcPort : dstPort,
      up,
      ipBytes,
      payloadBytes: Math.max(0, ipBytes - ipHeaderBytes - tcpHeaderBytes),
      flags: frame[tcp + 13]!,
      seq: frame.readUInt32BE(tcp + 4),
    });
  }
  return segments;
}
