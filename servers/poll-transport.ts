/**
 * Short polling: `GET /poll?since=N` answers at once with every message after N (`[]` when
 * none). Connections are the keep-alive sockets that have issued a poll.
 */
import { EPOCH_HEADER, ROUTES } from './contract.js';
import { CompressedBodies, negotiateCoding, varyOnAcceptEncoding } from './http-compression.js';
import { cursorFromQuery, epochFromQuery, JSON_TYPE } from './http-replies.js';
import { JsonArrayBodies } from './json-array-body.js';
import { connectionOf, mustStateEpoch, resumeOrRefuse, type ConnectionHandle, type TransportDefinition } from './transport.js';

export const pollTransport: TransportDefinition = {
  name: 'poll',
  create(context) {
    const bodies = new JsonArrayBodies(context.feed.history);
    const { compression } = context.options;
    const compressed = new CompressedBodies();
    const sockets = new WeakSet<ConnectionHandle>();
    const toldEpoch = new WeakSet<ConnectionHandle>();
    let openSockets = 0;
    const onSocketClose = (): void => {
      openSockets--;
    };

    context.app.get(ROUTES.poll, (request, reply) => {
      const resume = resumeOrRefuse(context, cursorFromQuery(request.query), epochFromQuery(request.query), reply);
      if (resume === undefined) return reply;
      const socket = connectionOf(request.raw);
      if (!sockets.has(socket)) {
        sockets.add(socket);
        openSockets++;
        socket.once('close', onSocketClose);
      }
      if (mustStateEpoch(toldEpoch, socket, resume.named)) reply.header(EPOCH_HEADER, context.feed.epoch);
      const body = resume.reset ? bodies.afterReset(resume.reset) : bodies.after(resume.since);
      if (compression === 'off') return reply.type(JSON_TYPE).send(body);
      reply.header('vary', varyOnAcceptEncoding(reply.getHeader('vary')));
      const coding = negotiateCoding(compression, request.headers['accept-encoding']);
      if (coding === undefined) return reply.type(JSON_TYPE).send(body);
      return reply.type(JSON_TYPE).header('content-encoding', coding).send(compressed.get(body, coding));
    });

    return {
      connections: () => openSockets,
      // Poll sockets are idle keep-alives between requests; the server's connection sweep ends them.
      close: () => Promise.resolve(),
    };
  },
};
