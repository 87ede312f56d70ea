/**
 * `POST /publish` (the HTTP transports' upstream): a PublishRequest body becomes the next feed
 * message; the answer is `{"seq":N}`. Registered whatever the transports.
 */
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

  app.post(ROUTES.publish, (request, reply) => {
    if (!originOrRefuse(context, request, reply)) return reply;
    const parsed = typeof request.body === 'string' ? parsePublishRequest(request.body) : { reason: 'empty body: send {"data": "<text>", "sent": <µs, optional>}' };
    if ('reason' in parsed) return context.refusals.reply(reply, 400, ERROR.badRequest, parsed.reason);
    const seq = context.feed.publishUpstream(parsed.data, parsed.sent);
    if (seq === undefined) return context.refusals.reply(reply, 503, ERROR.closing, 'server is shutting down: the feed was handed over');
    const response: PublishResponse = { seq };
    return sendJson(reply, response);
  });
}
