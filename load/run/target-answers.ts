/**
 * Reading a target's /healthz and /stats. Both are untrusted input (docs/reliability.md): the answer is read with a size cap and a deadline, parsed, and checked against the
 * shape the wire contract documents (servers/contract.ts) before any of it is used. Every way
 * it can be wrong becomes a {@link TargetAnswerError} with one short line saying what was wrong.
 *
 * Why node:http and not fetch: a fetch whose body never ends cannot be capped without reading it
 * through a stream reader by hand, and its abort timer does not keep the process alive — a target
 * that closes every connection left bench with an unsettled promise and exit code 13.
 */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ROUTES } from '../../servers/contract.js';
import { HEALTHZ_MAX_BYTES, STATS_MAX_BYTES } from '../clients/client-limits.js';
import { speaksH2c, tlsFor } from '../clients/tls-trust.js';

/** Longest a /healthz or /stats answer may take, ms. */
export const PROBE_TIMEOUT_MS = 5_000;
/** Characters of a target's own text (an error, a bad value) quoted in a line. */
const QUOTE_CHARS = 80;

/**
 * Why a target's answer (/healthz, /stats) was refused: no answer (`unreachable`), none in time,
 * over its size cap, not JSON, not the contract's shape.
 */
export const TARGET_ANSWER_ERROR_KINDS = ['unreachable', 'timeout', 'too_large', 'not_json', 'bad_shape'] as const;

/** A refused answer's kind: one of {@link TARGET_ANSWER_ERROR_KINDS}, or `http_<status>` for a status other than 200. */
export type TargetAnswerErrorKind = (typeof TARGET_ANSWER_ERROR_KINDS)[number] | `http_${number}`;

export class TargetAnswerError extends Error {
  constructor(
    readonly kind: TargetAnswerErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'TargetAnswerError';
  }
}

const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const NonNegative = Type.Number({ minimum: 0 });

/** `GET /healthz` as the contract documents it (extra fields are allowed). */
export const HealthzSchema = Type.Object({
  name: Type.Literal('wirebench'),
  /** The head seq: the step's cursor, written into every request line — so a safe integer. */
  seq: Count,
  /** Stream identity (optional in the contract); named in request lines, so its characters are checked. */
  epoch: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
  /** The server's clock, µs (optional in the contract): the clock-offset probes read it. */
  nowUs: Type.Optional(Type.Number({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
});
export type CheckedHealthz = Static<typeof HealthzSchema>;

/** The parts of `GET /stats` that server figures are computed from. */
export const StatsSchema = Type.Object({
  seq: Count,
  epoch: Type.Optional(Type.String({ maxLength: 64 })),
  connections: Type.Record(Type.String(), NonNegative),
  fanout: Type.Object({ histogram: Type.String({ maxLength: STATS_MAX_BYTES }) }),
  cpu: Type.Object({ userUs: NonNegative, systemUs: NonNegative }),
  rssBytes: NonNegative,
  elu: Type.Number({ minimum: 0, maximum: 1 }),
  slowConsumersDropped: Count,
  heartbeatTimeouts: Type.Optional(Count),
  stalledDropped: Type.Optional(Count),
  idleDropped: Type.Optional(Count),
  connectionsReset: Type.Optional(Count),
  pingFloodDropped: Type.Optional(Count),
  /** Optional memory fields (memory per connection is read from them when `gc` is true). */
  heapUsedBytes: Type.Optional(NonNegative),
  externalBytes: Type.Optional(NonNegative),
  gc: Type.Optional(Type.Boolean()),
});
export type CheckedStats = Static<typeof StatsSchema>;

/** Cuts a target's text to a length fit for one line, with JSON quoting (no raw control characters). */
export function quoteClipped(text: string, chars = QUOTE_CHARS): string {
  return JSON.stringify(text.length > chars ? `${text.slice(0, chars)}…` : text);
}

/** GET `url`, at most `maxBytes` of body, within `timeoutMs`; resolves with the status and the body. */
export function getBounded(url: string, maxBytes: number, timeoutMs = PROBE_TIMEOUT_MS, agent: http.Agent | false = false): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const fail = (kind: TargetAnswerErrorKind, why: string) => {
      clearTimeout(timer);
      request.destroy();
      reject(new TargetAnswerError(kind, why));
    };
    const onResponse = (statusCode: number, contentLength: unknown, response: Readable): void => {
      const declared = Number(contentLength);
      if (declared > maxBytes) return fail('too_large', `answered ${declared} bytes, over the ${maxBytes}-byte cap`);
      const pieces: Buffer[] = [];
      let bytes = 0;
      response.on('data', (piece: Buffer) => {
        bytes += piece.length;
        if (bytes > maxBytes) fail('too_large', `answered more than the ${maxBytes}-byte cap`);
        else pieces.push(piece);
      });
      response.on('end', () => {
        clearTimeout(timer);
        request.destroy();
        resolve({ status: statusCode, body: Buffer.concat(pieces) });
      });
      response.on('error', (error: NodeJS.ErrnoException) => fail('unreachable', `the answer broke off (${error.code ?? 'connection lost'})`));
    };
    const onError = (error: NodeJS.ErrnoException): void => fail('unreachable', `no answer (${error.code ?? 'connection failed'})`);
    const request = speaksH2c(url) ? h2cGet(url, onResponse, onError) : http1Get(url, agent, onResponse, onError);
    // A ref'd timer: the process stays alive to report the failure.
    const timer = setTimeout(() => fail('timeout', `no complete answer within ${timeoutMs / 1000} s`), timeoutMs);
  });
}

type OnResponse = (statusCode: number, contentLength: unknown, body: Readable) => void;

/** GET over HTTP/1.1, TLS as the runner set it for the origin (tls-trust.ts). */
function http1Get(url: string, agent: http.Agent | false, onResponse: OnResponse, onError: (error: NodeJS.ErrnoException) => void): { destroy(): void } {
  const secure = tlsFor(url);
  const get = secure === undefined ? http.get : https.get;
  const tlsOptions = secure === undefined ? {} : { rejectUnauthorized: secure.verify, ...(secure.ca === undefined ? {} : { ca: secure.ca }) };
  const request = get(url, { agent, headers: { accept: 'application/json' }, ...tlsOptions }, (response) => onResponse(response.statusCode ?? 0, response.headers['content-length'], response));
  request.on('error', onError);
  return { destroy: () => request.destroy() };
}

/** GET over cleartext HTTP/2 with prior knowledge: an h2c server answers nothing else. */
function h2cGet(url: string, onResponse: OnResponse, onError: (error: NodeJS.ErrnoException) => void): { destroy(): void } {
  const parsed = new URL(url);
  const session = http2.connect(parsed.origin);
  session.on('error', onError);
  const stream = session.request({ ':path': parsed.pathname + parsed.search, accept: 'application/json' });
  stream.on('error', onError);
  stream.on('response', (headers) => onResponse(Number(headers[':status'] ?? 0), headers['content-length'], stream));
  stream.end();
  return { destroy: () => session.destroy() };
}

async function getChecked<S extends TSchema>(url: string, schema: S, maxBytes: number, agent: http.Agent | false = false): Promise<Static<S>> {
  const { status, body } = await getBounded(url, maxBytes, PROBE_TIMEOUT_MS, agent);
  if (status !== 200) throw new TargetAnswerError(`http_${status}`, `answered HTTP ${status}`);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new TargetAnswerError('not_json', `answered ${quoteClipped(body.toString('utf8', 0, 200))}, not JSON`);
  }
  if (!Value.Check(schema, value)) {
    const first = Value.Errors(schema, value).First();
    const shown = first === undefined ? '' : ` (${first.path || '/'}: ${first.message}, got ${quoteClipped(String(JSON.stringify(first.value)))})`;
    throw new TargetAnswerError('bad_shape', `answered JSON that is not what the wire contract documents${shown}`);
  }
  return value;
}

/** The target's /healthz, checked; throws TargetAnswerError. `agent`: a keep-alive one for clock probes. */
export function getHealthz(baseUrl: string, agent: http.Agent | false = false): Promise<CheckedHealthz> {
  return getChecked(new URL(ROUTES.healthz, baseUrl).href, HealthzSchema, HEALTHZ_MAX_BYTES, agent);
}

/**
 * The target's /stats, checked; throws TargetAnswerError. `gc`: ask for the snapshot after a full
 * GC (`?gc=1`); the answer's `gc` says whether the server did one.
 */
export function getStats(baseUrl: string, { gc = false } = {}): Promise<CheckedStats> {
  const url = new URL(ROUTES.stats, baseUrl);
  if (gc) url.searchParams.set('gc', '1');
  return getChecked(url.href, StatsSchema, STATS_MAX_BYTES);
}
