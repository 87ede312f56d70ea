/**
 * Long-polling (Comet): `GET /longpoll?since=N` answers at once when a message after N exists,
 * otherwise holds the request until one does or `holdMs` passes (then `[]`).
 *
 * Held requests live in one deadline queue (one timer for all of them) and leave it on
 * 'close', so thousands of idle or abandoned requests hold nothing but their map entry.
 * Answers are written on the raw response: a wake-up may answer every client at once, and
 * each distinct cursor's body is built once (see JsonArrayBodies).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { EPOCH_HEADER, ROUTES } from './contract.js';
import { DeadlineQueue } from './deadline-queue.js';
import { CompressedBodies, negotiateCoding, varyOnAcceptEncoding } from './http-compression.js';
import { cursorFromQuery, epochFromQuery, JSON_TYPE } from './http-replies.js';
import { EMPTY_ARRAY, JsonArrayBodies } from './json-array-body.js';
import { connectionOf, hijackKeepingHeaders, isHttp2Response, mustStateEpoch, resumeOrRefuse, waitForAll, type TransportDefinition } from './transport.js';

export const longpollTransport: TransportDefinition = {
  name: 'longpoll',
  create(context) {
    const bodies = new JsonArrayBodies(context.feed.history);
    const { compression } = context.options;
    const compressed = new CompressedBodies();
    let closing = false;
    const toldEpoch = new WeakSet<object>();

    /**
     * A frozen long-poll client (SIGSTOPped: its kernel still ACKs the answer) shows as a
     * connection that was answered and sends no next request, which a live client sends at once.
     * Such a connection is closed `idleTimeoutMs` after its answer and counted (idleDropped),
     * instead of lingering for the 72 s keep-alive timeout unseen. Any request on it — the next
     * poll or another route — takes it off the queue.
     */
    const idle =
      context.options.idleTimeoutMs > 0
        ? new DeadlineQueue<Socket, true>(context.options.idleTimeoutMs, (socket) => {
            context.stats.idleDropped++;
            socket.destroy();
          })
        : undefined;
    function onIdleClose(this: Socket): void {
      idle?.delete(this);
    }
    const watchedSockets = new WeakSet<Socket>();
    const watchIdle = (socket: Socket | null): void => {
      if (idle === undefined || socket === null || socket.destroyed) return;
      if (!watchedSockets.has(socket)) {
        watchedSockets.add(socket);
        socket.once('close', onIdleClose);
      }
      // Re-added at the back: the queue keeps insertion order as deadline order.
      idle.delete(socket);
      idle.add(socket, true);
    };
    // The raw server's event: it comes before fastify's hooks, which a refusal may cut short.
    if (idle !== undefined) context.app.server.on('request', (request: IncomingMessage) => idle.delete(request.socket));

    const answer = (res: ServerResponse, plainBody: Buffer): void => {
      // Negotiated when the request came (a held answer is written later with what it set then).
      const coding = res.getHeader('content-encoding');
      const body = coding === 'br' || coding === 'gzip' ? compressed.get(plainBody, coding) : plainBody;
      const headers: Record<string, string | number> = { 'content-type': JSON_TYPE, 'content-length': body.length };
      // HTTP/2 has no connection header and multiplexes streams on a session (its own idle timeout).
      if (!isHttp2Response(res)) {
        if (closing) headers.connection = 'close';
        else watchIdle(res.socket);
      }
      res.writeHead(200, headers);
      res.end(body);
    };
    const held = new DeadlineQueue<ServerResponse, number>(context.options.holdMs, (res) => answer(res, EMPTY_ARRAY));
    // One shared listener (no closure per request): a client that goes away leaves the queue.
    function onHeldClose(this: ServerResponse): void {
      held.delete(this);
    }

    context.app.get(ROUTES.longpoll, (request, reply) => {
      const resume = resumeOrRefuse(context, cursorFromQuery(request.query), epochFromQuery(request.query), reply);
      if (resume === undefined) return reply;
      hijackKeepingHeaders(reply);
      const res = reply.raw;
      // Held answers are written later with writeHead; a header set now goes out with them.
      if (mustStateEpoch(toldEpoch, connectionOf(request.raw), resume.named)) res.setHeader(EPOCH_HEADER, context.feed.epoch);
      if (compression !== 'off') {
        res.setHeader('vary', varyOnAcceptEncoding(res.getHeader('vary')));
        const coding = negotiateCoding(compression, request.headers['accept-encoding']);
        if (coding !== undefined) res.setHeader('content-encoding', coding);
      }
      const since = resume.since;
      if (resume.reset) {
        answer(res, bodies.afterReset(resume.reset));
        return;
      }
      if (since < context.feed.head || closing) {
        answer(res, bodies.after(since));
        return;
      }
      held.add(res, since);
      res.once('close', onHeldClose);
    });

    return {
      deliver(message) {
        for (const [res, since] of held.values()) {
          if (since >= message.seq) continue;
          held.delete(res);
          answer(res, bodies.after(since));
        }
      },
      connections: () => held.size,
      async close(graceMs) {
        closing = true;
        idle?.clear();
        const pending: Promise<unknown>[] = [];
        for (const [res] of held.values()) {
          pending.push(new Promise((resolve) => res.once('close', resolve)));
          answer(res, EMPTY_ARRAY);
        }
        held.clear();
        await waitForAll(pending, graceMs);
      },
    };
  },
};
