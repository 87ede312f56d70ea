/**
 * Real clients for the server tests: fetch for the polling transports, node:http + an
 * EventSource parser for SSE, the `ws` client for WebSocket. Every client is closed by the
 * test that opened it (or by `t.after`), so `node --test` exits.
 */
import http from 'node:http';
import type { TestContext } from 'node:test';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { WebSocket } from 'ws';
import { createWirebenchServer, type WirebenchServer, type WirebenchServerOptions } from '../../servers/server.js';

/** A server on 127.0.0.1:0 that is closed when the test ends. Defaults: no ticks, no heartbeats. */
export async function startServer(t: TestContext, options: WirebenchServerOptions = {}): Promise<WirebenchServer> {
  const server = await createWirebenchServer({ port: 0, rate: 0, heartbeatMs: 0, closeGraceMs: 200, ...options });
  t.after(() => server.close());
  return server;
}

export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Splits a JSON array body into its elements' exact texts (no parse + re-stringify, so the
 * comparison across transports is byte for byte).
 */
export function splitJsonArray(body: string): string[] {
  if (!body.startsWith('[') || !body.endsWith(']')) throw new Error(`not a JSON array: ${body.slice(0, 80)}`);
  const items: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 1;
  for (let i = 1; i < body.length - 1; i++) {
    const c = body[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      items.push(body.slice(start, i));
      start = i + 1;
    }
  }
  if (body.length > 2) items.push(body.slice(start, body.length - 1));
  return items;
}

export function seqOf(text: string): number {
  return (JSON.parse(text) as { seq: number }).seq;
}

/** Polls `path` (`/poll` or `/longpoll`) from `since` until `lastSeq` has arrived; returns the element texts. */
export async function pollUntil(url: string, path: '/poll' | '/longpoll', since: number, lastSeq: number, timeoutMs = 5_000): Promise<string[]> {
  const texts: string[] = [];
  let cursor = since;
  const deadline = Date.now() + timeoutMs;
  while (cursor < lastSeq) {
    if (Date.now() > deadline) throw new Error(`${path}: timed out at cursor ${cursor}`);
    const response = await fetch(`${url}${path}?since=${cursor}`);
    const items = splitJsonArray(await response.text());
    for (const item of items) {
      texts.push(item);
      const seq = (JSON.parse(item) as { seq?: number }).seq;
      if (seq !== undefined) cursor = seq;
    }
    if (path === '/poll' && items.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return texts;
}

/** An SSE client on node:http; events are parsed with eventsource-parser (WHATWG rules). */
export class SseClient {
  readonly events: EventSourceMessage[] = [];
  comments = 0;
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  private request: http.ClientRequest | undefined;
  ended = false;

  static async connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    await new Promise<void>((resolve, reject) => {
      const parser = createParser({
        onEvent: (event) => client.events.push(event),
        onComment: () => client.comments++,
      });
      client.request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
        client.status = response.statusCode ?? 0;
        client.headers = response.headers;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => parser.feed(chunk));
        response.on('end', () => (client.ended = true));
        response.on('error', () => (client.ended = true));
        resolve();
      });
      client.request.on('error', reject);
    });
    return client;
  }

  dataOfMessages(): string[] {
    return this.events.filter((e) => e.event === undefined).map((e) => e.data);
  }

  async waitForMessages(count: number): Promise<void> {
    await waitUntil(() => this.dataOfMessages().length >= count, `${count} SSE messages (have ${this.dataOfMessages().length})`);
  }

  close(): void {
    this.request?.destroy();
  }
}

/** A `ws` client that records text frames and how the connection ended. */
export class WsClient {
  readonly messages: string[] = [];
  closeCode: number | undefined;
  closeReason = '';
  readonly closed: Promise<void>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.messages.push(data.toString()));
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        resolve();
      }),
    );
    socket.on('error', () => {});
  }

  static async connect(url: string, options: { headers?: Record<string, string> } = {}): Promise<WsClient> {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), { perMessageDeflate: false, headers: options.headers ?? {} });
    const client = new WsClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
      socket.once('error', reject);
    });
    return client;
  }

  /** Frames that are feed messages (not gap signals). */
  feedMessages(): string[] {
    return this.messages.filter((m) => !m.startsWith('{"gap"'));
  }

  async waitForMessages(count: number): Promise<void> {
    await waitUntil(() => this.feedMessages().length >= count, `${count} WS messages (have ${this.feedMessages().length})`);
  }

  close(): void {
    this.socket.terminate();
  }
}

/** A refused upgrade's status and JSON body, read with a plain node:http request. */
export function upgradeRefusal(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, {
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
    });
    request.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
    });
    request.on('upgrade', (response, socket) => {
      socket.destroy();
      reject(new Error(`upgrade unexpectedly accepted (${response.statusCode})`));
    });
    request.on('error', reject);
  });
}

/** Monotonic-ish seq check: strictly 1 more each time, from `first` to `last`. */
export function assertConsecutive(seqs: number[], first: number, last: number): void {
  const expected = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  if (JSON.stringify(seqs) !== JSON.stringify(expected)) {
    throw new Error(`expected seqs ${first}..${last} in order, got ${JSON.stringify(seqs)}`);
  }
}
