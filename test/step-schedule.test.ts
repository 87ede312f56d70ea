import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CLIENTS } from '../load/clients/clients-by-transport.js';
import { DeliveryTracker } from '../load/meter/delivery-tracker.js';
import { TRANSPORTS } from '../servers/contract.js';
import { startServer, waitUntil } from './helpers/server-harness.js';
import { resolveRunConfig } from '../api/bench.js';
import { parseSourceAddresses } from '../scripts/shard-options.js';
import { shardClientCount, shardClientId, stepSchedule } from '../load/run/step-schedule.js';

test('shards split every step by client id: I, I+N, … — together exactly the step', () => {
  for (const clients of [4, 7, 10, 4000]) {
    for (const count of [1, 2, 3, 4]) {
      const total = Array.from({ length: count }, (_, i) => shardClientCount(clients, { index: i + 1, count })).reduce((a, b) => a + b, 0);
      assert.equal(total, clients, `${clients} clients over ${count} shards`);
    }
  }
  assert.equal(shardClientCount(7, { index: 1, count: 2 }), 4);
  assert.equal(shardClientCount(7, { index: 2, count: 2 }), 3);
  // The ids: shard I's clients are I−1, I−1+N, … (0-based), and all shards' ids are the step's, each once.
  for (const clients of [7, 10, 4000]) {
    for (const count of [1, 2, 3, 4]) {
      const ids = Array.from({ length: count }, (_, i) => {
        const shard = { index: i + 1, count };
        return Array.from({ length: shardClientCount(clients, shard) }, (_, local) => shardClientId(local, shard));
      });
      for (const [i, own] of ids.entries()) assert.ok(own.every((id, local) => id === i + local * count), `shard ${i + 1}/${count}: every ${count}-th from ${i}`);
      assert.deepEqual(ids.flat().sort((a, b) => a - b), Array.from({ length: clients }, (_, id) => id), `${clients} clients over ${count} shards`);
    }
  }
  assert.deepEqual([0, 1, 2].map((local) => shardClientId(local, { index: 2, count: 4 })), [1, 5, 9]);
  assert.equal(shardClientId(5, undefined), 5, 'unsharded: the local index');
});

test('the schedule follows from the configuration alone: contiguous slots, the same on every shard, connect budget from the connect rate', () => {
  const base = { transports: ['sse', 'ws'] as const, clients: [100, 16_000], durationMs: 8000, warmupMs: 2000, connectRate: 1000, target: 'http://127.0.0.1:9' };
  const one = resolveRunConfig({ ...base, transports: [...base.transports], shard: { index: 1, count: 4 } });
  const four = resolveRunConfig({ ...base, transports: [...base.transports], shard: { index: 4, count: 4 } });
  const start = Date.parse('2026-11-30T20:00:00Z');
  const slots = stepSchedule(one, start);
  assert.deepEqual(slots, stepSchedule(four, start), 'every shard computes the same slots');
  assert.deepEqual(slots.map((s) => `${s.transport}@${s.clients}`), ['sse@100', 'sse@16000', 'ws@100', 'ws@16000']);
  assert.equal(slots[0]!.startMs, start);
  for (const [i, slot] of slots.entries()) {
    if (i > 0) assert.equal(slot.startMs, slots[i - 1]!.endMs, 'slots follow each other');
    assert.equal(slot.windowStartMs - slot.connectByMs, 2000, 'warm-up');
    assert.equal(slot.windowEndMs - slot.windowStartMs, 8000, 'window');
  }
  // 16,000 clients at 1,000/s take 16 s; the budget allows 1.5 × that plus slack.
  const big = slots[1]!;
  assert.ok(big.connectByMs - big.startMs >= 16_000 * 1.5, `connect budget ${big.connectByMs - big.startMs} ms`);
});

test('source addresses: a range or a list of this host\'s addresses, in order, without repeats', () => {
  assert.deepEqual(parseSourceAddresses('127.0.0.2-127.0.0.5'), ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']);
  assert.deepEqual(parseSourceAddresses('127.0.0.1,127.0.1.1,127.0.0.1'), ['127.0.0.1', '127.0.1.1']);
  assert.deepEqual(parseSourceAddresses('127.0.0.255-127.0.1.0'), ['127.0.0.255', '127.0.1.0']);
});

test('every transport\'s client connects from its source address (seen in the kernel\'s socket table)', { skip: !existsSync('/proc/net/tcp') }, async (t) => {
  const server = await startServer(t, { rate: 5 });
  const portHex = server.port.toString(16).toUpperCase().padStart(4, '0');
  const address = '127.0.0.3';
  const addressHex = '0300007F'; // /proc/net/tcp: little-endian IPv4
  for (const transport of TRANSPORTS) {
    const tracker = new DeliveryTracker();
    const client = CLIENTS[transport]({ baseUrl: new URL(`http://127.0.0.1:${server.port}`), since: 0, headers: [], intervalMs: 200, holdMs: 30_000, tracker: tracker.createClient(0), localAddress: address });
    await client.start();
    await waitUntil(() => tracker.connectedClients === 1, `${transport} connected`);
    const sockets = readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[2] === `0100007F:${portHex}`);
    assert.ok(sockets.length > 0, `${transport}: a socket to the server`);
    assert.ok(sockets.every((f) => f[1]!.startsWith(`${addressHex}:`)), `${transport}: from ${address}: ${sockets.map((f) => f[1]).join(', ')}`);
    await client.stop();
  }
});

test('the library refuses what a sharded or scheduled run cannot do, as the CLI does, before anything starts', () => {
  const shard = { target: 'http://127.0.0.1:9', shard: { index: 1, count: 2 }, startAt: '2026-11-30T20:00:00.000Z' };
  assert.throws(() => resolveRunConfig({ ...shard, capture: true }), { name: 'BenchOptionsError', message: /^--capture cannot be used with --shard/ });
  assert.throws(() => resolveRunConfig({ target: 'http://127.0.0.1:9', startAt: shard.startAt, repeat: 3 }), { name: 'BenchOptionsError', message: /^--repeat 3 cannot be used with --start-at/ });
  assert.throws(() => resolveRunConfig({ ...shard, clients: [1] }), { name: 'BenchOptionsError', message: /^--clients 1 is fewer than the 2 shards/ });
  assert.equal(resolveRunConfig({ ...shard, clients: [2] }).shard?.count, 2);
});
