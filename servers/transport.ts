/**
 * What a transport is: one file that registers its routes on the shared fastify instance,
 * receives every message once from the feed, and can count and close its connections.
 * The list of transports lives in transports.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TransportName } from './contract.js';
import type { Feed, FeedSink } from './feed.js';
import { ERROR, originAllowed, type Refusals } from './http-replies.js';
import type { ResolvedServerOptions } from './server-options.js';
import type { ServerStatsCollector } from './server-stats.js';

export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface TransportContext {
  readonly app: FastifyInstance;
  readonly feed: Feed;
  readonly stats: ServerStatsCollector;
  readonly options: ResolvedServerOptions;
  readonly refusals: Refusals;
  /** Claims HTTP upgrades for `path` (the server routes the http server's 'upgrade' event). */
  onUpgrade(path: string, handler: UpgradeHandler): void;
}

export interface TransportInstance {
  /** Fan-out of one message to every client of this transport; absent for pull-only transports. */
  readonly deliver?: FeedSink;
  /** Open connections, as `ServerStats.connections` defines them for this transport. */
  connections(): number;
  /**
   * Ends every stream cleanly (e.g. SSE end, WS close 1001, held polls answered `[]`), waits up
   * to `graceMs` for the peers, then destroys what is left.
   */
  close(graceMs: number): Promise<void>;
}

export interface TransportDefinition {
  readonly name: TransportName;
  create(context: TransportContext): TransportInstance;
}

/**
 * Resolves a parsed cursor for a route: absent means "from now" (the current head); a bad one
 * is answered 400 here and yields `undefined`.
 */
export function cursorOrRefuse(context: TransportContext, parsed: number | undefined | { reason: string }, reply: FastifyReply): number | undefined {
  if (typeof parsed === 'object') {
    context.refusals.reply(reply, 400, ERROR.badCursor, parsed.reason);
    return undefined;
  }
  return parsed ?? context.feed.head;
}

/** Applies the Origin allow-list to a fastify request; a refusal is answered 403 and yields false. */
export function originOrRefuse(context: TransportContext, request: FastifyRequest, reply: FastifyReply): boolean {
  if (originAllowed(context.options.allowedOrigins, request.headers.origin)) return true;
  context.refusals.reply(reply, 403, ERROR.forbiddenOrigin, `origin ${JSON.stringify(request.headers.origin)} is not in the allow-list`);
  return false;
}

/** Waits for every promise in `pending` (peers going away) or `graceMs`, whichever comes first. */
export function waitForAll(pending: Promise<unknown>[], graceMs: number): Promise<void> {
  if (pending.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, graceMs);
    void Promise.all(pending).then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Hands a route's response over to raw writes (held long-polls, SSE streams) keeping the headers
 * set on the fastify reply so far — the CORS grant and Vary set by the hooks — which fastify
 * would otherwise only write on reply.send().
 */
export function hijackKeepingHeaders(reply: FastifyReply): void {
  reply.hijack();
  const res = reply.raw;
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined && !res.headersSent) res.setHeader(name, value as string | number | string[]);
  }
}
