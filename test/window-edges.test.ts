/**
 * The window's edges in a load worker (load/run/window-edges.ts): taken at the first client event
 * at or after the instant — inside a burst of reads, which holds the event loop past any timer —
 * or by a timer when no event comes; never early, each once.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { monotonicUs, type FeedMessage } from '../servers/contract.js';
import { DeliveryTracker } from '../load/meter/delivery-tracker.js';
import { WindowEdges } from '../load/run/window-edges.js';

const message = (seq: number): FeedMessage => ({ seq, ts: monotonicUs(), data: 'x' });

test('inside a burst of client events the edge is taken at the first event past its instant, not when the loop is free again', () => {
  const tracker = new DeliveryTracker();
  const client = tracker.createClient(0);
  client.onConnected(1000);
  const edges = new WindowEdges(tracker);
  const atUs = monotonicUs() + 30_000;
  const taken: Array<{ takenUs: number; seqSeen: number }> = [];
  let seq = 0;
  edges.schedule([{ atUs, take: (takenUs) => taken.push({ takenUs, seqSeen: seq }) }]);
  // A burst: messages read back to back for 150 ms past the instant, the loop never free (as a
  // poll phase reading thousands of ready sockets is). A timer could only run after it.
  const burstEndUs = atUs + 150_000;
  let beforeFirstPast: number | undefined;
  while (monotonicUs() < burstEndUs) {
    const receivedUs = monotonicUs();
    if (receivedUs >= atUs && beforeFirstPast === undefined) beforeFirstPast = seq;
    client.onMessage(message(++seq), 1, receivedUs);
  }
  assert.equal(taken.length, 1, 'taken once, during the burst');
  const [edge] = taken;
  assert.ok(edge!.takenUs >= atUs, 'never before its instant');
  assert.ok(edge!.takenUs < burstEndUs, 'within the burst, not after it');
  assert.equal(edge!.seqSeen, beforeFirstPast! + 1, 'at the first event past the instant, before that event is counted');
  assert.equal(edges.waiting, 0);
  assert.equal(tracker.nextInstantUs, Infinity);
  edges.stop();
});

test('with no client event, the timers take the edges in order, never before their instants', async () => {
  const tracker = new DeliveryTracker();
  const edges = new WindowEdges(tracker);
  const startUs = monotonicUs() + 40_000;
  const order: Array<[string, number, number]> = [];
  edges.schedule([
    { atUs: startUs + 60_000, take: (takenUs) => order.push(['end', takenUs, startUs + 60_000]) },
    { atUs: startUs, take: (takenUs) => order.push(['start', takenUs, startUs]) },
  ]);
  assert.equal(tracker.nextInstantUs, startUs, 'the earliest edge is watched first');
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.deepEqual(order.map(([name]) => name), ['start', 'end']);
  for (const [name, takenUs, atUs] of order) assert.ok(takenUs >= atUs, `${name} taken ${takenUs - atUs} µs after its instant`);
  assert.equal(edges.waiting, 0);
});

test('stop() drops the edges not yet taken; schedule() replaces them', async () => {
  const tracker = new DeliveryTracker();
  const client = tracker.createClient(0);
  const edges = new WindowEdges(tracker);
  let takes = 0;
  edges.schedule([{ atUs: monotonicUs() + 20_000, take: () => takes++ }]);
  edges.stop();
  assert.equal(tracker.nextInstantUs, Infinity);
  await new Promise((resolve) => setTimeout(resolve, 100));
  client.onMessage(message(1), 1, monotonicUs());
  assert.equal(takes, 0, 'a stopped edge is never taken');
  const atUs = monotonicUs() + 20_000;
  edges.schedule([{ atUs, take: () => (takes += 10) }]);
  edges.schedule([{ atUs, take: () => takes++ }]);
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(takes, 1, 'only the last schedule counts');
});
