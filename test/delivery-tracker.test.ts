import assert from 'node:assert/strict';
import { test } from 'node:test';
import { monotonicUs, type FeedMessage } from '../servers/contract.js';
import { DeliveryTracker } from '../load/meter/delivery-tracker.js';
import { decodeHistogram } from '../load/meter/histogram.js';

const WINDOW = { startUs: 1_000_000, endUs: 2_000_000 };
const msg = (seq: number, ts: number): FeedMessage => ({ seq, ts, data: 'x' });

test('counts lost, duplicated and out-of-order messages per client from seq', () => {
  const tracker = new DeliveryTracker();
  const client = tracker.createClient(0);
  client.onConnected(100);
  tracker.openWindow(WINDOW);
  // seq 1..6 published in the window; 3 never arrives, 5 arrives before 4, 2 arrives twice.
  for (const seq of [1, 2, 2, 5, 4, 6]) client.onMessage(msg(seq, WINDOW.startUs + seq * 1000), 10, WINDOW.startUs + seq * 1000 + 500);
  const { window, totals, clientsInWindow } = tracker.report();
  assert.equal(clientsInWindow, 1);
  assert.equal(window.delivered, 5);
  assert.equal(window.duplicated, 1);
  assert.equal(window.outOfOrder, 1);
  assert.equal(window.minSeq, 1);
  assert.equal(window.maxSeq, 6);
  assert.equal(totals.expected, 6, 'expected in totals runs from the cursor to the highest seq');
  assert.equal(totals.delivered, 5);
  assert.equal(window.payloadDownBytes, 60, 'payload counts every text that arrived, duplicates included');
  assert.equal(decodeHistogram(window.latency).totalCount, 5);
});

test('the window is judged by publish time; clients connected after it opened are not held to it', () => {
  const tracker = new DeliveryTracker();
  const early = tracker.createClient(0);
  early.onConnected(1);
  tracker.openWindow(WINDOW);
  const late = tracker.createClient(0);
  late.onConnected(1);
  early.onMessage(msg(1, WINDOW.startUs - 1), 5, WINDOW.startUs + 10); // published before the window
  early.onMessage(msg(2, WINDOW.startUs), 5, WINDOW.endUs + 10); // published in it, delivered after
  late.onMessage(msg(2, WINDOW.startUs), 5, WINDOW.startUs + 10);
  const { window } = tracker.report();
  assert.equal(window.delivered, 1);
  assert.equal(window.minSeq, 2);
  assert.equal(window.payloadDownBytes, 10, 'payload bytes are attributed by arrival time, like socket bytes');
});

test('arrivals are judged between the instants the socket counters were read, so window payload and bytes cover one interval', () => {
  const tracker = new DeliveryTracker();
  const client = tracker.createClient(0);
  client.onConnected(1);
  tracker.openWindow(WINDOW);
  // The worker's timers fire late on a busy event loop: the counters are read 50 ms after the
  // planned start and 30 ms after the planned end.
  const readStartUs = WINDOW.startUs + 50_000;
  const readEndUs = WINDOW.endUs + 30_000;
  tracker.socketsReadAt('start', readStartUs);
  client.onMessage(msg(1, WINDOW.startUs), 7, WINDOW.startUs + 10); // its bytes came before the start read
  client.onRequest(WINDOW.startUs + 20);
  client.onMessage(msg(2, WINDOW.startUs + 60_000), 11, readStartUs + 10_000);
  tracker.socketsReadAt('end', readEndUs);
  client.onMessage(msg(3, WINDOW.endUs - 1), 13, WINDOW.endUs + 10); // its bytes came before the end read
  client.onMessage(msg(4, WINDOW.endUs), 17, readEndUs + 10); // after it
  client.onRequest(readEndUs - 5);
  const { window, totals } = tracker.report();
  assert.equal(window.payloadDownBytes, 11 + 13, 'the texts whose bytes are in the window socket counters');
  assert.equal(window.requests, 1);
  assert.equal(totals.payloadDownBytes, 7 + 11 + 13 + 17);
  assert.equal(window.delivered, 3, 'delivery is still judged by publish time');
});

test('a gap signal counts its messages as gapped and keeps them expected (lost)', () => {
  const tracker = new DeliveryTracker();
  const client = tracker.createClient(0);
  client.onConnected(1);
  tracker.openWindow(WINDOW);
  client.onGap({ from: 1, to: 4 }, WINDOW.startUs + 1);
  client.onMessage(msg(5, WINDOW.startUs + 2), 5, WINDOW.startUs + 3);
  const { window, totals } = tracker.report();
  assert.equal(window.gapped, 4);
  assert.equal(totals.expected, 5);
  assert.equal(totals.delivered, 1);
});

test('latency is receive time minus scheduled publish time, and end-to-end uses the sender time', () => {
  const tracker = new DeliveryTracker();
  const client = tracker.createClient(0);
  client.onConnected(1);
  tracker.openWindow(WINDOW);
  client.onMessage({ seq: 1, ts: WINDOW.startUs, sent: WINDOW.startUs - 2000, data: 'x' }, 5, WINDOW.startUs + 3000);
  const { window } = tracker.report();
  const latency = decodeHistogram(window.latency);
  const e2e = decodeHistogram(window.endToEndLatency);
  assert.ok(Math.abs(latency.getValueAtPercentile(50) - 3000) <= 3, `latency ${latency.getValueAtPercentile(50)}`);
  assert.ok(Math.abs(e2e.getValueAtPercentile(50) - 5000) <= 5, `e2e ${e2e.getValueAtPercentile(50)}`);
});

test('windowDelivered: true once every client held to the window has its highest seq seen', () => {
  const tracker = new DeliveryTracker();
  const a = tracker.createClient(0);
  const b = tracker.createClient(0);
  a.onConnected(1);
  b.onConnected(1);
  tracker.openWindow(WINDOW);
  const late = tracker.createClient(0);
  late.onConnected(1);
  assert.equal(tracker.windowDelivered(), true, 'nothing published in the window yet');
  for (const seq of [1, 2, 3]) a.onMessage(msg(seq, WINDOW.startUs + seq), 5, WINDOW.startUs + seq + 10);
  b.onMessage(msg(1, WINDOW.startUs + 1), 5, WINDOW.startUs + 20);
  assert.equal(tracker.windowDelivered(), false, 'b has not had seq 3 yet');
  b.onMessage(msg(3, WINDOW.startUs + 3), 5, WINDOW.startUs + 30);
  assert.equal(tracker.windowDelivered(), true, 'b has seq 3 (2 missing is loss, not lateness); late is not held to the window');
  a.onMessage(msg(4, WINDOW.endUs + 5), 5, WINDOW.endUs + 10);
  assert.equal(tracker.windowDelivered(), true, 'a message published after the window does not raise the bar');
});

test('the window is opened ahead of its start: clients are held by the clock, not by a late timer', () => {
  const tracker = new DeliveryTracker();
  const a = tracker.createClient(0);
  const b = tracker.createClient(0);
  a.onConnected(1);
  b.onConnected(1);
  const nowUs = monotonicUs();
  const window = { startUs: nowUs + 60_000_000, endUs: nowUs + 120_000_000 };
  tracker.openWindow(window); // a warm-up ahead of the start
  const warmupJoiner = tracker.createClient(0);
  warmupJoiner.onConnected(1); // before the start: held
  // seq 1 (published at the start) is read by each client whenever its socket is read.
  for (const client of [a, b, warmupJoiner]) client.onMessage(msg(1, window.startUs), 5, window.startUs + 100);
  const { window: figures, clientsInWindow } = tracker.report();
  assert.equal(clientsInWindow, 3, 'a client that connected during the warm-up is held too');
  assert.equal(figures.delivered, 3);

  const late = new DeliveryTracker();
  late.openWindow({ startUs: nowUs - 1_000, endUs: nowUs + 60_000_000 });
  const afterStart = late.createClient(0);
  afterStart.onConnected(1); // after the start: not held, whatever a timer would say
  afterStart.onMessage(msg(1, nowUs), 5, nowUs + 100);
  assert.equal(late.report().clientsInWindow, 0);
});
