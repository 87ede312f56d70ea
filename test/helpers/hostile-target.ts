/**
 * A hostile target for the hardening tests: a real server on 127.0.0.1:0 that speaks enough of
 * the wire contract for `bench --target` to start, and misbehaves in one chosen way — a /stats
 * or /healthz of another shape, an endless chunked body, an SSE line that never ends, a huge
 * WebSocket frame, a connection closed on accept. What wirebench does against it is the test.
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { createHistogram, encodeHistogram, recordUs } from '../../load/meter/histogram.js';
import { monotonicUs } from '../../servers/contract.js';

export type HealthzMode = 'ok' | 'seq-missing' | 'seq-string' | 'seq-negative' | 'endless' | 'not-json' | 'bad-after-first';
export type StatsMode = 'ok' | 'empty' | 'no-histogram' | 'bad-histogram' | 'cpu-null' | 'strings' | 'endless' | 'missing';
export type PollMode = 'ok' | 'endless-chunked' | 'huge-string' | 'seq-jump' | 'bad-fields';
export type SseMode = 'ok' | 'endless-line' | 'no-blank-line' | 'huge-retry';
export type WsMode = 'ok' | 'huge-frame';

export interface HostileOptions {
  healthz?: HealthzMode;
  stats?: StatsMode;
  poll?: PollMode;
  sse?: SseMode;
  ws?: WsMode;
  /** Every TCP connection is closed as soon as it is accepted (nothing else matters then). */
  closeOnAccept?: boolean;
}

export interface HostileTarget {
  readonly url: string;
  /** Bytes the target wrote in its endless / huge answers so far (proves it really sent them). */
  readonly hostileBytes: number;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 'x');

/** Writes CHUNK forever (as fast as the peer reads) until the peer goes away. */
function pour(stream: NodeJS.WritableStream & { destroyed?: boolean; writableEnded?: boolean }, piece: Buffer, onBytes: (n: number) => void): void {
  const write = (): void => {
    while (!stream.destroyed && !stream.writableEnded) {
      onBytes(piece.length);
      if (!stream.write(piece)) {
        stream.once('drain', write);
        return;
      }
    }
  };
  stream.on('error', () => undefined);
  write();
}

function validStats(seq: number, histogram: string): Record<string, unknown> {
  return {
    name: 'wirebench',
    nowUs: 0,
    uptimeMs: 1,
    connections: { poll: 0, longpoll: 0, sse: 0, ws: 0 },
    seq,
    published: { feed: seq, upstream: 0 },
    fanout: { count: 1, minUs: 1, meanUs: 1, p50Us: 1, p90Us: 1, p99Us: 1, maxUs: 1, histogram },
    cpu: { userUs: 1000 * seq, systemUs: 10 },
    rssBytes: 50_000_000,
    heapUsedBytes: 1,
    elu: 0.1,
    slowConsumersDropped: 0,
    badRequests: 0,
    originRejected: 0,
  };
}

export async function startHostileTarget(options: HostileOptions): Promise<HostileTarget> {
  let hostileBytes = 0;
  let healthzCalls = 0;
  const count = (n: number): void => void (hostileBytes += n);
  const startedUs = monotonicUs();
  // A feed of 10 messages a second (publish times on the shared monotonic clock), so a healthy
  // part of the target delivers something.
  const seq = (): number => Math.floor((monotonicUs() - startedUs) / 100_000);
  const messagesAfter = (since: number): string[] => {
    const out: string[] = [];
    for (let s = Math.max(since + 1, seq() - 50); s <= seq(); s++) out.push(JSON.stringify({ seq: s, ts: startedUs + s * 100_000, data: 'x'.repeat(64) }));
    return out;
  };
  const histogram = createHistogram();
  recordUs(histogram, 5);
  const encoded = encodeHistogram(histogram);

  const json = (res: http.ServerResponse, value: unknown): void => {
    const body = JSON.stringify(value);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const since = Number(url.searchParams.get('since') ?? '0');
    switch (url.pathname) {
      case '/healthz': {
        healthzCalls++;
        const mode = options.healthz ?? 'ok';
        const base = { ok: true, name: 'wirebench', transports: ['poll', 'longpoll', 'sse', 'ws'] };
        if (mode === 'ok' || (mode === 'bad-after-first' && healthzCalls === 1)) return json(res, { ...base, seq: seq() });
        if (mode === 'bad-after-first') return json(res, { ...base, seq: 1e300 });
        if (mode === 'seq-missing') return json(res, base);
        if (mode === 'seq-string') return json(res, { ...base, seq: '12 HTTP/1.1\r\nX-Injected: 1' });
        if (mode === 'seq-negative') return json(res, { ...base, seq: -5 });
        if (mode === 'not-json') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"ok":true,"name":"wirebench","pad":"');
        return pour(res, CHUNK, count);
      }
      case '/stats': {
        const mode = options.stats ?? 'ok';
        const good = validStats(seq(), encoded);
        if (mode === 'ok') return json(res, good);
        if (mode === 'empty') return json(res, {});
        if (mode === 'no-histogram') return json(res, { ...good, fanout: { count: 1 } });
        if (mode === 'bad-histogram') return json(res, { ...good, fanout: { histogram: 'bm90IGFuIGhkciBlbmNvZGluZw==' } });
        if (mode === 'cpu-null') return json(res, { ...good, cpu: null });
        if (mode === 'strings') return json(res, { ...good, rssBytes: 'lots', seq: '7' });
        if (mode === 'missing') return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"name":"wirebench","pad":"');
        return pour(res, CHUNK, count);
      }
      case '/poll':
      case '/longpoll': {
        const mode = options.poll ?? 'ok';
        if (mode === 'endless-chunked') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('[{"seq":1,"ts":0,"data":"');
          return pour(res, CHUNK, count);
        }
        if (mode === 'huge-string') {
          // A 200 MB string announced up front, sent as fast as it is read.
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': 200 * 1024 * 1024 });
          res.write('["');
          return pour(res, CHUNK, count);
        }
        if (mode === 'seq-jump' || mode === 'bad-fields') {
          // A seq 10^12 ahead (a tracker keeping a byte per seq would allocate a terabyte), or
          // fields of the wrong kind: a fractional seq, a negative one, a gap running backwards.
          const bad = mode === 'seq-jump'
            ? [{ seq: since + 1e12, ts: monotonicUs(), data: 'x' }]
            : [{ seq: since + 0.5, ts: monotonicUs(), data: 'x' }, { seq: -3, ts: 1, data: 'x' }, { gap: { from: 9, to: 2 } }];
          const body = JSON.stringify([...bad, ...messagesAfter(since).map((text) => JSON.parse(text) as unknown)]);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
          return;
        }
        const answer = (): void => {
          const body = `[${messagesAfter(since).join(',')}]`;
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
        };
        if (url.pathname === '/longpoll' && seq() <= since) setTimeout(answer, 150);
        else answer();
        return;
      }
      case '/sse': {
        const mode = options.sse ?? 'ok';
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
        if (mode === 'endless-line') {
          res.write('data: ');
          return pour(res, CHUNK, count);
        }
        if (mode === 'no-blank-line') return pour(res, Buffer.from(`data: ${'y'.repeat(100)}\n`.repeat(100)), count);
        if (mode === 'huge-retry') {
          // A reconnection time past Node's timer range, then the stream ends.
          res.end('retry: 99999999999\n\n');
          return;
        }
        let last = since;
        const timer = setInterval(() => {
          for (const text of messagesAfter(last)) {
            last = (JSON.parse(text) as { seq: number }).seq;
            res.write(`id: ${last}\ndata: ${text}\n\n`);
          }
        }, 100);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/publish':
        req.resume();
        return json(res, { seq: seq() });
      default:
        res.writeHead(404).end();
    }
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket: Duplex, head) => {
    socket.on('error', () => undefined);
    wss.handleUpgrade(req, socket, head, (ws) => {
      if ((options.ws ?? 'ok') === 'huge-frame') {
        // A text frame header announcing 99 MB (64-bit length), then the bytes, as fast as read.
        const header = Buffer.from([0x81, 127, 0, 0, 0, 0, 0x05, 0xe6, 0x9e, 0xc0]);
        const raw = (ws as unknown as { _socket: net.Socket })._socket;
        raw.write(header);
        pour(raw, CHUNK, count);
        return;
      }
      let last = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('since') ?? '0');
      const timer = setInterval(() => {
        for (const text of messagesAfter(last)) {
          last = (JSON.parse(text) as { seq: number }).seq;
          ws.send(text);
        }
      }, 100);
      ws.on('close', () => clearInterval(timer));
      ws.on('error', () => undefined);
    });
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    if (options.closeOnAccept) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get hostileBytes() {
      return hostileBytes;
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
