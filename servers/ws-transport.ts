/**
 * WebSocket (RFC 6455): `GET /ws?since=N` upgrade, one text frame per message, ping/pong
 * heartbeat, and upstream: a text frame holding a PublishRequest publishes.
 *
 * Refusals happen before the handshake, as plain HTTP answers with a JSON body (RFC 6455
 * §4.2.2 allows any HTTP error instead of 101): bad `since` → 400, Origin not allowed → 403,
 * server closing → 503. A plain GET without Upgrade → 426.
 */
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { IncomingMessage } from 'node:http';
import { EPOCH_HEADER, ROUTES, WS_CLOSE, perMessageDeflate, serializeGap, serializeReset } from './contract.js';
import { ERROR, PAD_HEADER, cursorFromQuery, malformedOrigin, originAllowed } from './http-replies.js';
import { parsePublishRequest } from './publish-request.js';
import { resolveResume, waitForAll, type TransportDefinition } from './transport.js';

/** A dropped slow consumer gets its 4008 close frame queued; if it does not read that either, it is cut. */
const SLOW_CONSUMER_CLOSE_GRACE_MS = 500;
/** The same options object for every send: a text frame, compressed when permessage-deflate was negotiated. */
const TEXT_FRAME = { binary: false, compress: false } as const;
const COMPRESSED_TEXT_FRAME = { binary: false, compress: true } as const;

/**
 * ws closes a connection whose message is over maxPayload (also once inflated: a decompression
 * bomb) with 1009 and no reason; this names it, as every other refusal is named.
 */
class ReasonedWebSocket extends WebSocket {
  override close(code?: number, reason?: string | Buffer): void {
    super.close(code, reason ?? (code === WS_CLOSE.messageTooBig ? 'message too big: over the publish limit (inflated size, when compressed)' : undefined));
  }
}


interface ClientState {
  /** Cursor it connected with: messages up to it are not sent (only matters for a future cursor). */
  since: number;
  /** Answered the last ping (RFC 6455 §5.5.3: a pong must answer a ping). */
  alive: boolean;
  /** Pings received in the current second, and when that second began (ms). */
  pings: number;
  pingSecondMs: number;
}

/**
 * ws answers every ping with a pong (RFC 6455 §5.5.2 says it must), so a client can make the
 * server write as fast as it sends. Past this many pings in one second it is cut (1008), counted.
 */
export const MAX_PINGS_PER_SECOND = 50;

export const wsTransport: TransportDefinition = {
  name: 'ws',
  create(context) {
    const { maxBufferedBytes, heartbeatMs, publishLimitBytes, padHeaderBytes, compression } = context.options;
    const frameOptions = compression === 'off' ? TEXT_FRAME : COMPRESSED_TEXT_FRAME;
    const clients = new Map<WebSocket, ClientState>();
    /** Dropped slow consumers whose close is pending: shutdown must not leave them behind. */
    const dropped = new Set<WebSocket>();
    let closing = false;
    const wss = new WebSocketServer({
      noServer: true,
      // Fairness: no permessage-deflate unless a run asks for compression (then offered to every client that offers it).
      perMessageDeflate: perMessageDeflate(compression),
      // An oversized upstream message makes ws close with 1009 (RFC 6455 §7.4.1) — a compressed one
      // as soon as its inflated size passes it, so a decompression bomb costs no more than this.
      maxPayload: publishLimitBytes,
      WebSocket: ReasonedWebSocket,
      clientTracking: false,
    });
    if (padHeaderBytes > 0) {
      const padLine = `${PAD_HEADER}: ${'x'.repeat(padHeaderBytes)}`;
      wss.on('headers', (headers: string[]) => headers.push(padLine));
    }
    /** Upgrades whose URL did not name this server's epoch: their 101 states it. */
    const unnamed = new WeakSet<IncomingMessage>();
    const epochLine = `${EPOCH_HEADER}: ${context.feed.epoch}`;
    wss.on('headers', (headers: string[], request: IncomingMessage) => {
      if (unnamed.has(request)) headers.push(epochLine);
    });

    const dropSlowConsumer = (ws: WebSocket): void => {
      clients.delete(ws);
      dropped.add(ws);
      context.stats.slowConsumersDropped++;
      ws.close(WS_CLOSE.slowConsumer, 'slow consumer: send buffer over the cap');
      setTimeout(() => ws.terminate(), SLOW_CONSUMER_CLOSE_GRACE_MS).unref();
    };

    /** `bufferedAmount` covers ws's queue and the socket's; past the cap the client is not reading. */
    const send = (ws: WebSocket, frame: Buffer): void => {
      if (ws.bufferedAmount + frame.length > maxBufferedBytes) dropSlowConsumer(ws);
      else ws.send(frame, frameOptions);
    };

    // Shared listeners (`this` is the socket), so a connection costs no closures.
    function onClose(this: WebSocket): void {
      clients.delete(this);
      dropped.delete(this);
    }
    function onPing(this: WebSocket): void {
      const state = clients.get(this);
      if (state === undefined) return;
      const nowMs = performance.now();
      if (nowMs - state.pingSecondMs >= 1000) {
        state.pingSecondMs = nowMs;
        state.pings = 0;
      }
      if (++state.pings <= MAX_PINGS_PER_SECOND) return;
      clients.delete(this);
      context.stats.pingFloodDropped++;
      this.close(WS_CLOSE.policyViolation, `ping flood: more than ${MAX_PINGS_PER_SECOND} pings a second`);
      setTimeout(() => this.terminate(), SLOW_CONSUMER_CLOSE_GRACE_MS).unref();
    }
    function onPong(this: WebSocket): void {
      const state = clients.get(this);
      if (state !== undefined) state.alive = true;
    }
    function onError(this: WebSocket, error: Error & { code?: string }): void {
      // ws closes the connection itself (1009 too big, 1002 protocol error, …); it is a bad request.
      if (error.code !== undefined && error.code.startsWith('WS_ERR_')) context.refusals.count(400, ERROR.badRequest);
    }
    function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
      if (isBinary) {
        context.refusals.count(400, ERROR.badRequest);
        this.close(WS_CLOSE.unsupportedData, 'binary frames are not accepted: send a PublishRequest as a text frame');
        return;
      }
      const parsed = parsePublishRequest(data.toString());
      if ('reason' in parsed) {
        context.refusals.count(400, ERROR.badRequest);
        // Close reasons are capped at 123 bytes (RFC 6455 §5.5: control frame payload ≤ 125).
        this.close(WS_CLOSE.unsupportedData, parsed.reason.slice(0, 120));
        return;
      }
      // Refused once the feed was handed over: the close (1001) follows at once.
      context.feed.publishUpstream(parsed.data, parsed.sent);
    }

    context.app.get(ROUTES.ws, (_request, reply) =>
      context.refusals.reply(reply.header('upgrade', 'websocket'), 426, ERROR.upgradeRequired, 'GET /ws is a WebSocket endpoint: send Connection: Upgrade and Upgrade: websocket (RFC 6455 §4.1)'),
    );

    context.onUpgrade(ROUTES.ws, (request, socket, head) => {
      if (closing) return context.refusals.socket(socket, 503, ERROR.closing, 'server is shutting down');
      const badOrigin = malformedOrigin(request);
      if (badOrigin !== undefined) return context.refusals.socket(socket, 400, ERROR.badOrigin, badOrigin);
      if (!originAllowed(context.options.allowedOrigins, request.headers.origin)) {
        return context.refusals.socket(socket, 403, ERROR.forbiddenOrigin, `origin ${JSON.stringify(request.headers.origin)} is not in the allow-list`);
      }
      // Repeated `since` stays an array, refused as it is on the HTTP routes.
      const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
      const sinceValues = query.getAll('since');
      const epochValues = query.getAll('epoch');
      const resume = resolveResume(
        context.feed,
        cursorFromQuery({ since: sinceValues.length > 1 ? sinceValues : sinceValues[0] }),
        epochValues.length > 1 ? epochValues : epochValues[0],
      );
      if ('reason' in resume) return context.refusals.socket(socket, 400, ERROR.badCursor, resume.reason);
      const since = resume.since;
      if (!resume.named) unnamed.add(request);
      wss.handleUpgrade(request, socket, head, (ws) => {
        ws.on('close', onClose);
        ws.on('pong', onPong);
        ws.on('ping', onPing);
        ws.on('error', onError);
        ws.on('message', onMessage);
        clients.set(ws, { since, alive: true, pings: 0, pingSecondMs: 0 });
        if (resume.reset) send(ws, Buffer.from(serializeReset(resume.reset)));
        const { gap, messages } = context.feed.history.after(since);
        if (gap !== undefined) send(ws, Buffer.from(serializeGap(gap)));
        for (const message of messages) {
          if (!clients.has(ws)) break;
          send(ws, Buffer.from(message.text));
        }
      });
    });

    // One timer for every client: a peer that missed the previous ping's pong is cut.
    const heartbeat =
      heartbeatMs > 0
        ? setInterval(() => {
            for (const [ws, state] of clients) {
              if (!state.alive) {
                clients.delete(ws);
                context.stats.heartbeatTimeouts++;
                ws.terminate();
                continue;
              }
              state.alive = false;
              ws.ping();
            }
          }, heartbeatMs)
        : undefined;

    return {
      deliver(message) {
        if (clients.size === 0) return;
        const frame = Buffer.from(message.text);
        for (const [ws, state] of clients) {
          if (message.seq > state.since && ws.readyState === WebSocket.OPEN) send(ws, frame);
        }
      },
      connections: () => clients.size,
      async close(graceMs) {
        closing = true;
        clearInterval(heartbeat);
        const open = [...clients.keys()];
        const pending = open.map((ws) => new Promise((resolve) => ws.once('close', resolve)));
        for (const ws of open) ws.close(WS_CLOSE.goingAway, 'server shutting down');
        await waitForAll(pending, graceMs);
        for (const ws of [...open, ...dropped]) ws.terminate();
        wss.close();
      },
    };
  },
};
