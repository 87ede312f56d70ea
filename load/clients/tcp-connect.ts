/**
 * Opens one client connection: the TCP socket, counted by the client's meter, and over TLS the
 * TLS session on top of it. The meter holds the TCP socket, never the TLS one, so what it counts
 * is ciphertext — TLS records, their headers and tags, the handshake — as a packet capture sees
 * the TCP payload; the caller reads and writes the plaintext stream.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { SocketMeter } from '../meter/socket-meter.js';

/** How a client speaks TLS (serializable: it travels to the load workers). */
export interface ClientTls {
  /** PEM certificate(s) to trust as CA instead of the system's; absent = the system's store. */
  ca?: string;
  /**
   * Verify the server's certificate (chain and name). false only for loopback runs against a
   * server whose certificate cannot be checked; the results say so.
   */
  verify: boolean;
}

export interface ClientConnection {
  /** The TCP socket (what the meter counts; reset it to drop the connection as a network would). */
  readonly tcp: net.Socket;
  /** Where the client reads and writes: the TLS socket, or the TCP socket itself in cleartext. */
  readonly stream: net.Socket;
}

/** Resolves when `socket` has closed. */
export function closedPromise(socket: net.Socket): Promise<void> {
  return new Promise<void>((resolve) => socket.once('close', () => resolve()));
}

/**
 * With `reset`, cuts the connection with a TCP RST (a NAT or load balancer dropping it) and
 * returns true; false when not asked to, or when there is no established connection to reset.
 */
export function resetConnection(tcp: net.Socket, reset: boolean): boolean {
  if (!reset || tcp.destroyed || tcp.connecting) return false;
  tcp.resetAndDestroy();
  return true;
}

/**
 * Connects to host:port; `alpn` is offered over TLS (a browser offers `h2, http/1.1` for fetch
 * and `http/1.1` for a WebSocket). Writes to `stream` are queued until it is ready.
 */
export function connectClient(host: string, port: number, meter: SocketMeter, secure: ClientTls | undefined, alpn: readonly string[], localAddress?: string): ClientConnection {
  // `localAddress`: `--source-addresses`, so one host opens more connections to one server port.
  const tcp = net.connect({ host, port, ...(localAddress !== undefined ? { localAddress } : {}) });
  meter.track(tcp);
  tcp.setNoDelay(true);
  if (secure === undefined) return { tcp, stream: tcp };
  const stream = tls.connect({
    socket: tcp,
    host,
    // SNI carries names, never addresses (RFC 6066 §3).
    ...(net.isIP(host) === 0 ? { servername: host } : {}),
    ...(secure.ca === undefined ? {} : { ca: secure.ca }),
    rejectUnauthorized: secure.verify,
    ALPNProtocols: [...alpn],
  });
  meter.trackTlsHandshake(tcp, stream);
  return { tcp, stream };
}
