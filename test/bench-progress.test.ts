/**
 * The live progress line of `wirebench bench` (scripts/bench-progress.ts): which clients it
 * counts. A shard runs its share of every step, so its line says so instead of setting the
 * shard's clients against the whole run's.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { BenchProgress } from '../scripts/bench-progress.js';
import type { RunConfig, StepResult } from '../load/results/results-schema.js';
import { buildResults } from './fixtures/results-builder.js';

/** Every line a BenchProgress writes for one phase event (not a terminal: one line per phase). */
function phaseLine(config: RunConfig, clients: number, connected: number): string {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const progress = new BenchProgress(out as unknown as NodeJS.WriteStream, config);
  progress.onEvent({ kind: 'transport', transport: 'ws', index: 0, of: 1, url: 'http://127.0.0.1:1', pid: null });
  progress.onEvent({ kind: 'phase', transport: 'ws', clients, phase: 'connecting', connected });
  progress.stop();
  return text.trim().split('\n').at(-1) ?? '';
}

/** The line a BenchProgress writes when a step ends. */
function stepLine(config: RunConfig, step: StepResult): string {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const progress = new BenchProgress(out as unknown as NodeJS.WriteStream, config);
  progress.onEvent({ kind: 'transport', transport: 'ws', index: 0, of: 1, url: 'http://127.0.0.1:1', pid: null });
  progress.onEvent({ kind: 'step', transport: 'ws', step });
  progress.stop();
  return text.trim().split('\n')[1] ?? '';
}

test('the progress line counts the clients this process runs: the whole step, or the shard\'s share of it', () => {
  const config = { ...buildResults({ transports: ['ws'], clients: [16_000] }).config, clients: [16_000] };
  assert.match(phaseLine(config, 16_000, 1000), /step 1\/1 \(16,000 clients\): connecting, 1,000 of 16,000 connected$/);

  // Shard 2 of 4 runs client ids 1, 5, 9, …: 4,000 of the step's 16,000.
  const shard = { ...config, shard: { index: 2, count: 4 }, startAt: '2026-11-30T20:00:00.000Z' };
  const line = phaseLine(shard, 16_000, 1000);
  assert.match(line, /step 1\/1 \(16,000 clients\): connecting, shard 2\/4: 1,000 of 4,000 clients connected$/);
  assert.doesNotMatch(line, /of 16,000 connected/);
  // Uneven shares: 10 clients over 4 shards are 3, 3, 2, 2.
  assert.match(phaseLine({ ...shard, clients: [10], shard: { index: 4, count: 4 } }, 10, 2), /shard 4\/4: 2 of 2 clients connected$/);
  assert.match(phaseLine({ ...shard, clients: [10], shard: { index: 1, count: 4 } }, 10, 0), /shard 1\/4: 0 of 3 clients connected$/);
});

test('a finished step\'s line writes its clients with separators, and a shard\'s share beside the run\'s', () => {
  const doc = buildResults({ transports: ['ws'], clients: [16_000], failed: { 'ws@16000': 'connects too slow' } });
  const config = { ...doc.config, clients: [16_000] };
  const failed = doc.results[0]!.steps[0]!;
  assert.match(stepLine(config, failed), /^\[1\/1\] ws 16,000 clients: FAILED — connects too slow/);
  const shard = { ...config, shard: { index: 2, count: 4 }, startAt: '2026-11-30T20:00:00.000Z' };
  assert.match(stepLine(shard, failed), /^\[1\/1\] ws 16,000 clients \(shard 2\/4: 4,000\): FAILED — connects too slow/);
  const ok = buildResults({ transports: ['ws'], clients: [10] }).results[0]!.steps[0]!;
  assert.equal(ok.status, 'ok');
  assert.match(stepLine({ ...shard, clients: [10], shard: { index: 4, count: 4 } }, ok), /^\[1\/1\] ws 10 clients \(shard 4\/4: 2\): ok — /);
});
