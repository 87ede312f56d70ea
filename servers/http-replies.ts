/**
 * Refusals, one shape everywhere: a 4xx with a JSON `ErrorBody` naming what was wrong — on a
 * fastify reply, or written raw on a socket whose upgrade was refused (no fastify reply exists
 * there). Every refusal is counted in /stats.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { parseCursor, type ErrorBody } from './contract.js';
import type { ServerStatsCollector } from './server-stats.js';

/** Machine-readable `error` values, one per kind of refusal. */
export const ERROR = {
  badCursor: 'bad-cursor',
  badRequest: 'bad-request',
  notFound: 'not-found',
  tooLarge: 'payload-too-large',
  mediaType: 'unsupported-media-type',
  upgradeRequired: 'upgrade-required',
  forbiddenOrigin: 'forbidden-origin',
  forbiddenHost: 'forbidden-host',
  requestTimeout: 'request-timeout',
  badOrigin: 'bad-origin',
  corsRefused: 'cors-preflight-refused',
  closing: 'server-closing',
  internal: 'internal-error',
} as const;

export const PAD_HEADER = 'X-Wirebench-Pad';
export const JSON_TYPE = 'application/json; charset=utf-8';

/** A JSON answer built from a value (bodies that are already bytes are sent as they are). */
export function sendJson(reply: FastifyReply, value: unknown, status = 200): FastifyReply {
  return reply.code(status).type(JSON_TYPE).send(JSON.stringify(value));
}

export class Refusals {
  constructor(
    private readonly stats: ServerStatsCollector,
    /** Extra headers on raw answers too (the pad header), as `Name: value\r\n` lines. */
    private readonly rawHeaderLines: string,
  ) {}

  /** Counts a refusal: 403s from the Origin allow-list separately, other 4xx as bad requests. */
  count(status: number, error: string): void {
    if (error === ERROR.forbiddenOrigin) this.stats.originRejected++;
    else if (status >= 400 && status < 500) this.stats.badRequests++;
  }

  reply(reply: FastifyReply, status: number, error: string, reason: string): FastifyReply {
    this.count(status, error);
    return sendJson(reply, { error, reason } satisfies ErrorBody, status);
  }

  /**
   * An HTTP answer on a socket that asked to upgrade: the handshake is refused with an ordinary
   * response (RFC 6455 §4.2.2: "If the server chooses not to accept the connection, it MUST
   * return an appropriate HTTP error code") and the connection is closed.
   */
  socket(socket: Duplex, status: number, error: string, reason: string): void {
    this.count(status, error);
    const body = JSON.stringify({ error, reason } satisfies ErrorBody);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
        'Connection: close\r\n' +
        `Content-Type: ${JSON_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        this.rawHeaderLines +
        `\r\n${body}`,
    );
  }
}

/**
 * `since` from a query string (fastify's parser yields an array when the key repeats, which is
 * as bad as a non-number). Returns the cursor, `undefined` when absent, or the reason it is bad.
 */
export function cursorFromQuery(query: unknown): number | undefined | { reason: string } {
  const raw = (query as Record<string, unknown> | undefined)?.since;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') return { reason: `since=${JSON.stringify(raw).slice(0, 40)} is not a non-negative integer (give it once)` };
  return parseCursor(raw);
}

/** `epoch` from a query string, as it came (checked by transport.ts `resolveResume`). */
export function epochFromQuery(query: unknown): unknown {
  return (query as Record<string, unknown> | undefined)?.epoch;
}

/**
 * The Origin allow-list. A request without `Origin` passes: browsers always send it on
 * WebSocket handshakes and cross-origin fetch/EventSource (RFC 6455 §4.1, WHATWG Fetch), so
 * its absence means a same-origin page or a non-browser client — not the cross-site page the
 * list exists to keep out.
 */
export function originAllowed(allowed: ReadonlySet<string>, origin: string | string[] | undefined): boolean {
  if (allowed.size === 0 || origin === undefined) return true;
  return typeof origin === 'string' && allowed.has(origin);
}

/** A serialized origin (RFC 6454 §6.2): scheme "://" host [":" port], nothing else. */
const SERIALIZED_ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s,@]+$/i;

/**
 * Why an Origin header cannot be read as one origin, or undefined when it is one (or absent, or
 * `null`, the opaque origin). Browsers send exactly one serialized origin (Fetch §3.1); a list
 * (RFC 6454 §7 allowed one) or a repeated header is refused rather than guessed at.
 */
export function malformedOrigin(request: IncomingMessage): string | undefined {
  const raw = request.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.length === 6 && raw[i]?.toLowerCase() === 'origin') count++;
  if (count > 1) return `${count} Origin headers: send exactly one origin`;
  const origin = request.headers.origin;
  if (origin === undefined || origin === 'null' || SERIALIZED_ORIGIN.test(origin)) return undefined;
  const shown = JSON.stringify(origin.slice(0, 80));
  const parts = origin.split(/[\s,]+/).filter((part) => part !== '');
  if (parts.length > 1 && parts.every((part) => SERIALIZED_ORIGIN.test(part))) return `Origin ${shown} lists ${parts.length} origins: send exactly one`;
  return `Origin ${shown} is not a serialized origin such as https://app.example.com`;
}
