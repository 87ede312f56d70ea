/**
 * CORS for the HTTP transports (poll, long-poll, SSE) and `POST /publish`, driven by the one
 * Origin allow-list that also guards the WebSocket handshake (README, "The wire contract").
 *
 * The grant itself — `Access-Control-Allow-Origin` echoing an allowed origin with `Vary: Origin`,
 * `Access-Control-Allow-Credentials`, and the preflight's `Access-Control-Allow-Methods` /
 * `-Headers` / `-Max-Age` answered with 204 — is @fastify/cors's. Its hook accepts every preflight
 * and reflects nothing about what was asked, so a guard registered before it refuses, with our
 * JSON reason and a count in /stats, what a browser would fail on anyway and a client should be
 * told about: a malformed or repeated Origin, a preflight from an origin not on the list, for a
 * route that does not exist, or asking for a method or headers the route does not allow.
 *
 * An empty allow-list keeps the old meaning (no Origin check) and grants no cross-origin access:
 * the server serves same-origin pages and non-browser clients; preflights are refused.
 */
import type { FastifyReply } from 'fastify';
import fastifyCors from '@fastify/cors';
import { ROUTES } from './contract.js';
import { ERROR, malformedOrigin } from './http-replies.js';
import type { TransportContext } from './transport.js';

/**
 * Request headers a cross-origin page may send: Authorization (apps authenticate fetches with a
 * bearer token), Content-Type (a JSON POST to /publish), Last-Event-ID (EventSource on reconnect).
 */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Last-Event-ID'] as const;

/** Which method each route answers, for preflights (`Access-Control-Request-Method`). */
function routeMethods(context: TransportContext): Map<string, string> {
  const methods = new Map<string, string>([
    [ROUTES.publish, 'POST'],
    [ROUTES.healthz, 'GET'],
    [ROUTES.stats, 'GET'],
  ]);
  for (const name of context.options.transports) if (name !== 'ws') methods.set(ROUTES[name], 'GET');
  return methods;
}

/** Registers the guard and @fastify/cors on the server's root instance. */
export function registerCors(context: TransportContext): void {
  const { app, options, refusals, stats } = context;
  const methods = routeMethods(context);
  const allowedHeaders = new Set(CORS_ALLOWED_HEADERS.map((name) => name.toLowerCase()));
  const listed = [...options.allowedOrigins];
  const refuse = (reply: FastifyReply, status: number, error: string, reason: string): void => {
    refusals.reply(reply, status, error, reason);
  };

  // Added directly on the root before the plugin registers, so it runs before its onRequest hook.
  app.addHook('onRequest', (request, reply, done) => {
    const bad = malformedOrigin(request.raw);
    if (bad !== undefined) return refuse(reply, 400, ERROR.badOrigin, bad);
    if (request.raw.method !== 'OPTIONS') return done();

    const path = request.url.split('?')[0] ?? '/';
    const origin = request.headers.origin;
    const wanted = request.headers['access-control-request-method'];
    if (origin === undefined || typeof wanted !== 'string' || wanted === '') {
      return refuse(reply, 400, ERROR.badRequest, 'OPTIONS is only answered as a CORS preflight: send Origin and Access-Control-Request-Method');
    }
    const method = methods.get(path);
    if (method === undefined) return refuse(reply, 404, ERROR.notFound, `no route ${path} to preflight: this server answers ${[...methods.keys()].join(', ')}`);
    if (listed.length === 0) {
      return refuse(reply, 403, ERROR.forbiddenOrigin, `origin ${JSON.stringify(origin)} is not allowed: this server grants no cross-origin access (start it with --origin)`);
    }
    if (!options.allowedOrigins.has(origin)) return refuse(reply, 403, ERROR.forbiddenOrigin, `origin ${JSON.stringify(origin)} is not in the allow-list`);
    if (wanted !== method) return refuse(reply, 403, ERROR.corsRefused, `${path} does not allow method ${JSON.stringify(wanted.slice(0, 40))}: it answers ${method}`);
    const asked = request.headers['access-control-request-headers'];
    for (const name of typeof asked === 'string' ? asked.split(',') : []) {
      const header = name.trim().toLowerCase();
      if (header !== '' && !allowedHeaders.has(header)) {
        return refuse(reply, 403, ERROR.corsRefused, `request header ${JSON.stringify(header.slice(0, 60))} is not allowed: use only ${CORS_ALLOWED_HEADERS.join(', ')} beyond the CORS-safelisted ones`);
      }
    }
    stats.corsPreflights++;
    done();
  });

  void app.register(fastifyCors, {
    // An array (not a function): the plugin echoes a listed origin and always sends Vary: Origin.
    origin: listed.length > 0 ? listed : false,
    methods: [...new Set(methods.values())].sort(),
    allowedHeaders: [...CORS_ALLOWED_HEADERS],
    credentials: options.corsCredentials,
    maxAge: options.corsMaxAgeSeconds,
    strictPreflight: true,
  });
}
