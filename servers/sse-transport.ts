/**
 * Server-Sent Events (WHATWG HTML §9.2): `GET /sse`, one event per message
 * `id: <seq>\ndata: <text>\n\n`, a comment line as heartbeat. Resume from `Last-Event-ID`
 * (what an EventSource sends when it reconnects, §9.2.3) or `?since=N`; absent = from now.
 */
import type { ServerResponse } from 'node:http';
import type { Gzip } from 'node:zlib';
import { EPOCH_HEADER, ROUTES, parseCursor } from './contract.js';
import { negotiateCoding, sseCompressor, varyOnAcceptEncoding } from './http-compression.js';
import { cursorFromQuery, epochFromQuery } from './http-replies.js';
import type { PreparedMessage } from './history.js';
import { WriteStallWatch } from './write-stall-watch.js';
import { hijackKeepingHeaders, originOrRefuse, resumeOrRefuse, waitForAll, type TransportDefinition } from './transport.js';

/** A comment line (§9.2.6: lines starting with ':' are ignored) keeps proxies and NATs from idling the stream out. */
const HEARTBEAT = Buffer.from(':\n\n');

/**
 * The event for one message. The text is JSON, which never contains a raw newline, so it is
 * always one `data:` line.
 */
export function sseEvent(message: PreparedMessage): Buffer {
  return Buffer.from(`id: ${message.seq}\ndata: ${message.text}\n\n`);
}

export const sseTransport: TransportDefinition = {
  name: 'sse',
  create(context) {
    const { maxBufferedBytes, heartbeatMs, writeStallTimeoutMs, compression } = context.options;
    /** Open streams → the cursor they resumed from (a future cursor skips messages up to it). */
    const streams = new Map<ServerResponse, number>();
    /** The gzip stream of each compressed stream (sse-compressor: one per connection, as a gzip stream must be). */
    const compressors = new WeakMap<ServerResponse, Gzip>();
    function onStreamClose(this: ServerResponse): void {
      streams.delete(this);
      // Frees the compressor's zlib memory (~300 KB) with the stream.
      compressors.get(this)?.destroy();
    }
    /**
     * A frozen peer (see WriteStallWatch) is cut once its socket took nothing for
     * `writeStallTimeoutMs` while data waited: detection starts when the TCP buffers between us are
     * full, which a fast feed reaches in moments and a slow one may take hours to.
     */
    const stalls = new WriteStallWatch<ServerResponse>(writeStallTimeoutMs, () => streams.keys(), (res) => {
      streams.delete(res);
      context.stats.stalledDropped++;
      res.destroy();
    });

    /**
     * `writableLength` is what Node holds for this response beyond what the kernel took; past
     * the cap the client is not reading, and it is dropped rather than buffered without bound.
     */
    const write = (res: ServerResponse, chunk: Buffer): void => {
      const gzip = compressors.get(res);
      // A compressed stream also holds what waits in its compressor (its input, uncompressed).
      if (res.writableLength + (gzip?.writableLength ?? 0) + chunk.length > maxBufferedBytes) {
        streams.delete(res);
        context.stats.slowConsumersDropped++;
        res.destroy();
        return;
      }
      if (gzip === undefined) res.write(chunk);
      else gzip.write(chunk);
    };

    context.app.get(ROUTES.sse, (request, reply) => {
      if (!originOrRefuse(context, request, reply)) return reply;
      // Last-Event-ID wins over ?since: on reconnect the EventSource keeps its original URL but
      // sends the id of the last event it saw (§9.2.3), which is the newer cursor.
      const lastEventId = request.headers['last-event-id'];
      const parsed = typeof lastEventId === 'string' && lastEventId !== '' ? parseCursor(lastEventId) : cursorFromQuery(request.query);
      // The EventSource keeps its URL, so the epoch stays in the query across reconnects.
      const resume = resumeOrRefuse(context, parsed, epochFromQuery(request.query), reply);
      if (resume === undefined) return reply;
      const since = resume.since;

      hijackKeepingHeaders(reply);
      const res = reply.raw;
      const head: Record<string, string> = {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        // Tells nginx-style proxies not to buffer the stream.
        'x-accel-buffering': 'no',
      };
      if (!resume.named) head[EPOCH_HEADER] = context.feed.epoch;
      if (compression !== 'off') {
        head.vary = varyOnAcceptEncoding(res.getHeader('vary'));
        // gzip only, the stream coding every HTTP stack decodes incrementally (what the issue asks).
        if (negotiateCoding(compression, request.headers['accept-encoding'], ['gzip']) === 'gzip') {
          head['content-encoding'] = 'gzip';
          const gzip = sseCompressor(compression);
          compressors.set(res, gzip);
          gzip.pipe(res);
        }
      }
      res.writeHead(200, head);
      res.flushHeaders();
      streams.set(res, since);
      res.once('close', onStreamClose);

      // No `id:` on the signal events: they must not move the client's Last-Event-ID (§9.2.6).
      if (resume.reset) write(res, Buffer.from(`event: reset\ndata: ${JSON.stringify(resume.reset)}\n\n`));
      const { gap, messages } = context.feed.history.after(since);
      // No `id:` on the gap event: it must not move the client's Last-Event-ID (§9.2.6).
      if (gap !== undefined) write(res, Buffer.from(`event: gap\ndata: ${JSON.stringify(gap)}\n\n`));
      for (const message of messages) {
        if (!streams.has(res)) break;
        write(res, sseEvent(message));
      }
    });

    const heartbeat =
      heartbeatMs > 0
        ? setInterval(() => {
            for (const res of streams.keys()) write(res, HEARTBEAT);
          }, heartbeatMs)
        : undefined;

    return {
      deliver(message) {
        if (streams.size === 0) return;
        const event = sseEvent(message);
        for (const [res, since] of streams) {
          if (message.seq > since) write(res, event);
        }
      },
      connections: () => streams.size,
      async close(graceMs) {
        clearInterval(heartbeat);
        stalls.stop();
        const pending: Promise<unknown>[] = [];
        for (const res of streams.keys()) {
          pending.push(new Promise((resolve) => res.once('close', resolve)));
          // A compressed stream ends with its gzip trailer (pipe ends the response after it).
          const gzip = compressors.get(res);
          if (gzip === undefined) res.end();
          else gzip.end();
        }
        await waitForAll(pending, graceMs);
        for (const res of streams.keys()) res.destroy();
      },
    };
  },
};
