/**
 * Reads a tcpdump capture (classic pcap) and sums TCP payload bytes per connection, so a run's
 * meter can be checked against the wire. Hand-written on purpose: the classic pcap format is
 * three fixed headers (file, record, link) and this needs only lengths and ports, where a pcap
 * library would add a native build (node-pcap) for nothing. Payload lengths come from the IP
 * total length, so a small snap length (-s 256) is enough and the request line is still visible.
 *
 * Format: https://www.tcpdump.org/manpages/pcap-savefile.5.html, link types:
 * https://www.tcpdump.org/linktypes.html
 */

export interface TcpConnection {
  clientPort: number;
  /** Client → server payload bytes, and server → client. */
  upBytes: number;
  downBytes: number;
  /** The first bytes the client sent (e.g. "GET /poll?since=3 HTTP/1.1"), for classifying the connection. */
  firstLine: string;
}

/** Link-layer header length by pcap link type; null where the frame is not IPv4-over-something we read. */
function linkHeaderBytes(linkType: number, frame: Buffer): number | null {
  switch (linkType) {
    case 0: // BSD loopback: 4-byte address family
      return 4;
    case 1: // Ethernet (Linux `lo` shows up as this)
      return frame.readUInt16BE(12) === 0x0800 ? 14 : null;
    case 101: // raw IP
      return 0;
    case 113: // Linux cooked capture v1
      return frame.readUInt16BE(14) === 0x0800 ? 16 : null;
    case 276: // Linux cooked capture v2
      return frame.readUInt16BE(0) === 0x0800 ? 20 : null;
    default:
      return null;
  }
}

/**
 * Every TCP connection to `serverPort` in the capture, in order of their SYN. A client port
 * reused after close starts a new connection (a SYN is what opens one).
 */
export function readTcpConnections(capture: Buffer, serverPort: number): TcpConnection[] {
  const magic = capture.readUInt32LE(0);
  // Either byte order; microsecond (a1b2c3d4) or nanosecond (a1b23c4d) timestamps alike.
  const littleEndian = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!littleEndian && capture.readUInt32BE(0) !== 0xa1b2c3d4 && capture.readUInt32BE(0) !== 0xa1b23c4d) {
    throw new Error('not a classic pcap file (pcapng is not read here: run tcpdump with -w, not tshark)');
  }
  const u32 = (offset: number) => (littleEndian ? capture.readUInt32LE(offset) : capture.readUInt32BE(offset));
  const linkType = u32(20) & 0xffff;
  const open = new Map<number, TcpConnection>();
  const all: TcpConnection[] = [];
  let offset = 24;
  while (offset + 16 <= capture.length) {
    const capturedLength = u32(offset + 8);
    const frame = capture.subarray(offset + 16, offset + 16 + capturedLength);
    offset += 16 + capturedLength;
    const ip = linkHeaderBytes(linkType, frame);
    if (ip === null || frame.length < ip + 20) continue;
    if (frame[ip]! >> 4 !== 4 || frame[ip + 9] !== 6) continue; // IPv4, TCP
    const ipHeaderBytes = (frame[ip]! & 0x0f) * 4;
    const ipTotalBytes = frame.readUInt16BE(ip + 2);
    const tcp = ip + ipHeaderBytes;
    if (frame.length < tcp + 14) continue;
    const srcPort = frame.readUInt16BE(tcp);
    const dstPort = frame.readUInt16BE(tcp + 2);
    const tcpHeaderBytes = (frame[tcp + 12]! >> 4) * 4;
    const flags = frame[tcp + 13]!;
    const payloadBytes = ipTotalBytes - ipHeaderBytes - tcpHeaderBytes;
    const up = dstPort === serverPort;
    if (!up && srcPort !== serverPort) continue;
    const clientPort = up ? srcPort : dstPort;
    const syn = (flags & 0x02) !== 0 && (flags & 0x10) === 0;
    let connection = open.get(clientPort);
    if (syn || !connection) {
      connection = { clientPort, upBytes: 0, downBytes: 0, firstLine: '' };
      open.set(clientPort, connection);
      all.push(connection);
    }
    if (payloadBytes <= 0) continue;
    if (up) {
      if (connection.firstLine === '') {
        const visible = frame.subarray(tcp + tcpHeaderBytes, tcp + tcpHeaderBytes + payloadBytes).toString('latin1');
        connection.firstLine = visible.split('\r\n', 1)[0] ?? '';
      }
      connection.upBytes += payloadBytes;
    } else {
      connection.downBytes += payloadBytes;
    }
  }
  return all;
}
