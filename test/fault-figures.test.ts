/**
 * The fault figures from raw worker reports (pure): server CPU spread per bucket from /stats
 * samples of one process only (a restart's new process never subtracts from the old one); lost
 * per bucket = the seq ranges any client saw (per epoch) × clients − delivered − recovered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuPerBucket, mergeTimeline } from '../load/meter/fault-figures.js';
import type { WorkerReport } from '../load/run/worker-protocol.js';

test('server CPU per bucket: spread by time between samples of one epoch; unknown across a restart', () => {
  const samples = [
    { atUs: 0, epoch: 'a', cpuUs: 0 },
    { atUs: 500_000, epoch: 'a', cpuUs: 100_000 },
    { atUs: 1_000_000, epoch: 'a', cpuUs: 300_000 },
    // restarted: a new process whose CPU counter starts over
    { atUs: 2_000_000, epoch: 'b', cpuUs: 50_000 },
    { atUs: 2_500_000, epoch: 'b', cpuUs: 60_000 },
  ];
  assert.deepEqual(cpuPerBucket(samples, 0, 500, 5), [100, 200, null, null, 10]);
});

test('timeline: lost is expected (union ranges per epoch × clients) minus delivered and recovered', () => {
  const report = (delivered: number[], recovered: number[], ranges: Array<Record<string, [number, number]>>) =>
    ({ timeline: { bucketMs: 500, delivered, recovered, seqRanges: ranges }, wireTimeline: { connects: [0, 2], bytes: [10, 20] } }) as unknown as WorkerReport;
  const a = report([5, 0], [0, 1], [{ '': [1, 5] }, { b: [1, 2] }]);
  const b = report([4, 0], [0, 1], [{ '': [1, 5] }, { b: [1, 2] }]);
  const timeline = mergeTimeline({ reports: [a, b], clientsInWindow: 2, windowStartUs: 0, bucketMs: 500, injected: [], cpuSamples: [] }, 2);
  assert.deepEqual(timeline.delivered, [9, 0]);
  assert.deepEqual(timeline.recovered, [0, 2]);
  assert.deepEqual(timeline.lost, [1, 2], '5 seqs × 2 clients − 9; 2 seqs of the new epoch × 2 − 2 recovered');
  assert.deepEqual(timeline.connects, [0, 4]);
  assert.deepEqual(timeline.bytes, [20, 40]);
});
