/**
 * One HTTP/2 connection — a node:http2 session over one TCP (and TLS) connection — and the
 * channels (h2-connection.ts) whose streams it carries. By default each simulated client has its
 * own, as a browser tab opens one; with `--h2-clients-per-connection N` the clients of a group
 * share one, as a browser multiplexes the tabs of one origin over one connection: each client is
 * still its own streams and its own delivery tracking, while the connection — its handshake,
 * preface, HPACK tables, control frames — exists once.
 *
 * Bytes: the connection's TCP socket is counted by the meter the session is given — the client's
 * own when it is private, the group's when shared (the load worker adds the groups' meters to its
 * clients'), so every socket byte is counted exactly once.
 *
 * Life: the connection opens with the first stream a channel asks for, and closes (GOAWAY, then
 * the socket ends) when no channel holds it any more — with one channel, when that channel drops
 * it, as HTTP/1.1's connection closes. A reset (the drop fault) cuts it for every channel on it,
 * as a network dropping the connection would.
 */
import http2 from 'node:http2';
import type net from 'node:net';
import { errorKind, type ClientErrorKind } from './client-errors.js';
import type { SocketMeter } from '../meter/socket-meter.js';
import { closedPromise, connectClient, resetConnection, type ClientTls } from './tcp-connect.js';
import { H2ConnectionTally, countingPassThrough } from './h2-frame-tap.js';

/** Closing: how long the peer gets to see our GOAWAY before the socket is cut. */
const CLOSE_GRACE_MS = 1000;

/**
 * The most clients one connection may carry: each holds a stream (an SSE stream or a held
 * long-poll all the time; a publish one more for a moment), and 100 is the least
 * SETTINGS_MAX_CONCURRENT_STREAMS RFC 9113 §6.5.2 advises a server to allow (nginx's default 128,
 * Chromium asks no more of a server). Node's own server allows 2^32 − 1.
 */
export const MAX_H2_CLIENTS_PER_CONNECTION = 100;

/** Where the connection goes (its first channel's; every channel of a session has the same). */
export interface H2Endpoint {
  host: string;
  port: number;
  /** Idle timeout of the connection (no frame either way), ms; 0 = none. */
  idleTimeoutMs: number;
  /** h2 over TLS; undefined = h2c (cleartext, prior knowledge). */
  secure: ClientTls | undefined;
  /** The local address to connect from (`--source-addresses`); undefined: the system's choice. */
  localAddress?: string | undefined;
}

/** A channel on the session: told when the connection under it closed. */
export interface H2SessionUser {
  connectionClosed(kind: ClientErrorKind): void;
}

/** A stream opened for a channel, with the frame tally of its connection. */
export interface H2OpenedStream {
  stream: http2.ClientHttp2Stream;
  tally: H2ConnectionTally;
  /** The connection's first stream (HPACK's dynamic table was empty). */
  firstOnConnection: boolean;
}

export class H2Session {
  private session: http2.ClientHttp2Session | undefined;
  private tcp: net.Socket | undefined;
  private tally: H2ConnectionTally | undefined;
  private streamsOpened = 0;
  private kind: ClientErrorKind | undefined;
  /** Channels that used the open connection (told when it closes). */
  private readonly users = new Set<H2SessionUser>();
  /** Channels that hold it now (it closes when none does). */
  private readonly holders = new Set<H2SessionUser>();

  /** `meter` counts the connection's socket (and its frames): the client's, or its group's. */
  constructor(readonly meter: SocketMeter) {}

  /** `user` has sent on the connection now open (so, e.g., it named its epoch there). */
  uses(user: H2SessionUser): boolean {
    return this.session !== undefined && this.users.has(user);
  }

  /** Why the connection is closing or closed, if known (a GOAWAY, a socket error, a drop). */
  get closeKind(): ClientErrorKind | undefined {
    return this.kind;
  }

  /** Opens a stream for `user` — the connection first when none is open; undefined when the session refused it (going away). */
  request(user: H2SessionUser, endpoint: H2Endpoint, headers: http2.OutgoingHttpHeaders, endStream: boolean): H2OpenedStream | undefined {
    const current = this.session;
    const session = current === undefined || current.destroyed ? this.open(endpoint) : current;
    const tally = this.tally as H2ConnectionTally;
    this.users.add(user);
    this.holders.add(user);
    try {
      const stream = session.request(headers, { endStream });
      return { stream, tally, firstOnConnection: this.streamsOpened++ === 0 };
    } catch (error) {
      // The session is going away (GOAWAY received, destroyed): this request fails as on a closed socket.
      this.kind ??= errorKind(error as Error, 'h2_error');
      session.destroy();
      return undefined;
    }
  }

  /**
   * `user` lets go of the connection (its stream, if any, already cancelled). The last holder
   * closes it (GOAWAY, then the socket ends); with `reset` it is cut now for everyone (TCP RST).
   * Resolves when the socket is closed, or at once while other channels still hold it.
   */
  release(user: H2SessionUser, kind: ClientErrorKind, reset: boolean): Promise<void> {
    this.holders.delete(user);
    const session = this.session;
    const tcp = this.tcp;
    if (session === undefined || tcp === undefined) return Promise.resolve();
    if (!reset && this.holders.size > 0) return Promise.resolve();
    if (!session.destroyed) this.kind ??= kind;
    const closed = closedPromise(tcp);
    if (resetConnection(tcp, reset)) return closed;
    if (session.destroyed || tcp.connecting) tcp.destroy();
    else {
      // A browser closing the (last) tab: GOAWAY, then the socket ends.
      session.close();
      const cut = setTimeout(() => session.destroy(), CLOSE_GRACE_MS);
      void closed.then(() => clearTimeout(cut));
    }
    return closed;
  }

  private open(endpoint: H2Endpoint): http2.ClientHttp2Session {
    const { host, port, secure } = endpoint;
    const { tcp, stream: socket } = connectClient(host, port, this.meter, secure, ['h2', 'http/1.1'], endpoint.localAddress);
    this.tcp = tcp;
    this.kind = undefined;
    this.streamsOpened = 0;
    this.users.clear();
    this.holders.clear();
    const tally = new H2ConnectionTally(this.meter.h2Frames(), (preface) => this.meter.h2Preface(preface));
    this.tally = tally;
    const scheme = secure === undefined ? 'http' : 'https';
    const authority = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const session = http2.connect(authority, { createConnection: () => countingPassThrough(socket, tally) });
    this.session = session;
    if (endpoint.idleTimeoutMs > 0) {
      session.setTimeout(endpoint.idleTimeoutMs, () => {
        if (session !== this.session) return;
        this.kind ??= 'timeout';
        session.destroy();
      });
    }
    session.on('error', (error: Error) => {
      if (session === this.session) this.kind ??= errorKind(error, 'h2_error');
    });
    // The session reads through the tap, so the socket's own error (ECONNREFUSED, ECONNRESET) is heard here.
    socket.on('error', (error: Error) => {
      if (session === this.session) this.kind ??= errorKind(error, 'socket_error');
    });
    session.on('goaway', () => {
      if (session === this.session) this.kind ??= 'h2_goaway';
    });
    // The TCP socket is what the meter waits on: the session is over when it is closed.
    tcp.once('close', () => {
      if (session !== this.session) return;
      const kind = this.kind ?? 'closed_by_server';
      this.session = undefined;
      this.tcp = undefined;
      if (!session.destroyed) session.destroy();
      const users = [...this.users];
      this.users.clear();
      this.holders.clear();
      for (const user of users) user.connectionClosed(kind);
    });
    return session;
  }
}
