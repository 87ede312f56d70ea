import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../scripts/exit-codes.js';
import { parseDurationMs, parseIntList, parsePositiveInt, parseTransports } from '../scripts/options.js';

test('durations take units and bare seconds', () => {
  assert.equal(parseDurationMs('--duration', '10s'), 10_000);
  assert.equal(parseDurationMs('--duration', '500ms'), 500);
  assert.equal(parseDurationMs('--duration', '1.5m'), 90_000);
  assert.equal(parseDurationMs('--duration', '2'), 2000);
  assert.equal(parseDurationMs('--warmup', '0s', { allowZero: true }), 0);
});

test('bad values throw one line naming the value and what is accepted', () => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => parseDurationMs('--duration', '-1s'), /--duration "-1s" is not a valid duration: use a positive number with a unit/],
    [() => parseDurationMs('--interval', '0'), /--interval "0"/],
    [() => parseIntList('--clients', '0'), /--clients value "0" is not valid: use comma-separated positive integers/],
    [() => parseIntList('--clients', 'abc'), /--clients value "abc"/],
    [() => parseIntList('--clients', '10,,100'), /--clients "10,,100"/],
    [() => parseTransports('--transports', 'poll,carrier-pigeon'), /"carrier-pigeon" is not a transport: use a comma-separated list of poll, longpoll, sse, ws/],
    [() => parsePositiveInt('--workers', '0', { max: 64 }), /--workers "0" is not valid: use an integer from 1 to 64/],
  ];
  for (const [fn, pattern] of cases) {
    assert.throws(fn, (error: unknown) => error instanceof UsageError && pattern.test(error.message) && !error.message.includes('\n'));
  }
});

test('transport lists keep order, drop repeats, and accept all', () => {
  assert.deepEqual(parseTransports('--transports', 'ws,poll,ws'), ['ws', 'poll']);
  assert.deepEqual(parseTransports('--transports', 'all'), ['poll', 'longpoll', 'sse', 'ws']);
});
