/**
 * Bytes at one simulated client's TCP sockets: every socket it ever opened (reconnects, the
 * publish connection, the WebSocket handshake) counted from the kernel's side of Node's socket —
 * `net.Socket.bytesRead` / `bytesWritten` — so headers, chunk framing, handshakes, heartbeats and
 * reconnects are all in, as a packet capture of the payload bytes would see them (README, "What is
 * measured").
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { WireCounters } from '../clients/client-contract.js';
import { emptyFrameCounts, type H2FrameCounts } from '../clients/h2-frames.js';
import type { H2Preface } from '../clients/h2-frame-tap.js';

/** Sockets that completed the TCP handshake (module-wide; a WeakSet holds no socket alive). */
const established = new WeakSet<Socket>();
function markEstablished(this: Socket): void {
  established.add(this);
}

/**
 * `bytesWritten` also counts bytes queued before the connection was established, which never
 * reach the wire if the connect fails (ECONNREFUSED): those count 0.
 */
function writtenBytes(socket: Socket): number {
  return established.has(socket) ? socket.bytesWritten : 0;
}

/** TCP connections opened in this process (the handshakes of a reconnect storm). */
let opened = 0;
export function socketsOpened(): number {
  return opened;
}

export class SocketMeter {
  private closedReadBytes = 0;
  private closedWrittenBytes = 0;
  private readonly open: Socket[] = [];
  /** Local port of every socket that connected, for attributing a packet capture to this client. */
  private readonly ports: number[] = [];
  private allClosedWaiters: Array<() => void> = [];
  /** The last TLS handshake's bytes at the TCP socket, each way (undefined in cleartext). */
  private handshake: { upBytes: number; downBytes: number } | undefined;
  /** HTTP/2: the plaintext of every connection by frame kind (h2-frame-tap.ts); undefined until one opened. */
  private h2Counts: H2FrameCounts | undefined;
  /** HTTP/2: the last connection's preface (its opening SETTINGS frames). */
  private h2PrefaceBytes: H2Preface | undefined;

  /** Counts this socket from now on, and after it closes (its final counts are kept). */
  track(socket: Socket): void {
    opened++;
    this.open.push(socket);
    socket.once('connect', markEstablished);
    socket.once('connect', () => {
      if (socket.localPort !== undefined) this.ports.push(socket.localPort);
    });
    socket.once('close', () => this.retire(socket));
  }

  /**
   * Over TLS: the handshake's bytes at `tcp`, from the first byte to the moment the client holds
   * the session (ClientHello … its Finished). TLS 1.3 session tickets the server sends after that
   * arrive with the first answer and count there.
   */
  trackTlsHandshake(tcp: Socket, secure: TLSSocket): void {
    secure.once('secureConnect', () => {
      this.handshake = { upBytes: writtenBytes(tcp), downBytes: tcp.bytesRead };
    });
  }

  /** The last TLS handshake's size at the TCP socket; undefined before one (or in cleartext). */
  tlsHandshake(): { upBytes: number; downBytes: number } | undefined {
    return this.handshake;
  }

  /** HTTP/2: where this client's connections add their frame bytes (kept across reconnects). */
  h2Frames(): H2FrameCounts {
    return (this.h2Counts ??= emptyFrameCounts());
  }

  /** HTTP/2: a connection's preface passed (the wire sample keeps the last). */
  h2Preface(preface?: H2Preface): H2Preface | undefined {
    if (preface !== undefined) this.h2PrefaceBytes = preface;
    return this.h2PrefaceBytes;
  }

  counters(): WireCounters {
    let readBytes = this.closedReadBytes;
    let written = this.closedWrittenBytes;
    for (const socket of this.open) {
      readBytes += socket.bytesRead;
      written += writtenBytes(socket);
    }
    const h2 = this.h2Counts;
    return h2 === undefined ? { readBytes, writtenBytes: written } : { readBytes, writtenBytes: written, h2FrameBytes: { down: { ...h2.down }, up: { ...h2.up } } };
  }

  localPorts(): readonly number[] {
    return this.ports;
  }

  /** Resolves once every tracked socket has closed (stop() waits on this). */
  allClosed(): Promise<void> {
    if (this.open.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.allClosedWaiters.push(resolve));
  }

  private retire(socket: Socket): void {
    const index = this.open.indexOf(socket);
    if (index === -1) return;
    this.open.splice(index, 1);
    this.closedReadBytes += socket.bytesRead;
    this.closedWrittenBytes += writtenBytes(socket);
    if (this.open.length === 0 && this.allClosedWaiters.length > 0) {
      const waiters = this.allClosedWaiters;
      this.allClosedWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
