/**
 * A wirebench server: the feed plus the chosen transports on one fastify instance.
 *
 *   const server = await createWirebenchServer({ transports: ['sse', 'ws'], rate: 10 });
 *   console.log(server.url); … await server.close();
 */
import type { AddressInfo, Socket } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { ROUTES, TRANSPORTS, type Healthz, type ServerStats, type TransportName } from './contract.js';
import { registerCors } from './cors.js';
import { HostAllowList } from './host-check.js';
import { ConnectionDropper } from './connection-dropper.js';
import { Feed } from './feed.js';
import type { FeedState } from './feed-state.js';
import { ERROR, PAD_HEADER, Refusals, sendJson } from './http-replies.js';
import { registerPublishRoute } from './publish-route.js';
import { resolveServerOptions, type WirebenchServerOptions } from './server-options.js';
import { ServerStatsCollector, type AfterGc } from './server-stats.js';
import type { TransportContext, TransportInstance, UpgradeHandler } from './transport.js';
import { TRANSPORT_DEFINITIONS } from './transports.js';
import { selfSignedIdentity } from './tls-identity.js';

export { ServerOptionsError, SERVER_DEFAULTS, type WirebenchServerOptions } from './server-options.js';
export type { FeedState } from './feed-state.js';

export interface WirebenchServer {
  /** `http://host:port` (`https://` over TLS), ready to use (IPv6 hosts in brackets). */
  readonly url: string;
  /** Over TLS: the PEM certificate the server presents (a client may trust it as its CA); otherwise undefined. */
  readonly certificate: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly transports: readonly TransportName[];
  stats(): ServerStats;
  healthz(): Healthz;
  /** Publishes an upstream message in-process, as `POST /publish` would. Returns its seq; throws once handed over. */
  publish(data: string, sentUs?: number): number;
  /**
   * Stops the feed for good (upstream publishes refused from now on) and returns its epoch and
   * history, for a successor's `continueFrom` (a graceful restart). Call `close()` after it.
   */
  handOver(): FeedState;
  /**
   * The server side of the drop fault: resets (TCP RST) `sharePerSec` (0–100) of the open client
   * connections per second for `durationMs`, each counted in /stats `connectionsReset`.
   * /healthz and /stats connections are spared. Throws on a share or duration out of range.
   */
  dropConnections(sharePerSec: number, durationMs: number): void;
  /**
   * Stops accepting, ends every stream cleanly (SSE end, WS close 1001, held long-polls `[]`),
   * destroys what has not ended after `closeGraceMs`. Idempotent.
   */
  close(): Promise<void>;
}

/** Builds, listens, starts the feed. Bad options throw `ServerOptionsError` before anything listens. */
export async function createWirebenchServer(options: WirebenchServerOptions = {}): Promise<WirebenchServer> {
  const resolved = resolveServerOptions(options);
  const stats = new ServerStatsCollector();
  const feed = new Feed(resolved, stats, resolved.continueFrom);
  const padValue = 'x'.repeat(resolved.padHeaderBytes);
  const rawHeaderLines = resolved.padHeaderBytes > 0 ? `${PAD_HEADER}: ${padValue}\r\n` : '';
  const refusals = new Refusals(stats, rawHeaderLines);
  const identity = resolved.tls === null ? null : resolved.tls === 'self-signed' ? await selfSignedIdentity(resolved.host) : resolved.tls;
  const nodeServerOptions = {
    requestTimeout: resolved.requestTimeoutMs,
    headersTimeout: resolved.requestTimeoutMs,
    // Node checks the deadlines on this period (30 s by default): a quarter of the timeout keeps it near.
    connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(resolved.requestTimeoutMs / 4))),
  };
  // One fastify type for the routes: over TLS the server is node's https.Server, over HTTP/2 an
  // Http2(Secure)Server whose compatibility API gives the transports the same request/response
  // surface; they use only what these share (requests, replies, upgrades over HTTP/1.1).
  const app = (Fastify as unknown as (options: object) => FastifyInstance)({
    logger: false,
    // Long enough for clients polling at 1 Hz to keep their connection between polls.
    keepAliveTimeout: 72_000,
    // Held long-polls and SSE streams are long-lived responses: no request or connection
    // deadline may cut them (Node's headersTimeout still bounds a client that never sends headers).
    connectionTimeout: 0,
    // Node's requestTimeout bounds receiving a request (head and body), not the answer: a held
    // long-poll or an SSE stream is not cut, a POST body that never finishes is (408).
    requestTimeout: resolved.requestTimeoutMs,
    ...(identity === null
      ? resolved.http2
        ? { http2: true as const }
        : { http: nodeServerOptions }
      : {
          ...(resolved.http2 ? { http2: true as const } : {}),
          https: {
            ...nodeServerOptions,
            key: identity.key,
            cert: identity.cert,
            // HTTP/2: h2 first, HTTP/1.1 beside it for WebSocket and HTTP/1.1 clients (ALPN, RFC 7301).
            ...(resolved.http2 ? { allowHTTP1: true, ALPNProtocols: ['h2', 'http/1.1'] } : { ALPNProtocols: ['http/1.1'] }),
            // A peer that starts a handshake and stalls is cut like a request head that never ends.
            handshakeTimeout: resolved.requestTimeoutMs,
          },
        }),
    bodyLimit: resolved.publishLimitBytes,
    return503OnClosing: true,
    // A HEAD on /sse or /longpoll would hold a bodiless stream open; only the documented GETs exist.
    exposeHeadRoutes: false,
    // HTTP/2 servers have no idle-connection sweep: fastify closes their sessions itself.
    forceCloseConnections: resolved.http2 ? true : 'idle',
    // Requests too malformed to reach a route (bad HTTP, oversized headers) get the same JSON
    // refusal and are counted like any other bad request.
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return void socket.destroy();
      if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        return refusals.socket(socket, 408, ERROR.requestTimeout, `the request (head and body) did not arrive within ${resolved.requestTimeoutMs} ms`);
      }
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      refusals.socket(socket, status, ERROR.badRequest, `malformed HTTP request (${error.code ?? error.message})`);
    },
  }) as unknown as FastifyInstance;
  // A TLS handshake that fails (garbage, a client that distrusts the certificate) is counted and
  // its socket closed by node; it must not reach the process as an unhandled error.
  app.server.on('tlsClientError', () => {
    stats.badRequests++;
  });
  if (resolved.http2) {
    // Node's HTTP/1.1 server disables Nagle on its sockets, its HTTP/2 server does not: an answer
    // written as HEADERS then DATA would wait for the client's delayed ACK (~40 ms) between them.
    app.server.on('connection', (socket: Socket) => socket.setNoDelay(true));
  }

  const hosts = new HostAllowList(resolved.host, resolved.allowedHosts);
  // First of all hooks: a request under a foreign name (DNS rebinding) gets nothing else.
  app.addHook('onRequest', (request, reply, done) => {
    if (hosts.allows(request.headers.host)) return done();
    refusals.reply(reply, 403, ERROR.forbiddenHost, hosts.reason(request.headers.host ?? ''));
  });

  if (resolved.padHeaderBytes > 0) {
    // On the raw response, so hijacked replies (SSE, long-poll) carry it too.
    app.addHook('onRequest', (_request, reply, done) => {
      reply.raw.setHeader(PAD_HEADER, padValue);
      done();
    });
  }
  const upgrades = new Map<string, UpgradeHandler>();

  const served = resolved.transports.map((name) => ROUTES[name]).join(', ');
  app.setNotFoundHandler((request, reply) =>
    refusals.reply(reply, 404, ERROR.notFound, `no route ${request.method} ${request.url.split('?')[0]}: this server serves ${served}, POST ${ROUTES.publish}, ${ROUTES.healthz}, ${ROUTES.stats}`),
  );
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) return refusals.reply(reply, 413, ERROR.tooLarge, `body is over the publish limit of ${resolved.publishLimitBytes} bytes`);
    if (status >= 400 && status < 500) return refusals.reply(reply, status, status === 415 ? ERROR.mediaType : ERROR.badRequest, error.message);
    return sendJson(reply, { error: ERROR.internal, reason: error.message }, 500);
  });

  const context: TransportContext = {
    app,
    feed,
    stats,
    options: resolved,
    refusals,
    onUpgrade: (path, handler) => upgrades.set(path, handler),
  };
  registerCors(context);
  registerPublishRoute(context);
  const instances = new Map<TransportName, TransportInstance>();
  for (const name of resolved.transports) {
    const instance = TRANSPORT_DEFINITIONS[name].create(context);
    instances.set(name, instance);
    if (instance.deliver !== undefined) feed.subscribe(instance.deliver);
  }

  const isLoopbackAddress = (address: string | undefined): boolean =>
    address !== undefined && (address === '::1' || /^(::ffff:)?127\./.test(address));
  const healthz = (): Healthz => ({ ok: true, name: 'wirebench', transports: [...resolved.transports], seq: feed.head, epoch: feed.epoch, nowUs: Math.round(feed.nowUs()) });
  const snapshot = (afterGc?: AfterGc): ServerStats => {
    const connections = Object.fromEntries(TRANSPORTS.map((name) => [name, instances.get(name)?.connections() ?? 0])) as Record<TransportName, number>;
    return { ...stats.snapshot(connections, feed.head, feed.epoch, afterGc), nowUs: Math.round(feed.nowUs()) };
  };
  app.get(ROUTES.healthz, (_request, reply) => sendJson(reply, healthz()));
  app.get(ROUTES.stats, async (request, reply) => {
    const gc = (request.query as Record<string, unknown>).gc;
    if (gc === undefined) return sendJson(reply, snapshot());
    if (gc !== '1') return refusals.reply(reply, 400, ERROR.badRequest, `gc ${JSON.stringify(gc)} is not valid: use gc=1 to take the snapshot after a full GC, or leave it out`);
    // A forced GC stalls the server: only the host itself (the bench on loopback) may ask for one.
    if (!isLoopbackAddress(request.socket.remoteAddress)) return refusals.reply(reply, 403, ERROR.badRequest, 'gc=1 is honoured from loopback only');
    return sendJson(reply, snapshot(await stats.collectGarbage()));
  });

  // Node hands every request carrying `Upgrade` to this listener instead of fastify.
  app.server.on('upgrade', (request, socket, head) => {
    // A peer that resets mid-refusal must not crash the process (ws adds its own handler once it owns the socket).
    socket.on('error', ignore);
    if (!hosts.allows(request.headers.host)) {
      refusals.socket(socket, 403, ERROR.forbiddenHost, hosts.reason(request.headers.host ?? ''));
      return;
    }
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const handler = upgrades.get(path);
    if (handler === undefined) {
      refusals.socket(socket, 404, ERROR.notFound, `no WebSocket endpoint at ${path}${instances.has('ws') ? `: use ${ROUTES.ws}` : ': this server does not serve ws'}`);
      return;
    }
    handler(request, socket, head);
  });

  const closeTransports = (): Promise<unknown> => Promise.all([...instances.values()].map((instance) => instance.close(resolved.closeGraceMs)));
  try {
    await app.listen({ host: resolved.host, port: resolved.port, backlog: resolved.backlog });
  } catch (error) {
    // Heartbeat timers are already armed; a server that could not listen must not keep the process alive.
    await closeTransports();
    await app.close();
    throw error;
  }
  feed.start();
  const port = (app.server.address() as AddressInfo).port;
  const urlHost = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;

  let closed: Promise<void> | undefined;
  const dropper = new ConnectionDropper(app.server, stats);
  const close = async (): Promise<void> => {
    dropper.stop();
    feed.stop();
    // Stop accepting first, so a client whose stream is ended cannot reconnect to this server.
    const appClosed = app.close();
    await closeTransports();
    // An HTTP/2 server has no such method (fastify closes its sessions); its HTTP/1.1 sockets end with it.
    if (typeof app.server.closeAllConnections === 'function') app.server.closeAllConnections();
    await appClosed;
  };

  return {
    url: `${identity === null ? 'http' : 'https'}://${urlHost}:${port}`,
    certificate: identity?.cert,
    host: resolved.host,
    port,
    transports: [...resolved.transports],
    stats: snapshot,
    healthz,
    publish: (data, sentUs) => {
      const seq = feed.publishUpstream(data, sentUs);
      if (seq === undefined) throw new Error('the feed was handed over: this server is closing');
      return seq;
    },
    handOver: () => feed.handOver(),
    dropConnections: (sharePerSec, durationMs) => {
      if (!(sharePerSec >= 0 && sharePerSec <= 100)) throw new RangeError(`share per second ${sharePerSec} is not valid: use a number from 0 to 100`);
      if (!(durationMs >= 0 && durationMs <= 24 * 3_600_000)) throw new RangeError(`duration ${durationMs} ms is not valid: use 0 to 24 h`);
      dropper.drop(sharePerSec, durationMs);
    },
    close: () => (closed ??= close()),
  };
}

function ignore(): void {}
