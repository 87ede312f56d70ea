/**
 * What a transport is: one file that registers its routes on the shared fastify instance,
 * receives every message once from the feed, and can count and close its connections.
 * The list of transports lives in transports.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseEpoch, type ResetSignal, type TransportName } from './contract.js';
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

/** Where a request resumes, after the stream identity check (contract.ts `ResetSignal`). */
export interface Resume {
  /** Serve messages after this seq. */
  since: number;
  /** Set when the cursor named another epoch or lay ahead of the head: the client must hear it first. */
  reset: ResetSignal | undefined;
  /** The request named this server's epoch, so the answer need not state it. */
  named: boolean;
}

/**
 * The one resume rule for every transport: no cursor means "from now" (the head); a cursor
 * from another epoch, or ahead of the head, gets the reset signal and is served from the start
 * of this epoch; anything else resumes where it says. Bad values yield `{ reason }`.
 */
export function resolveResume(feed: Feed, cursor: number | undefined | { reason: string }, rawEpoch: unknown): Resume | { reason: string } {
  if (typeof cursor === 'object') return cursor;
  const epoch = parseEpoch(rawEpoch);
  if (typeof epoch === 'object') return epoch;
  const named = epoch === feed.epoch;
  if (cursor === undefined) return { since: feed.head, reset: undefined, named };
  if ((epoch !== undefined && !named) || cursor > feed.head) {
    return { since: 0, reset: { epoch: feed.epoch, head: feed.head }, named: false };
  }
  return { since: cursor, reset: undefined, named };
}

/** {@link resolveResume} for a fastify route: a bad cursor or epoch is answered 400 here and yields `undefined`. */
export function resumeOrRefuse(context: TransportContext, cursor: number | undefined | { reason: string }, rawEpoch: unknown, reply: FastifyReply): Resume | undefined {
  const resume = resolveResume(context.feed, cursor, rawEpoch);
  if ('reason' in resume) {
    context.refusals.reply(reply, 400, ERROR.badCursor, resume.reason);
    return undefined;
  }
  return resume;
}

/** What a connection is to the transports: something that closes once (a socket, an HTTP/2 session). */
export interface ConnectionHandle {
  once(event: 'close', listener: () => void): unknown;
}

/**
 * The connection a request came on: its TCP (or TLS) socket over HTTP/1.1; over HTTP/2 its
 * session, which the streams of one connection share (the compatibility API's `request.socket` is
 * a new proxy per stream, so it cannot tell connections apart).
 */
export function connectionOf(request: IncomingMessage): ConnectionHandle {
  const session = (request as unknown as { stream?: { session?: ConnectionHandle } }).stream?.session;
  return session ?? request.socket;
}

/** An answer on an HTTP/2 stream (the compatibility API's response), where connection-level headers and sockets do not apply. */
export function isHttp2Response(res: object): boolean {
  return 'stream' in res;
}

/**
 * Whether an answer on this keep-alive connection must state the epoch (contract.ts
 * `EPOCH_HEADER`): once per connection, unless the request named it.
 */
export function mustStateEpoch(told: WeakSet<object>, socket: object, named: boolean): boolean {
  if (told.has(socket)) return false;
  told.add(socket);
  return !named;
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
