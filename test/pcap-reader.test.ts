import assert from 'node:assert/strict';
import { test } from 'node:test';
import { captureFigures } from '../load/capture/capture-figures.js';
import { readTcpSegments } from '../load/capture/pcap-reader.js';
import type { IntervalFigures } from '../load/results/results-schema.js';

/** One Ethernet/IPv4/TCP frame as tcpdump writes it for `lo`, with `payload` (possibly cut by snaplen). */
function frame(srcPort: number, dstPort: number, flags: number, payload: string, payloadBytes = payload.length): Buffer {
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 32 + payloadBytes, 2);
  ip[9] = 6;
  const tcp = Buffer.alloc(32);
  tcp.writeUInt16BE(srcPort, 0);
  tcp.writeUInt16BE(dstPort, 2);
  tcp[12] = 8 << 4; // 32-byte header (timestamps option)
  tcp[13] = flags;
  return Buffer.concat([eth, ip, tcp, Buffer.from(payload, 'latin1')]);
}

function pcap(frames: Buffer[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(256, 16);
  header.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const records = frames.map((f, i) => {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1_700_000_000, 0);
    record.writeUInt32LE(i, 4);
    record.writeUInt32LE(f.length, 8);
    record.writeUInt32LE(f.length, 12);
    return Buffer.concat([record, f]);
  });
  return Buffer.concat([header, ...records]);
}

/** Sets a frame's TCP sequence number. */
function withSeq(f: Buffer, seq: number): Buffer {
  f.writeUInt32BE(seq, 14 + 20 + 4);
  return f;
}

const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;
const RST = 0x04;

test('reads every segment of the server port: direction, client port, IP and payload sizes past the snap length, timestamps', () => {
  const capture = pcap([
    frame(40000, 8080, SYN, ''),
    frame(8080, 40000, SYN | ACK, ''),
    frame(40000, 8080, ACK, 'GET /poll?since=3 HTTP/1.1\r\nHost: x\r\n\r\n'),
    frame(8080, 40000, ACK, 'HTTP/1.1 200 OK\r\n', 500), // captured 17 bytes of a 500-byte segment
    frame(40000, 8080, ACK, ''),
    frame(9999, 1234, ACK, 'unrelated'),
    frame(40000, 8080, FIN | ACK, ''),
  ]);
  const segments = readTcpSegments(capture, 8080);
  assert.equal(segments.length, 6, 'the unrelated connection is not read');
  assert.deepEqual(segments.map((s) => [s.up, s.clientPort, s.ipBytes, s.payloadBytes]), [
    [true, 40000, 52, 0],
    [false, 40000, 52, 0],
    [true, 40000, 52 + 39, 39],
    [false, 40000, 52 + 500, 500],
    [true, 40000, 52, 0],
    [true, 40000, 52, 0],
  ]);
  assert.deepEqual(segments.map((s) => s.timeUs), [1_700_000_000_000_000, 1_700_000_000_000_001, 1_700_000_000_000_002, 1_700_000_000_000_003, 1_700_000_000_000_004, 1_700_000_000_000_006]);
});

test('attributes segments to the step\'s client ports: per direction segments, TCP/IP headers, ACK-only, window by timestamp, the rest excluded', () => {
  const capture = pcap([
    withSeq(frame(40000, 8080, SYN, ''), 100),
    withSeq(frame(8080, 40000, SYN | ACK, ''), 700),
    withSeq(frame(40000, 8080, ACK, 'GET / HTTP/1.1\r\n\r\n'), 101), // in the window (t = 2, 3, 4)
    withSeq(frame(8080, 40000, ACK, 'HTTP/1.1 200 OK\r\n\r\n'), 701),
    withSeq(frame(40000, 8080, ACK, ''), 119),
    frame(40001, 8080, SYN, ''), // the controller: not a client port
    frame(40001, 8080, ACK, 'GET /stats HTTP/1.1\r\n\r\n'),
    withSeq(frame(40000, 8080, FIN | ACK, ''), 119),
  ]);
  const window = { durationMs: 1000, messages: { delivered: 2 } } as unknown as IntervalFigures;
  const figures = captureFigures({
    segments: readTcpSegments(capture, 8080),
    clientPorts: new Set([40000]),
    windowStartUs: 1_700_000_000_000_002,
    windowEndUs: 1_700_000_000_000_005,
    window,
    droppedPackets: 0,
  });
  assert.equal(figures.connections, 1);
  assert.deepEqual(figures.excluded, { segments: 2, ipBytes: 52 * 2 + 23 });
  assert.deepEqual(figures.totals.up, { segments: 4, ipBytes: 52 * 4 + 18, tcpIpHeaderBytes: 52 * 4, tcpPayloadBytes: 18, ackOnlySegments: 1, retransmittedBytes: 0, afterCloseBytes: 0 });
  assert.deepEqual(figures.totals.down, { segments: 2, ipBytes: 52 * 2 + 19, tcpIpHeaderBytes: 104, tcpPayloadBytes: 19, ackOnlySegments: 0, retransmittedBytes: 0, afterCloseBytes: 0 });
  assert.deepEqual(figures.window.up, { segments: 2, ipBytes: 52 * 2 + 18, tcpIpHeaderBytes: 104, tcpPayloadBytes: 18, ackOnlySegments: 1, retransmittedBytes: 0, afterCloseBytes: 0 });
  assert.equal(figures.window.down.segments, 1);
  assert.equal(figures.derived.bytesPerMessage.up, (52 * 2 + 18) / 2);
  assert.equal(figures.derived.mbps.total, ((52 * 3 + 18 + 19) * 8) / 1e6);
});

test('a retransmitted SYN is not a new connection; payload sent again is counted as retransmitted', () => {
  const capture = pcap([
    withSeq(frame(40000, 8080, SYN, ''), 1000),
    withSeq(frame(40000, 8080, SYN, ''), 1000), // the SYN again, after a drop
    withSeq(frame(8080, 40000, SYN | ACK, ''), 5000),
    withSeq(frame(40000, 8080, ACK, 'GET / HTTP/1.1\r\n\r\n'), 1001),
    withSeq(frame(40000, 8080, ACK, 'GET / HTTP/1.1\r\n\r\n'), 1001), // the request again
    withSeq(frame(40000, 8080, ACK, 'more'), 1019),
  ]);
  const figures = captureFigures({
    segments: readTcpSegments(capture, 8080),
    clientPorts: new Set([40000]),
    windowStartUs: 0,
    windowEndUs: 0,
    window: { durationMs: 1000, messages: { delivered: 0 } } as unknown as IntervalFigures,
    droppedPackets: 0,
  });
  assert.equal(figures.connections, 1);
  assert.equal(figures.totals.up.tcpPayloadBytes, 18 + 18 + 4);
  assert.equal(figures.totals.up.retransmittedBytes, 18);
});

test('server payload after the client FIN is unread only if the client answers it with an RST (TLS close_notify after a half-close is read)', () => {
  const segments = (reset: boolean) =>
    readTcpSegments(
      pcap([
        withSeq(frame(40000, 8080, SYN, ''), 100),
        withSeq(frame(8080, 40000, SYN | ACK, ''), 700),
        withSeq(frame(40000, 8080, FIN | ACK, ''), 101),
        withSeq(frame(8080, 40000, ACK, 'close_notify-24-bytes!!!'), 701),
        ...(reset ? [withSeq(frame(40000, 8080, RST, ''), 102)] : [withSeq(frame(40000, 8080, ACK, ''), 102)]),
      ]),
      8080,
    );
  const figures = (reset: boolean) =>
    captureFigures({
      segments: segments(reset),
      clientPorts: new Set([40000]),
      windowStartUs: 0,
      windowEndUs: Number.MAX_SAFE_INTEGER,
      window: { durationMs: 1000, messages: { delivered: 0 } } as unknown as IntervalFigures,
      droppedPackets: 0,
    });
  assert.equal(figures(true).totals.down.afterCloseBytes, 24, 'reset: the socket was gone');
  assert.equal(figures(true).window.down.afterCloseBytes, 24);
  assert.equal(figures(false).totals.down.afterCloseBytes, 0, 'acknowledged without a reset: read after a half-close');
});

test('refuses what is not a classic pcap file', () => {
  assert.throws(() => readTcpSegments(Buffer.from('0a0d0d0a00000000000000000000000000000000000000000000', 'hex'), 80), /not a classic pcap file/);
});
