/**
 * Server hardening with real sockets: a POST body that never finishes is cut (408) while held
 * long-polls and SSE streams outlive the same deadline; the Host allow-list (DNS rebinding)
 * refuses foreign names on HTTP and on the WebSocket handshake with a reason, serves loopback
 * names, IP addresses, the bind host and --allow-host names.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { startServer } from './helpers/server-harness.js';

/** Writes `request` on a raw socket; resolves with everything the server sent until it closed, and when. */
function rawExchange(port: number, request: string, timeoutMs = 10_000): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.setEncoding('utf8').on('data', (s: string) => (text += s));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; got ${JSON.stringify(text.slice(0, 200))}`));
    }, timeoutMs);
  });
}

function get(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (s: string) => (body += s));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
}

test('a POST body that never finishes is cut with 408; held long-polls and SSE streams outlive the deadline (item 8)', async (t) => {
  const server = await startServer(t, { requestTimeoutMs: 1000, holdMs: 2500, heartbeatMs: 500 });
  const slow = await rawExchange(
    server.port,
    'POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"data":"x',
  );
  assert.match(slow.text, /^HTTP\/1\.1 408 /);
  assert.match(slow.text, /"error":"request-timeout".*did not arrive within 1000 ms/);
  assert.ok(slow.closedAfterMs >= 900 && slow.closedAfterMs < 5000, `closed after ${slow.closedAfterMs} ms`);

  // A held long-poll (2.5 s) answers normally after the 1 s request deadline.
  const started = Date.now();
  const held = await get(server.port, `/longpoll?since=${server.healthz().seq}`, `127.0.0.1:${server.port}`);
  assert.equal(held.status, 200);
  assert.equal(held.body, '[]');
  assert.ok(Date.now() - started >= 2000, 'held for the whole hold');

  // An SSE stream keeps receiving heartbeats past the deadline.
  const heartbeats = await new Promise<number>((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port: server.port, path: '/sse', headers: { accept: 'text/event-stream' }, agent: false }, (response) => {
      let count = 0;
      response.setEncoding('utf8').on('data', (s: string) => (count += (s.match(/^:/gm) ?? []).length));
      setTimeout(() => {
        request.destroy();
        resolve(count);
      }, 2500);
    });
    request.on('error', reject);
  });
  assert.ok(heartbeats >= 3, `the stream lived past 1 s (${heartbeats} heartbeats)`);
  assert.ok(server.stats().badRequests >= 1, 'the 408 is counted');
});

test('Host allow-list: foreign names refused on HTTP (403) and WebSocket, loopback / IP / bind host / --allow-host served (item 11)', async (t) => {
  const server = await startServer(t, { allowedHosts: ['bench.example'] });
  const port = server.port;
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'app.localhost', `[::1]:${port}`, '10.1.2.3', 'BENCH.example:99']) {
    const answer = await get(port, '/healthz', host);
    assert.equal(answer.status, 200, `${host}: ${answer.body}`);
  }
  const refused = await get(port, '/healthz', `evil.example:${port}`);
  assert.equal(refused.status, 403);
  const body = JSON.parse(refused.body) as { error: string; reason: string };
  assert.equal(body.error, 'forbidden-host');
  assert.match(body.reason, /Host "evil\.example" is not allowed \(DNS rebinding protection\).*--allow-host evil\.example/);
  for (const path of ['/poll?since=0', '/sse', '/stats']) assert.equal((await get(port, path, 'evil.example')).status, 403, path);

  // The WebSocket handshake under a foreign name is refused with the same reason.
  const handshake = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { host: 'evil.example' } });
    ws.on('unexpected-response', (_request, response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (s: string) => (text += s));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    ws.on('open', () => reject(new Error('the handshake was accepted')));
    ws.on('error', () => undefined);
  });
  assert.equal(handshake.status, 403);
  assert.match(handshake.body, /forbidden-host/);
  const allowed = new WebSocket(`ws://localhost:${port}/ws`);
  await new Promise<void>((resolve, reject) => {
    allowed.on('open', () => resolve());
    allowed.on('error', reject);
  });
  allowed.close();
  assert.ok(server.stats().badRequests >= 5, 'refusals are counted');
});

test('a server bound to a name, and * allowing any host', async (t) => {
  const named = await startServer(t, { host: 'localhost' });
  assert.equal((await get(named.port, '/healthz', 'localhost')).status, 200);
  const open = await startServer(t, { allowedHosts: ['*'] });
  assert.equal((await get(open.port, '/healthz', 'anything.example')).status, 200);
});

test('a header bomb is 431, headers trickled forever (slowloris) are cut at the request timeout, an RST storm leaves the server serving', async (t) => {
  const server = await startServer(t, { requestTimeoutMs: 1000 });
  const bomb = await rawExchange(server.port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bomb: ${'b'.repeat(64 * 1024)}\r\n\r\n`);
  assert.match(bomb.text, /^HTTP\/1\.1 431 /);

  // Slowloris: one header line every 200 ms, never the blank line.
  const loris = await new Promise<{ text: string; closedAfterMs: number }>((resolve) => {
    const started = Date.now();
    const socket = net.connect(server.port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
    let text = '';
    const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 200);
    socket.setEncoding('utf8').on('data', (s: string) => (text += s));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(drip);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
  });
  assert.match(loris.text, /^HTTP\/1\.1 408 /);
  assert.ok(loris.closedAfterMs < 5000, `cut after ${loris.closedAfterMs} ms`);

  // 200 connections reset mid-request (half a head, then RST), on every transport's route.
  const routes = ['/poll?since=0', '/longpoll?since=0', '/sse', '/ws'];
  await Promise.all(
    Array.from({ length: 200 }, (_, i) => new Promise<void>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => {
        socket.write(`GET ${routes[i % routes.length]} HTTP/1.1\r\nHost: 127.0.0.1\r\n${i % 8 === 3 ? 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n' : ''}`);
        setTimeout(() => socket.resetAndDestroy(), i % 5);
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
    })),
  );
  const after = await get(server.port, '/healthz', '127.0.0.1');
  assert.equal(after.status, 200, 'still serving after the storm');
});
