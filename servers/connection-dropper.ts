/**
 * The server side of the drop fault: on command the server resets a share of its client
 * connections per second with a TCP RST, as a NAT or a load balancer that forgets a flow would.
 * Clients see ECONNRESET mid-stream, mid-request or on an idle keep-alive socket, and must
 * reconnect and resume as they would in the field. Control connections (/healthz, /stats: the
 * bench reading the server) are left alone, so the measurement is not what breaks.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ROUTES } from './contract.js';
import type { ServerStatsCollector } from './server-stats.js';

/** How often a drop picks connections to reset, ms. */
const DROP_TICK_MS = 100;

export class ConnectionDropper {
  /** Every open client TCP connection (for TLS: the socket beneath it). */
  private readonly sockets = new Set<Socket>();
  /** Control connections by peer address and port (under TLS the request's socket is not the TCP one). */
  private readonly control = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    server: Server,
    private readonly stats: ServerStatsCollector,
  ) {
    // One shared listener (`this` is the socket): a connection costs a set entry, no closure.
    const sockets = this.sockets;
    function onSocketClose(this: Socket): void {
      sockets.delete(this);
    }
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', onSocketClose);
    });
    server.on('request', (request: IncomingMessage) => {
      const path = (request.url ?? '').split('?')[0];
      if (path !== ROUTES.stats && path !== ROUTES.healthz) return;
      const peer = peerOf(request.socket);
      if (this.control.has(peer)) return;
      this.control.add(peer);
      request.socket.once('close', () => this.control.delete(peer));
    });
  }

  /**
   * Resets `sharePerSec` of the open client connections per second (chosen at random, a fraction
   * carried over between ticks) for `durationMs`. Each reset is counted (`connectionsReset`).
   */
  drop(sharePerSec: number, durationMs: number): void {
    const endMs = performance.now() + durationMs;
    let owed = 0;
    const timer = setInterval(() => {
      if (performance.now() >= endMs) {
        clearInterval(timer);
        this.timers.delete(timer);
        return;
      }
      const candidates = [...this.sockets].filter((socket) => !socket.destroyed && !this.control.has(peerOf(socket)));
      owed += (sharePerSec * candidates.length * DROP_TICK_MS) / 1000;
      for (; owed >= 1 && candidates.length > 0; owed--) {
        const index = Math.floor(Math.random() * candidates.length);
        const [socket] = candidates.splice(index, 1);
        // RST instead of FIN: the peer learns of it only as an error, as behind a NAT that forgot it.
        socket!.resetAndDestroy();
        this.stats.connectionsReset++;
      }
    }, DROP_TICK_MS);
    this.timers.add(timer);
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
  }
}

function peerOf(socket: Socket): string {
  return `${socket.remoteAddress ?? ''}|${socket.remotePort ?? ''}`;
}
