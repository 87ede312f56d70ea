/**
 * HTTP body compression of the polling transports and the SSE stream, when the server's
 * `compression` is not `off`: the coding is negotiated from the request's Accept-Encoding
 * (RFC 9110 §12.5.3), br preferred over gzip, identity when neither is accepted. With compression
 * `off` nothing here runs and no Vary or Content-Encoding goes out, so the default's bytes do not move.
 *
 * Why node:zlib and not @fastify/compress: long-poll answers and SSE streams are written on the
 * raw response (hijacked), which the plugin does not see; and poll bodies are shared by every
 * client of a cursor, so their compressed forms are cached with them (one compression per body,
 * not one per request).
 */
import zlib from 'node:zlib';
import type { IncomingHttpHeaders } from 'node:http';
import { CONTENT_CODINGS, type Compression, type ContentCoding } from './contract.js';

/**
 * The coding to answer with: the first of `offered` (br, gzip) the request accepts (q > 0, or
 * `*`), else none. Compression `off` never compresses.
 */
export function negotiateCoding(
  compression: Compression,
  acceptEncoding: IncomingHttpHeaders['accept-encoding'],
  offered: readonly ContentCoding[] = CONTENT_CODINGS,
): ContentCoding | undefined {
  if (compression === 'off' || acceptEncoding === undefined) return undefined;
  const accepted = new Map<string, number>();
  for (const item of (Array.isArray(acceptEncoding) ? acceptEncoding.join(',') : acceptEncoding).split(',')) {
    const [name = '', ...params] = item.trim().toLowerCase().split(';');
    if (name === '') continue;
    const q = params.map((param) => /^\s*q=([0-9.]+)\s*$/.exec(param)?.[1]).find((value) => value !== undefined);
    accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const allows = (coding: string): boolean => (accepted.get(coding) ?? accepted.get('*') ?? 0) > 0;
  return offered.find(allows);
}

/**
 * Brotli quality 5: within a few percent of quality 11 on feed-sized JSON at a small fraction of
 * its CPU (quality 11 is meant for static assets compressed once).
 */
const BROTLI_QUALITY = 5;

/** A whole body compressed (a poll or long-poll answer). */
export function compressBody(body: Buffer, coding: ContentCoding): Buffer {
  return coding === 'br'
    ? zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } })
    : zlib.gzipSync(body);
}

/**
 * Compressed forms of bodies that are shared (JsonArrayBodies hands every client of a cursor the
 * same Buffer): each is compressed once per coding, and forgotten with the body.
 */
export class CompressedBodies {
  private readonly cache = new WeakMap<Buffer, Partial<Record<ContentCoding, Buffer>>>();

  get(body: Buffer, coding: ContentCoding): Buffer {
    let forms = this.cache.get(body);
    if (forms === undefined) this.cache.set(body, (forms = {}));
    return (forms[coding] ??= compressBody(body, coding));
  }
}

/**
 * The SSE stream's compressor: one gzip stream per connection, flushed after every write (one
 * event, one heartbeat), so an event leaves at once rather than when a deflate block fills — the
 * latency of a compressed stream is the same as of a plain one. `on`: a sync flush, the
 * dictionary spans the stream (context takeover); `no-context-takeover`: a full flush, which
 * resets the dictionary so each event is compressed on its own.
 */
export function sseCompressor(compression: Exclude<Compression, 'off'>): zlib.Gzip {
  return zlib.createGzip({ flush: compression === 'on' ? zlib.constants.Z_SYNC_FLUSH : zlib.constants.Z_FULL_FLUSH });
}

/** `Vary: Accept-Encoding` added to what the response has (CORS may have set `Vary: Origin`). */
export function varyOnAcceptEncoding(current: number | string | string[] | undefined): string {
  const listed = current === undefined ? '' : Array.isArray(current) ? current.join(', ') : String(current);
  return listed === '' ? 'Accept-Encoding' : /(^|,)\s*accept-encoding\s*(,|$)/i.test(listed) ? listed : `${listed}, Accept-Encoding`;
}
