/**
 * Short polling: `GET /poll?since=N` answers at once with every message after N (`[]` when
 * none). Connections are the keep-alive sockets that have issued a poll.
 */
import { EPOCH_HEADER, ROUTES } from './contract.js';
import { cursorFromQuery, epochFromQuery, JSON_TYPE } from './http-replies.js';
import { JsonArrayBodies } from './json-array-body.js';
import { connectionOf, mustStateEpoch, resumeOrRefuse, type ConnectionHandle, type TransportDefinition } from './transport.js';

export const pollTransport: TransportDefinition = {
  name: 'poll',
  create(context) {
    const bodies = new JsonArrayBodies(context.feed.history);
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
      return reply.type(JSON_TYPE).send(resume.reset ? bodies.afterReset(resume.reset) : bodies.after(resume.since));
    });

    return {
      connections: () => openSockets,
      // Poll sockets are idle keep-alives between requests; the server's connection sweep ends them.
      close: () => Promise.resolve(),
    };
  },
};
