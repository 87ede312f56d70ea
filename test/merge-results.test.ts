import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeResults, MergeRefusedError } from '../reports/merge-results.js';
import { buildResults } from './fixtures/results-builder.js';

test('shards of one configuration merge into one valid document: transports and steps united, in order', () => {
  const wsShard = buildResults({ transports: ['ws'], clients: [10, 100] });
  const pollShard = buildResults({ transports: ['poll', 'sse'], clients: [10, 100] });
  const bigStep = buildResults({ transports: ['ws'], clients: [1000], status: 'interrupted' });
  const merged = mergeResults([wsShard, pollShard, bigStep]);
  assert.deepEqual(merged.config.transports, ['poll', 'sse', 'ws']);
  assert.deepEqual(merged.config.clients, [10, 100, 1000]);
  assert.deepEqual(merged.results.find((r) => r.transport === 'ws')?.steps.map((s) => s.clients), [10, 100, 1000]);
  assert.equal(merged.status, 'interrupted', 'the worst status of the shards');
  // Steps are taken whole: the ws @ 1000 step is the very object of its shard.
  assert.equal(merged.results.find((r) => r.transport === 'ws')?.steps[2], bigStep.results[0]?.steps[0]);
});

test('merge refuses a step measured twice and shards of different configurations, naming why', () => {
  const a = buildResults({ transports: ['ws'], clients: [10] });
  assert.throws(() => mergeResults([a, buildResults({ transports: ['ws'], clients: [10] })]), (e: unknown) => e instanceof MergeRefusedError && /ws at 10 clients is in more than one document/.test(e.message));
  const other = buildResults({ transports: ['sse'], clients: [10] });
  other.config.rate = a.config.rate + 1;
  assert.throws(() => mergeResults([a, other]), /document 2 has a different configuration \(rate\)/);
  assert.throws(() => mergeResults([]), /nothing to merge/);
});
