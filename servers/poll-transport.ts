/**
 * Short polling: `GET /poll?since=N` answers at once with every message after N (`[]` when
 * none). Connections are the keep-alive sockets that have issued a poll.
 */
import type { Socket } from 'node:net';
import { ROUTES } from './contract.js';
import { cursorFromQuery, JSON_TYPE } from './http-replies.js';
import { JsonArrayBodies } from './json-array-body.js';
import { cursorOrRefuse, type TransportDefinition } from './transport.js';

export const pollTransport: TransportDefinition = {
  name: 'poll',
  create(context) {
    const bodies = new JsonArrayBodies(context.feed.history);
    const sockets = new WeakSet<Socket>();
    let openSockets = 0;
    const onSocketClose = (): void => {
      openSockets--;
    };

    context.app.get(ROUTES.poll, (request, reply) => {
      const since = cursorOrRefuse(context, cursorFromQuery(request.query), reply);
      if (since === undefined) return reply;
      const socket = request.raw.socket;
      if (!sockets.has(socket)) {
        sockets.add(socket);
        openSockets++;
        socket.once('close', onSocketClose);
      }
      return reply.type(JSON_TYPE).send(bodies.after(since));
    });

    return {
      connections: () => openSockets,
      // Poll sockets are idle keep-alives between requests; the server's connection sweep ends them.
      close: () => Promise.resolve(),
    };
  },
};
