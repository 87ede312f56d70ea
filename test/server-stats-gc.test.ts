/** `GET /stats?gc=1`: a snapshot after a full GC, bounded, loopback only; bad values refused. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServerProcess } from '../load/run/server-process.js';
import { createWirebenchServer } from '../servers/server.js';
import { GC_SETTLE_MS } from '../servers/server-stats.js';

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('the embedded server (node --expose-gc) GCs on request, one at a time', { timeout: 30_000 }, async () => {
  const server = await startServerProcess({ transport: 'ws', rate: 1, size: 16, holdMs: 30_000, heartbeatMs: 0 });
  try {
    const plain = await getJson(`${server.url}/stats`);
    assert.equal(plain.body.gc, false, 'no GC unless asked');
    const first = await getJson(`${server.url}/stats?gc=1`);
    assert.equal(first.status, 200);
    assert.equal(first.body.gc, true);
    assert.ok(typeof first.body.heapUsedBytes === 'number' && typeof first.body.externalBytes === 'number');
    // Asked twice at once: one GC runs, the other answer says none did (no back-to-back stalls).
    const both = await Promise.all([getJson(`${server.url}/stats?gc=1`), getJson(`${server.url}/stats?gc=1`)]);
    assert.deepEqual(both.map((a) => a.body.gc).sort(), [false, true]);
    assert.equal((await getJson(`${server.url}/stats?gc=1`)).body.gc, true, `after ${GC_SETTLE_MS} ms of settling the next one runs`);
    const bad = await getJson(`${server.url}/stats?gc=yes`);
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.reason), /gc "yes" is not valid: use gc=1/);
  } finally {
    await server.stop();
  }
});

test('a server without --expose-gc answers gc: false', async () => {
  const server = await createWirebenchServer({ transports: ['sse'], rate: 1, host: '127.0.0.1', port: 0 });
  try {
    const answer = await getJson(`${server.url}/stats?gc=1`);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.gc, typeof (globalThis as { gc?: unknown }).gc === 'function');
  } finally {
    await server.close();
  }
});
