/**
 * HTTP/2 frames as they pass in one direction of a connection's plaintext (beneath TLS, above
 * nghttp2): the client's connection preface, then frames of a 9-byte header (RFC 9113 §4.1:
 * length 24 bits, type, flags, reserved bit + stream id 31 bits) and `length` bytes of payload.
 *
 * Why hand-written: node:http2 exposes no frame sizes, and only the frame header is read here —
 * nine fixed bytes, no HPACK, no payload decoding — so a protocol library (HPACK decoders and
 * full frame codecs) would bring much more than this needs. Pure: no I/O.
 */
import { H2_FRAME_KINDS, type H2FrameBytes, type H2FrameKind } from '../results/results-schema.js';

export const H2_FRAME_HEADER_BYTES = 9;
/** What a client sends before its first frame (RFC 9113 §3.4). */
export const H2_CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Frame types (RFC 9113 §6). */
export const H2_FRAME_TYPE = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export interface H2FrameHeader {
  /** Payload length (the 9 header bytes not included). */
  length: number;
  type: number;
  flags: number;
  streamId: number;
}

/** The frame header at `offset` (nine bytes must be there). */
export function readFrameHeader(bytes: Uint8Array, offset = 0): H2FrameHeader {
  const at = (i: number) => bytes[offset + i] as number;
  return {
    length: (at(0) << 16) | (at(1) << 8) | at(2),
    type: at(3),
    flags: at(4),
    // The top bit is reserved and ignored on receipt (RFC 9113 §4.1).
    streamId: ((at(5) & 0x7f) * 2 ** 24) + (at(6) << 16) + (at(7) << 8) + at(8),
  };
}

/**
 * The kind a frame's bytes are counted under: HEADERS with its CONTINUATIONs (the header block,
 * after HPACK), DATA, and each control frame by name; PRIORITY, PUSH_PROMISE and unknown types as
 * `other`.
 */
export function frameKind(type: number): Exclude<H2FrameKind, 'preface'> {
  return KIND_BY_TYPE.get(type) ?? 'other';
}

const KIND_BY_TYPE = new Map<number, Exclude<H2FrameKind, 'preface'>>([
  [H2_FRAME_TYPE.HEADERS, 'headers'],
  [H2_FRAME_TYPE.CONTINUATION, 'headers'],
  [H2_FRAME_TYPE.DATA, 'data'],
  [H2_FRAME_TYPE.SETTINGS, 'settings'],
  [H2_FRAME_TYPE.WINDOW_UPDATE, 'windowUpdate'],
  [H2_FRAME_TYPE.PING, 'ping'],
  [H2_FRAME_TYPE.RST_STREAM, 'rstStream'],
  [H2_FRAME_TYPE.GOAWAY, 'goaway'],
]);

/** Who hears an H2FrameReader. */
export interface H2FrameListener {
  /** `bytes` more of the stream belong to `kind` (a frame's header once complete, its payload as it comes). */
  onBytes(kind: H2FrameKind, bytes: number): void;
  /** A frame's header is complete (its payload follows). */
  onFrame(header: H2FrameHeader): void;
}

/**
 * Follows one direction of a connection, chunk by chunk, whatever the chunks' boundaries. A
 * frame's nine header bytes are counted when the ninth arrives (its kind is known then), its
 * payload as it arrives: so at any moment the counted bytes are the bytes pushed, less at most
 * eight of a frame header not yet complete.
 */
export class H2FrameReader {
  private prefaceLeft: number;
  private readonly header = Buffer.alloc(H2_FRAME_HEADER_BYTES);
  private headerFill = 0;
  private payloadLeft = 0;
  private payloadKind: H2FrameKind = 'other';

  /** `clientSide`: this direction starts with the client's connection preface. */
  constructor(
    clientSide: boolean,
    private readonly listener: H2FrameListener,
  ) {
    this.prefaceLeft = clientSide ? H2_CLIENT_PREFACE.length : 0;
  }

  push(chunk: Uint8Array): void {
    let at = 0;
    if (this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, chunk.length);
      this.prefaceLeft -= n;
      at = n;
      this.listener.onBytes('preface', n);
    }
    while (at < chunk.length) {
      if (this.payloadLeft > 0) {
        const n = Math.min(this.payloadLeft, chunk.length - at);
        this.payloadLeft -= n;
        at += n;
        this.listener.onBytes(this.payloadKind, n);
        continue;
      }
      const n = Math.min(H2_FRAME_HEADER_BYTES - this.headerFill, chunk.length - at);
      this.header.set(chunk.subarray(at, at + n), this.headerFill);
      this.headerFill += n;
      at += n;
      if (this.headerFill < H2_FRAME_HEADER_BYTES) break;
      this.headerFill = 0;
      const header = readFrameHeader(this.header);
      this.payloadKind = frameKind(header.type);
      this.payloadLeft = header.length;
      this.listener.onBytes(this.payloadKind, H2_FRAME_HEADER_BYTES);
      this.listener.onFrame(header);
    }
  }
}

/** A direction's bytes by frame kind, all zero. */
export function emptyFrameBytes(): H2FrameBytes {
  return Object.fromEntries(H2_FRAME_KINDS.map((kind) => [kind, 0])) as H2FrameBytes;
}

/** Both directions' bytes by frame kind (down = server→client). */
export interface H2FrameCounts {
  down: H2FrameBytes;
  up: H2FrameBytes;
}

export function emptyFrameCounts(): H2FrameCounts {
  return { down: emptyFrameBytes(), up: emptyFrameBytes() };
}

/** `a + b × sign`, kind by kind (sums over clients, differences between two instants). */
export function addFrameCounts(a: H2FrameCounts, b: H2FrameCounts, sign: 1 | -1 = 1): H2FrameCounts {
  const add = (x: H2FrameBytes, y: H2FrameBytes) => Object.fromEntries(H2_FRAME_KINDS.map((kind) => [kind, x[kind] + sign * y[kind]])) as H2FrameBytes;
  return { down: add(a.down, b.down), up: add(a.up, b.up) };
}
