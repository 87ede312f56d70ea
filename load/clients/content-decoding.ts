/**
 * Decoding of compressed HTTP answers (Content-Encoding, RFC 9110 §8.4) as a browser decodes
 * them: whole poll / long-poll bodies, and the SSE stream as it arrives. The meter counts the
 * socket's bytes (compressed); the client reads the decoded text.
 *
 * A target is untrusted: what a body inflates to is capped by the client's limits
 * (client-limits.ts) while it inflates (zlib's maxOutputLength; the SSE parser's line and event
 * caps on every inflated piece), so a decompression bomb costs a bounded amount of memory and ends
 * as a named error kind.
 */
import zlib from 'node:zlib';
import { LIMIT_ERROR } from './client-limits.js';
import type { FixedClientErrorKind } from './client-errors.js';

/** Error kinds of decoding (counted in the step's errors). */
export const DECODE_ERROR = {
  /** A coding this client does not decode (e.g. zstd from a third-party target). */
  unsupported: 'content_encoding_unsupported',
  /** The body is not valid in its coding. */
  corrupt: 'content_decode_error',
} as const satisfies Record<string, FixedClientErrorKind>;

/** What a Content-Encoding header asks for: undefined for none / identity, else the coding, lower-case. */
export function contentCoding(value: string | undefined): string | undefined {
  const coding = value?.trim().toLowerCase();
  return coding === undefined || coding === '' || coding === 'identity' ? undefined : coding;
}

/**
 * A whole body in `coding`, decoded, at most `maxBytes` of it: the decoded body, or the error
 * kind (LIMIT_ERROR.inflated past the cap, DECODE_ERROR otherwise).
 */
export function decodeBody(body: Buffer, coding: string, maxBytes: number): Buffer | { error: FixedClientErrorKind } {
  const options = { maxOutputLength: Math.max(1, maxBytes), finishFlush: zlib.constants.Z_SYNC_FLUSH };
  try {
    if (coding === 'gzip' || coding === 'x-gzip') return zlib.gunzipSync(body, options);
    if (coding === 'br') return zlib.brotliDecompressSync(body, { maxOutputLength: options.maxOutputLength });
    if (coding === 'deflate') return zlib.inflateSync(body, options);
  } catch (error) {
    return { error: (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' ? LIMIT_ERROR.inflated : DECODE_ERROR.corrupt };
  }
  return { error: DECODE_ERROR.unsupported };
}

/**
 * A stream decoder for `coding` (an SSE stream), or undefined when this client does not decode
 * it. Every write is decoded up to its last byte (a sync flush), as the server flushes every event.
 */
export function streamDecoder(coding: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  if (coding === 'gzip' || coding === 'x-gzip') return zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH });
  if (coding === 'deflate') return zlib.createInflate({ flush: zlib.constants.Z_SYNC_FLUSH });
  if (coding === 'br') return zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH });
  return undefined;
}
