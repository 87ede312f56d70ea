/**
 * The clients when connections break: a cursor from another epoch is reset and counted; a
 * server restarted on the same port is found again (reconnect / retry with backoff) and the
 * client resumes in the new epoch from seq 1 without loss there; a connection reset (RST) by the
 * generator is recovered with resume; the backoff policy stays within its bounds. Real servers
 * on 127.0.0.1, small loads, every test bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TRANSPORTS } from '../servers/contract.js';
import { createWirebenchServer } from '../servers/server.js';
import { CLIENTS } from '../load/clients.js';
import { backoffMs, type ReconnectPolicy } from '../load/client-support.js';
import { RecordingTracker, clientOptions, startServer, stopAfter, waitUntil } from './helpers/clients-harness.js';

const TEST_TIMEOUT_MS = 30_000;
const FAST: ReconnectPolicy = { baseMs: 50, maxMs: 400, jitter: 0.5, sseRetryMs: 100 };

test('backoff: doubles from the base to the cap, within ± jitter', () => {
  const policy: ReconnectPolicy = { baseMs: 100, maxMs: 1000, jitter: 0.5, sseRetryMs: 3000 };
  for (let i = 0; i < 200; i++) {
    const first = backoffMs(1, policy);
    assert.ok(first >= 50 && first <= 150, `first retry ${first}`);
    const capped = backoffMs(30, policy);
    assert.ok(capped >= 500 && capped <= 1500, `capped ${capped}`);
  }
  assert.equal(backoffMs(3, { ...policy, jitter: 0 }), 400);
  // A server's retry: larger than the cap is kept (EventSource waits what the server says).
  assert.equal(backoffMs(1, policy, 3000, 0), 3000);
});

for (const transport of TRANSPORTS) {
  test(`faults: ${transport} counts a reset for a cursor of another epoch and takes the new epoch from seq 1`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const server = await startServer(t, { holdMs: 2_000 });
    for (let i = 0; i < 3; i++) server.publish(`m${i}`);
    const tracker = new RecordingTracker(50);
    const client = stopAfter(t, CLIENTS[transport](clientOptions(server.url, tracker, [], 50, { epoch: 'staleEpoch', reconnect: FAST })));
    await client.start();
    await waitUntil(() => tracker.seqs.length >= 3, 'the new epoch from seq 1');
    assert.deepEqual(tracker.resets, [{ epoch: server.healthz().epoch, head: 3 }]);
    assert.deepEqual(tracker.seqs, [1, 2, 3]);
    server.publish('m4');
    await waitUntil(() => tracker.seqs.length >= 4, 'seq 4');
    const totals = tracker.delivery.report().totals;
    assert.equal(totals.resets, 1);
    assert.equal(totals.duplicated, 0);
    assert.equal(totals.expected - totals.delivered, 0, 'nothing lost in the new epoch');
    assert.equal(tracker.resets.length, 1, 'the reset is heard once: the client names the new epoch from then on');
  });

  test(`faults: ${transport} finds a server restarted on the same port, gets the reset and resumes without loss in the new epoch`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const first = await createWirebenchServer({ port: 0, rate: 0, heartbeatMs: 0, closeGraceMs: 100, holdMs: 1_000 });
    const port = first.port;
    first.publish('old-1');
    const tracker = new RecordingTracker(0);
    const client = stopAfter(t, CLIENTS[transport](clientOptions(first.url, tracker, [], 50, { epoch: first.healthz().epoch, reconnect: FAST })));
    await client.start();
    await waitUntil(() => tracker.seqs.length >= 1, 'the old epoch message');
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await createWirebenchServer({ port, rate: 0, heartbeatMs: 0, closeGraceMs: 100, holdMs: 1_000 });
    t.after(() => second.close());
    second.publish('new-1');
    second.publish('new-2');
    await waitUntil(() => tracker.seqs.length >= 3, 'the new epoch messages', 15_000);
    assert.deepEqual(tracker.seqs, [1, 1, 2], 'old seq 1, then the new epoch from its seq 1');
    assert.deepEqual(tracker.resets.map((r) => r.epoch), [second.healthz().epoch]);
    assert.ok(tracker.recoveries >= 1, 'the reconnect is reported as a recovery');
    assert.ok(tracker.errors.length >= 1, `the break is counted (${tracker.errors.join(',')})`);
    const totals = tracker.delivery.report().totals;
    assert.equal(totals.duplicated, 0);
    assert.equal(totals.expected, totals.delivered, 'nothing lost: the old epoch ended at seq 1, the new one is complete');
  });
}
