/**
 * The server side of the drop fault (servers/connection-dropper.ts): on command the server resets
 * its client connections with a TCP RST — clients see an abnormal close, never a clean one —
 * counts each in /stats, and spares the control connection reading /stats. Real server, real
 * WebSocket clients and a raw keep-alive HTTP connection on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { startServer, waitUntil } from './helpers/server-harness.js';

/** A raw keep-alive connection asking GET /stats; resolves with the status line of each answer. */
function statsConnection(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let buffered = '';
  let errored: Error | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (buffered += chunk));
  socket.on('error', (error) => (errored = error));
  return {
    async ask(): Promise<void> {
      buffered = '';
      socket.write('GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await waitUntil(() => errored !== undefined || /\r\n\r\n[\s\S]*\}$/.test(buffered), 'a /stats answer');
      if (errored) throw errored;
      assert.match(buffered, /^HTTP\/1\.1 200/);
    },
    close: () => socket.destroy(),
  };
}

test('dropConnections: every client connection reset (RST, abnormal close), counted, the /stats connection spared', { timeout: 30_000 }, async (t) => {
  const server = await startServer(t, { transports: ['ws'] });
  const control = statsConnection(server.port);
  t.after(control.close);
  await control.ask();
  const clients = await Promise.all(
    Array.from({ length: 8 }, async () => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
      ws.on('error', () => {});
      await once(ws, 'open');
      return { ws, closed: once(ws, 'close') as Promise<[number, Buffer]> };
    }),
  );
  t.after(() => clients.forEach(({ ws }) => ws.terminate()));
  // 10 per second over 100 ms ticks: every open connection is owed a reset at the first tick.
  server.dropConnections(10, 300);
  const codes = await Promise.all(clients.map(async ({ closed }) => (await closed)[0]));
  assert.deepEqual(codes, new Array(8).fill(1006), 'a reset, not a close handshake');
  assert.equal(server.stats().connectionsReset, 8);
  await control.ask();
  assert.throws(() => server.dropConnections(-1, 100), /share per second -1 is not valid/);
});
