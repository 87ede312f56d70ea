import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readTcpConnections } from '../load/pcap-reader.js';

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
  const records = frames.map((f) => {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(f.length, 8);
    record.writeUInt32LE(f.length, 12);
    return Buffer.concat([record, f]);
  });
  return Buffer.concat([header, ...records]);
}

const SYN = 0x02;
const ACK = 0x10;

test('sums TCP payload per connection and direction from IP lengths, even past the snap length', () => {
  const capture = pcap([
    frame(40000, 8080, SYN, ''),
    frame(8080, 40000, SYN | ACK, ''),
    frame(40000, 8080, ACK, 'GET /poll?since=3 HTTP/1.1\r\nHost: x\r\n\r\n'),
    frame(8080, 40000, ACK, 'HTTP/1.1 200 OK\r\n', 500), // captured 17 bytes of a 500-byte segment
    frame(40001, 8080, SYN, ''),
    frame(40001, 8080, ACK, 'GET /stats HTTP/1.1\r\n\r\n'),
    frame(40000, 8080, SYN, ''), // port reused: a new connection
    frame(40000, 8080, ACK, 'GET /ws HTTP/1.1\r\n'),
    frame(9999, 1234, ACK, 'unrelated'),
  ]);
  const connections = readTcpConnections(capture, 8080);
  assert.deepEqual(connections, [
    { clientPort: 40000, upBytes: 39, downBytes: 500, firstLine: 'GET /poll?since=3 HTTP/1.1' },
    { clientPort: 40001, upBytes: 23, downBytes: 0, firstLine: 'GET /stats HTTP/1.1' },
    { clientPort: 40000, upBytes: 18, downBytes: 0, firstLine: 'GET /ws HTTP/1.1' },
  ]);
});

test('refuses what is not a classic pcap file', () => {
  assert.throws(() => readTcpConnections(Buffer.from('0a0d0d0a00000000000000000000000000000000000000', 'hex'), 80), /not a classic pcap file/);
});
