/**
 * The ramp-up's pace (load/run/connect-pacer.ts): connects start at the rate, and no more than
 * one second of the rate stays unfinished, so a slow server slows the ramp instead of facing
 * every connect offered at once.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { ConnectPacer, MIN_CONNECTS_IN_FLIGHT, connectsInFlight } from '../load/run/connect-pacer.js';

/** A connect the test finishes when it likes. */
function handshake(): { promise: Promise<void>; finish(): void; fail(): void } {
  let finish!: () => void;
  let fail!: () => void;
  const promise = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = () => reject(new Error('ECONNRESET'));
  });
  promise.catch(() => undefined);
  return { promise, finish, fail };
}

test('connects in flight: one second of the rate, at least the minimum', () => {
  assert.equal(connectsInFlight(1), MIN_CONNECTS_IN_FLIGHT);
  assert.equal(connectsInFlight(62.5), 63);
  assert.equal(connectsInFlight(1000), 1000);
});

test('the pacer holds the next connect while a second of the rate is unfinished, and lets it go when one finishes or fails', async () => {
  // 16/s: a connect every 62.5 ms, at most 16 unfinished.
  const pacer = new ConnectPacer(16);
  const startedMs = performance.now();
  const open: ReturnType<typeof handshake>[] = [];
  for (let i = 0; i < 16; i++) {
    assert.equal(await pacer.next(() => false), true);
    const h = handshake();
    open.push(h);
    void pacer.track(h.promise).catch(() => undefined);
  }
  // 16 started on schedule: the 16th is due 15 gaps after the first (a busy machine may be later, never earlier).
  assert.ok(performance.now() - startedMs >= 15 * 62.5 - 5, 'paced at the rate');
  assert.equal(pacer.pending, 16);
  let released = false;
  const seventeenth = pacer.next(() => false).then((ok) => ((released = true), ok));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(released, false, 'held: 16 handshakes unfinished');
  open[3]!.fail();
  assert.equal(await seventeenth, true, 'a failed connect frees its slot too');
  assert.equal(pacer.pending, 15);
  // Held again once full; a stop ends the wait at the next freed slot, with false.
  void pacer.track(handshake().promise);
  let stopping = false;
  const held = pacer.next(() => stopping);
  stopping = true;
  open[0]!.finish();
  assert.equal(await held, false);
  for (const h of open) h.finish();
});
