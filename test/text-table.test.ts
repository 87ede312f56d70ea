import assert from 'node:assert/strict';
import { test } from 'node:test';
import { textTableLines } from '../reports/text-table.js';

test('text table: columns as wide as their widest cell, numbers right-aligned, two spaces apart, no trailing spaces', () => {
  const lines = textTableLines(
    [
      ['name', 'count', 'verdict'],
      ['poll', '1,234', 'ok'],
      ['websocket', '5', 'REGRESSED'],
    ],
    { numeric: [false, true, false] },
  );
  assert.deepEqual(lines, ['name       count  verdict', 'poll       1,234  ok', 'websocket      5  REGRESSED']);
});

test('text table: a free last cell runs on without widening its column, and a short row ends where it ends', () => {
  const lines = textTableLines(
    [
      ['transport', 'clients', 'note'],
      ['ws', '10', ''],
      ['sse', '1,000', 'generator-saturated; a long reason that must not widen anything'],
      ['poll', 'no capture: the step failed before it connected'],
    ],
    { numeric: [false, true], freeLastCell: true },
  );
  assert.deepEqual(lines, [
    'transport  clients  note',
    'ws              10',
    'sse          1,000  generator-saturated; a long reason that must not widen anything',
    'poll       no capture: the step failed before it connected',
  ]);
});
