/**
 * Counts one HTTP/2 connection's plaintext by frame kind, as it passes between node:http2 and the
 * socket beneath it (the TLS socket, or the TCP socket in h2c). node:http2 reports no frame sizes,
 * so the session is given a pass-through stream (http2.connect's createConnection) that reads the
 * frame headers of both directions on their way (h2-frames.ts) and forwards every byte unchanged.
 *
 * What it costs: a session over a plain Duplex runs through Node's JS stream wrapper instead of
 * reading the socket's handle directly — more generator CPU per byte, never a byte more on the wire.
 */
import { Duplex } from 'node:stream';
import type net from 'node:net';
import { H2FrameReader, H2_FRAME_TYPE, type H2FrameCounts, type H2FrameHeader } from './h2-frames.js';
import type { H2FrameBytes, H2FrameKind } from '../results/results-schema.js';

/** One connection's opening: up the preface and the client's first SETTINGS frame, down the server's first SETTINGS frame. */
export interface H2Preface {
  upBytes: number;
  downBytes: number;
}

/**
 * One connection's frames: every byte into `counts` (the client's running totals), the header
 * block bytes of each stream (request and response HEADERS, for the wire sample), the preface.
 */
export class H2ConnectionTally {
  private readonly up: H2FrameReader;
  private readonly down: H2FrameReader;
  /** Header-block bytes (frame headers included) by stream id, until the stream is forgotten. */
  private readonly heads = new Map<number, { up: number; down: number }>();
  private prefaceUp = 0;
  private prefaceDown = 0;
  private settingsSeen = { up: false, down: false };

  constructor(
    counts: H2FrameCounts,
    /** Called once both sides' first SETTINGS frames have passed. */
    private readonly onPreface: (preface: H2Preface) => void,
  ) {
    this.up = new H2FrameReader(true, this.listener(counts.up, 'up'));
    this.down = new H2FrameReader(false, this.listener(counts.down, 'down'));
  }

  /** Plaintext the client sent. */
  sent(chunk: Uint8Array): void {
    this.up.push(chunk);
  }

  /** Plaintext the client received. */
  received(chunk: Uint8Array): void {
    this.down.push(chunk);
  }

  /** A stream's header-block bytes so far, up (its request) and down (its response); 0 for a stream not seen. */
  headBytes(streamId: number): { up: number; down: number } {
    return this.heads.get(streamId) ?? { up: 0, down: 0 };
  }

  /** The stream is over: its head sizes are no longer needed. */
  forget(streamId: number): void {
    this.heads.delete(streamId);
  }

  private listener(into: H2FrameBytes, direction: 'up' | 'down') {
    return {
      onBytes: (kind: H2FrameKind, bytes: number) => {
        into[kind] += bytes;
        if (direction === 'up' && kind === 'preface') this.prefaceUp += bytes;
      },
      onFrame: (header: H2FrameHeader) => this.frame(header, direction),
    };
  }

  private frame(header: H2FrameHeader, direction: 'up' | 'down'): void {
    const bytes = 9 + header.length;
    if (header.type === H2_FRAME_TYPE.HEADERS || header.type === H2_FRAME_TYPE.CONTINUATION) {
      let head = this.heads.get(header.streamId);
      if (head === undefined) this.heads.set(header.streamId, (head = { up: 0, down: 0 }));
      head[direction] += bytes;
    }
    // The first SETTINGS frame of each side (never an ACK: that answers the peer's) ends its preface.
    if (header.type === H2_FRAME_TYPE.SETTINGS && !this.settingsSeen[direction] && (header.flags & 0x1) === 0) {
      this.settingsSeen[direction] = true;
      if (direction === 'up') this.prefaceUp += bytes;
      else this.prefaceDown = bytes;
      if (this.settingsSeen.up && this.settingsSeen.down) this.onPreface({ upBytes: this.prefaceUp, downBytes: this.prefaceDown });
    }
  }
}

/**
 * A Duplex for http2.connect's createConnection: what the session writes goes to `socket`, what
 * `socket` reads comes to the session, each byte shown to `tally` on its way (flow control kept:
 * the socket pauses while the session reads no more).
 */
export function countingPassThrough(socket: net.Socket, tally: H2ConnectionTally): Duplex {
  const tap: Duplex = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      tally.sent(chunk);
      socket.write(chunk, (error) => callback(error ?? null));
    },
    writev(chunks: Array<{ chunk: Buffer }>, callback) {
      for (const { chunk } of chunks) tally.sent(chunk);
      socket.write(Buffer.concat(chunks.map((c) => c.chunk)), (error) => callback(error ?? null));
    },
    final(callback) {
      socket.end(() => callback());
    },
    read() {
      socket.resume();
    },
    destroy(error, callback) {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    tally.received(chunk);
    if (!tap.push(chunk)) socket.pause();
  });
  socket.once('end', () => tap.push(null));
  // The socket's error is its owner's to hear (it listens on the socket): the session sees the
  // stream end, as it would see its own socket close.
  socket.on('error', () => tap.destroy());
  socket.once('close', () => tap.destroy());
  return tap;
}
