import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeHistogram } from '../load/meter/histogram.js';
import { median, medianMeasurement, repeatStep } from '../load/meter/repeat-median.js';
import { validateResults, type Measurement, type StepResult } from '../load/results/results-schema.js';
import { buildResults } from './fixtures/results-builder.js';

function threeRepeats(): { doc: ReturnType<typeof buildResults>; repeats: Measurement[] } {
  const doc = buildResults({ transports: ['ws'], clients: [10], saturated: [] });
  const step = doc.results[0]!.steps[0]!;
  assert.equal(step.status, 'ok');
  const base = (step as Extract<StepResult, { status: 'ok' }>).measurement;
  const repeats = [structuredClone(base), structuredClone(base), structuredClone(base)];
  repeats[0]!.window.latency.p99Us = 900;
  repeats[1]!.window.latency.p99Us = 50_000; // one repeat caught a pause
  repeats[2]!.window.latency.p99Us = 1_000;
  repeats[0]!.derived.bytesPerMessage.down = 60;
  repeats[1]!.derived.bytesPerMessage.down = 61;
  repeats[2]!.derived.bytesPerMessage.down = 80;
  repeats[2]!.window.messages.lost = 2; // loss in one repeat only
  repeats[1]!.clientsConnected = 9;
  repeats[0]!.server!.cpuUserUs = 3000;
  repeats[1]!.server!.cpuUserUs = 1000;
  repeats[2]!.server!.cpuUserUs = 2000;
  repeats[0]!.capture!.window.down.ipBytes = 9_000;
  repeats[1]!.capture!.window.down.ipBytes = 7_000;
  repeats[2]!.capture!.window.down.ipBytes = 8_000;
  repeats[1]!.capture!.droppedPackets = 4;
  repeats[0]!.server!.memory!.heapBytesPerConnection = 5_000;
  repeats[1]!.server!.memory!.heapBytesPerConnection = 4_000;
  repeats[2]!.server!.memory!.heapBytesPerConnection = 6_000;
  repeats[0]!.generator.cpuUsPerMessage = 30;
  repeats[1]!.generator.cpuUsPerMessage = 10;
  repeats[2]!.generator.cpuUsPerMessage = 20;
  return { doc, repeats };
}

test('median: odd and even lengths', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
});

test('medianMeasurement: figures are medians, loss and connect shortfall the worst repeat, histograms merged', () => {
  const { doc, repeats } = threeRepeats();
  const folded = medianMeasurement(repeats);
  assert.equal(folded.window.latency.p99Us, 1_000, 'the outlier repeat does not move the median');
  assert.equal(folded.derived.bytesPerMessage.down, 61);
  assert.equal(folded.server!.cpuUserUs, 2000);
  assert.equal(folded.window.messages.lost, 2, 'a loss in any repeat is kept');
  assert.equal(folded.clientsConnected, 9);
  assert.equal(folded.capture!.window.down.ipBytes, 8_000, 'capture figures fold to medians');
  assert.equal(folded.capture!.droppedPackets, 4, 'a capture that dropped packets in any repeat says so');
  assert.equal(folded.server!.memory!.heapBytesPerConnection, 5_000);
  assert.equal(folded.generator.cpuUsPerMessage, 20);
  const noCapture = structuredClone(repeats);
  delete noCapture[1]!.capture;
  assert.equal(medianMeasurement(noCapture).capture, undefined, 'no median over a subset of repeats');
  const one = repeats[0]!.window.latency;
  assert.equal(folded.window.latency.count, one.count * 3);
  assert.equal(decodeHistogram(folded.window.latency.histogram).totalCount, one.count * 3, 'histograms merge exactly');
  // The folded step is a valid results step, repeats kept beside it.
  const step = doc.results[0]!.steps[0]!;
  doc.results[0]!.steps[0] = { clients: step.clients, startedAt: step.startedAt, status: 'ok', measurement: folded, repeats };
  doc.config.repeat = 3;
  assert.doesNotThrow(() => validateResults(JSON.parse(JSON.stringify(doc))));
});

test('repeatStep: runs N times and keeps every repeat; one failed repeat fails the step with its reason', async () => {
  const { repeats } = threeRepeats();
  let calls = 0;
  const ok = (i: number): StepResult => ({ clients: 10, startedAt: `t${i}`, status: 'ok', measurement: repeats[i]! });
  const step = await repeatStep(3, async () => ok(calls++));
  assert.equal(calls, 3);
  assert.ok(step && step.status === 'ok');
  assert.equal(step.repeats?.length, 3);
  assert.equal(step.startedAt, 't0');
  assert.equal(step.measurement.window.latency.p99Us, 1_000);

  calls = 0;
  const failing = await repeatStep(3, async () =>
    calls++ === 1 ? { clients: 10, startedAt: 'x', status: 'failed', reason: 'the server exited mid-step', measurement: null } : ok(0),
  );
  assert.equal(calls, 2, 'stops at the failed repeat');
  assert.ok(failing && failing.status === 'failed');
  assert.equal(failing.reason, 'repeat 2 of 3: the server exited mid-step');

  calls = 0;
  assert.equal(await repeatStep(3, async () => (calls++ === 0 ? ok(0) : undefined)), undefined, 'interrupted');
  const single = await repeatStep(1, async () => ok(0));
  assert.ok(single && single.status === 'ok' && single.repeats === undefined, 'repeat 1 stores no repeats');
});

test('medianMeasurement: the server drop counters keep the worst repeat, and stay absent when no repeat had them', () => {
  const { repeats } = threeRepeats();
  assert.equal(medianMeasurement(repeats).server!.idleDropped, undefined);
  repeats[0]!.server!.idleDropped = 0;
  repeats[1]!.server!.idleDropped = 3; // one repeat dropped three frozen long-poll clients
  repeats[2]!.server!.idleDropped = 0;
  repeats[2]!.server!.connectionsReset = 12;
  const server = medianMeasurement(repeats).server!;
  assert.equal(server.idleDropped, 3);
  assert.equal(server.connectionsReset, 12);
  assert.equal(server.stalledDropped, undefined);
});
