/**
 * `POST /publish` (the HTTP transports' upstream): a PublishRequest body becomes the next feed
 * message; the answer is `{"seq":N}`. Registered whatever the transports.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ROUTES, type PublishResponse } from './contract.js';
import { ERROR, sendJson } from './http-replies.js';
import { parsePublishRequest } from './publish-request.js';
import { originOrRefuse, type TransportContext } from './transport.js';

export function registerPublishRoute(context: TransportContext): void {
  const { app } = context;
  // The body is read as text whatever its Content-Type (clients differ: fetch sends text/plain
  // for a string body) and parsed here, so a bad body gets our reason, not a parser's.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: context.options.publishLimitBytes }, (_request, body, done) => {
    done(null, body);
  });

  // A compressed body is refused before it is read (415, RFC 9110 §15.5.16): a PublishRequest is a
  // few hundred bytes, so inflating one buys nothing and would open the door to a gzip bomb (a
  // body under the limit that inflates to gigabytes). Refused whatever the server's compression.
  const refuseCompressed = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    const coding = request.headers['content-encoding'];
    if (coding === undefined || coding.trim().toLowerCase() === 'identity') return done();
    context.refusals.reply(reply, 415, ERROR.mediaType, `Content-Encoding ${JSON.stringify(coding.slice(0, 40))} is not accepted on ${ROUTES.publish}: send the PublishRequest uncompressed`);
  };

  app.post(ROUTES.publish, { onRequest: refuseCompressed }, (request, reply) => {
    if (!originOrRefuse(context, request, reply)) return reply;
    const parsed = typeof request.body === 'string' ? parsePublishRequest(request.body) : { reason: 'empty body: send {"data": "<text>", "sent": <µs, optional>}' };
    if ('reason' in parsed) return context.refusals.reply(reply, 400, ERROR.badRequest, parsed.reason);
    const seq = context.feed.publishUpstream(parsed.data, parsed.sent);
    if (seq === undefined) return context.refusals.reply(reply, 503, ERROR.closing, 'server is shutting down: the feed was handed over');
    const response: PublishResponse = { seq };
    return sendJson(reply, response);
  });
}
