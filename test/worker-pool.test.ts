import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shareOf, WorkerPool } from '../load/run/worker-pool.js';
import { clientLifetimeMs, COLLECT_TIMEOUT_MS, CONNECT_TIMEOUT_SLACK_MS, connectTimeoutMs } from '../load/run/step-timing.js';

test('a step\'s clients split over the workers as evenly as possible, together exactly the step', () => {
  for (const total of [0, 1, 7, 10, 4001]) {
    for (const count of [1, 2, 3, 8]) {
      const shares = Array.from({ length: count }, (_, i) => shareOf(total, count, i));
      assert.equal(shares.reduce((a, b) => a + b, 0), total, `${total} over ${count}`);
      assert.ok(Math.max(...shares) - Math.min(...shares) <= 1, `${total} over ${count}: ${shares.join(',')}`);
    }
  }
  assert.deepEqual([0, 1, 2].map((i) => shareOf(7, 3, i)), [3, 2, 2]);
});

test('the controller\'s bounds: the connect ramp plus its slack; a client lives for ramp, warm-up, window and both timeouts', () => {
  assert.equal(connectTimeoutMs(1000, 100), 10_000 + CONNECT_TIMEOUT_SLACK_MS);
  assert.equal(clientLifetimeMs(1000, 100, 2000, 5000), 10_000 + 2000 + 5000 + CONNECT_TIMEOUT_SLACK_MS + COLLECT_TIMEOUT_MS);
  // The value the runner used before the bounds were named: ramp + warm-up + window + 120 s.
  assert.equal(clientLifetimeMs(50, 500, 1000, 3000), (50 / 500) * 1000 + 1000 + 3000 + 120_000);
});

test('a worker that dies answers the controller\'s wait at once with an error; an unanswered wait ends at its timeout', async () => {
  const pool = new WorkerPool(2, () => undefined);
  // As a step does when it ends: the waits' timers end with it.
  const stepDone = new AbortController();
  try {
    const startedMs = Date.now();
    // No connect command was sent, so no worker answers: the wait ends at its timeout with null.
    assert.equal(await pool.gather('connected', 300, stepDone.signal), null);
    assert.ok(Date.now() - startedMs >= 250, 'waited for the timeout');
    const waiting = pool.gather('report', 120_000, stepDone.signal);
    pool.kill();
    const answers = await waiting;
    assert.ok(answers, 'answered before the timeout');
    assert.equal(answers.length, 2);
    for (const answer of answers) {
      assert.equal(answer.type, 'error');
      assert.match(answer.type === 'error' ? answer.message : '', /load worker exited \(SIGKILL\)/);
    }
    // A wait begun after the workers died is answered at once as well.
    const after = await pool.gather('connected', 120_000, stepDone.signal);
    assert.ok(after?.every((a) => a.type === 'error'));
  } finally {
    stepDone.abort();
    pool.kill();
  }
});
