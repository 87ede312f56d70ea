/**
 * The long-poll client's idle timeout follows the server's hold (`--hold`): a held request is
 * quiet for up to the hold before its empty answer, so a fixed timeout shorter than the hold
 * would fail every quiet long-poll as `timeout`. Derivation checked directly; the client's real
 * socket carries it; a real run with a short hold and a quiet feed sees empty answers, not timeouts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import { LongPollClient } from '../load/clients/long-poll-client.js';
import { PollClient } from '../load/clients/short-poll-client.js';
import { POLL_IDLE_GRACE_MS, pollIdleTimeoutMs } from '../load/clients/http-polling-base.js';
import { RecordingTracker, clientOptions, startServer, stopAfter, waitUntil } from './helpers/clients-harness.js';

/** The socket a polling client's connection holds (cleartext: the TCP socket). */
function socketOf(client: LongPollClient | PollClient): net.Socket {
  const socket = (client as unknown as { connection: { socket: net.Socket | undefined } }).connection.socket;
  assert.ok(socket, 'the client has a connection');
  return socket;
}

test('the polling idle timeout is the quiet time a healthy server may cause plus a grace', () => {
  for (const holdMs of [100, 30_000, 5 * 60_000, 60 * 60_000]) {
    assert.equal(pollIdleTimeoutMs(holdMs), holdMs + POLL_IDLE_GRACE_MS);
    assert.ok(pollIdleTimeoutMs(holdMs) > holdMs, `a ${holdMs} ms hold answers before the timeout`);
  }
  // The default 30 s hold keeps the 120 s timeout of before.
  assert.equal(pollIdleTimeoutMs(30_000), 120_000);
});

test('a long-poll client for a 5 min hold sets its socket idle timeout past the hold; a short-poll client past its interval', { timeout: 20_000 }, async (t) => {
  // start() resolves on the first answer: messages flow, so a held request is answered at once.
  const server = await startServer(t, { rate: 20, holdMs: 5 * 60_000 });
  const longPoll = new LongPollClient(clientOptions(server.url, new RecordingTracker(0), [], 100, { holdMs: 5 * 60_000 }));
  stopAfter(t, longPoll);
  const poll = new PollClient(clientOptions(server.url, new RecordingTracker(0), [], 200_000));
  stopAfter(t, poll);
  await Promise.all([longPoll.start(), poll.start()]);
  assert.equal(socketOf(longPoll).timeout, 5 * 60_000 + POLL_IDLE_GRACE_MS);
  assert.equal(socketOf(poll).timeout, 200_000 + POLL_IDLE_GRACE_MS);
});

test('a real long-poll run with a short hold and a quiet feed: empty answers at each hold, no timeout, every message delivered', { timeout: 30_000 }, async (t) => {
  const holdMs = 300;
  const server = await startServer(t, { rate: 0, holdMs });
  const tracker = new RecordingTracker(0);
  const client = stopAfter(t, new LongPollClient(clientOptions(server.url, tracker, [], 100, { holdMs })));
  await client.start();
  // Quiet feed: every request is held for the whole hold and answered empty.
  await waitUntil(() => tracker.delivery.report().totals.requests >= 6, '6 long-polls (5 holds expired)', 10_000);
  // Then messages: each one answers the held request at once.
  for (let i = 0; i < 3; i++) {
    server.publish(`m${i}`);
    await new Promise((resolve) => setTimeout(resolve, holdMs * 1.5));
  }
  await waitUntil(() => tracker.seqs.length >= 3, '3 messages', 5_000);
  assert.deepEqual(tracker.seqs, [1, 2, 3]);
  assert.deepEqual(tracker.errors, [], 'no timeout and no other error');
});
