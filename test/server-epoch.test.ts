/**
 * Stream identity (contract.ts `ResetSignal`, `EPOCH_HEADER`): /healthz and /stats name the
 * epoch; a cursor from another epoch or ahead of the head gets the reset signal on every
 * transport, never silence; an answer to a request that did not name the epoch states it;
 * a bad epoch is refused with a reason. Real servers and sockets on 127.0.0.1.
 */
import { test } from 'node:test';
import { WebSocket } from 'ws';
import assert from 'node:assert/strict';
import { EPOCH_HEADER, type Healthz } from '../servers/contract.js';
import { SseClient, WsClient, splitJsonArray, startServer, upgradeRefusal, waitUntil } from './helpers/server-harness.js';

const TIMEOUT_MS = 20_000;
const epochHeader = EPOCH_HEADER.toLowerCase();

test('epoch: /healthz and /stats name it, and two servers never share one', { timeout: TIMEOUT_MS }, async (t) => {
  const a = await startServer(t);
  const b = await startServer(t);
  const health = (await (await fetch(`${a.url}/healthz`)).json()) as Healthz;
  assert.match(health.epoch ?? '', /^[A-Za-z0-9_-]{8}$/);
  assert.equal(a.stats().epoch, health.epoch);
  assert.notEqual(b.healthz().epoch, health.epoch, 'a new server (a restart) is a new epoch');
});

for (const path of ['/poll', '/longpoll'] as const) {
  test(`epoch: ${path} answers a cursor from another epoch or ahead of the head with the reset signal first`, { timeout: TIMEOUT_MS }, async (t) => {
    const server = await startServer(t, { holdMs: 5_000 });
    for (let i = 0; i < 3; i++) server.publish(`m${i}`);
    const epoch = server.healthz().epoch!;

    const other = await fetch(`${server.url}${path}?since=500&epoch=oldEpoch1`);
    const items = splitJsonArray(await other.text());
    assert.equal(items[0], JSON.stringify({ reset: { epoch, head: 3 } }));
    assert.deepEqual(items.slice(1).map((i) => (JSON.parse(i) as { seq: number }).seq), [1, 2, 3], 'served from the start of this epoch');
    assert.equal(other.headers.get(epochHeader), epoch, 'a request that named another epoch is told this one');

    // Ahead of the head without naming an epoch: a reset too, never `[]` or a silent hold.
    const ahead = splitJsonArray(await (await fetch(`${server.url}${path}?since=99`)).text());
    assert.equal(ahead[0], JSON.stringify({ reset: { epoch, head: 3 } }));

    // Naming this epoch: an ordinary answer and no header.
    const named = await fetch(`${server.url}${path}?since=1&epoch=${epoch}`);
    assert.equal(await named.text().then((b) => splitJsonArray(b).length), 2);
    assert.equal(named.headers.get(epochHeader), null);

    const bad = await fetch(`${server.url}${path}?since=1&epoch=${encodeURIComponent('bad epoch!')}`);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { reason: string }).reason, /epoch="bad epoch!" is not an epoch id/);
  });
}

test('epoch: SSE sends `event: reset` (no id) for a Last-Event-ID of another epoch, then the new epoch from seq 1', { timeout: TIMEOUT_MS }, async (t) => {
  const server = await startServer(t);
  server.publish('a');
  server.publish('b');
  const epoch = server.healthz().epoch!;
  const client = await SseClient.connect(`${server.url}/sse?since=0&epoch=stale123`, { 'last-event-id': '40' });
  t.after(() => client.close());
  await client.waitForMessages(2);
  assert.equal(client.events[0]?.event, 'reset');
  assert.equal(client.events[0]?.id, undefined);
  assert.deepEqual(JSON.parse(client.events[0]!.data), { epoch, head: 2 });
  assert.deepEqual(client.dataOfMessages().map((d) => (JSON.parse(d) as { seq: number }).seq), [1, 2]);
  assert.equal(client.headers[epochHeader], epoch);

  const named = await SseClient.connect(`${server.url}/sse?since=2&epoch=${epoch}`);
  t.after(() => named.close());
  assert.equal(named.headers[epochHeader], undefined, 'named: nothing extra on the wire');
});

test('epoch: WebSocket sends the reset frame first for another epoch; the 101 states the epoch when not named', { timeout: TIMEOUT_MS }, async (t) => {
  const server = await startServer(t);
  server.publish('a');
  const epoch = server.healthz().epoch!;
  const client = await WsClient.connect(`${server.url}/ws?since=7&epoch=stale123`);
  t.after(() => client.close());
  await waitUntil(() => client.messages.length >= 2, 'reset + 1 message');
  assert.equal(client.messages[0], JSON.stringify({ reset: { epoch, head: 1 } }));
  assert.equal((JSON.parse(client.messages[1]!) as { seq: number }).seq, 1);

  let stated: string | undefined;
  const probe = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
  probe.on('upgrade', (response) => (stated = response.headers[epochHeader] as string | undefined));
  await new Promise((resolve) => probe.once('open', resolve));
  probe.terminate();
  assert.equal(stated, epoch);

  const refused = await upgradeRefusal(`${server.url}/ws?since=1&epoch=${encodeURIComponent('x'.repeat(70))}`);
  assert.equal(refused.status, 400);
  assert.match(refused.body, /is not an epoch id/);
});
