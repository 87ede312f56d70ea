import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FIGURES } from '../load/results/figure-registry.js';
import { evaluateFailOn, evaluateThresholds, parseThresholdRule, renderThresholdMarkdown } from '../reports/thresholds.js';
import { EXIT } from '../scripts/exit-codes.js';
import { buildResults } from './fixtures/results-builder.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));
const work = mkdtempSync(path.join(os.tmpdir(), 'wirebench-thresholds-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('threshold rules parse k6-style into data, with units converted to the figure unit', () => {
  assert.deepEqual(parseThresholdRule('ws.latency.p99<20ms'), { text: 'ws.latency.p99<20ms', transport: 'ws', clients: null, figure: 'latencyP99Us', operator: '<', limit: 20_000 });
  assert.deepEqual(parseThresholdRule('lost==0'), { text: 'lost==0', transport: null, clients: null, figure: 'lost', operator: '==', limit: 0 });
  assert.equal(parseThresholdRule('poll@100.bytes <= 1.5KiB').limit, 1536);
  assert.equal(parseThresholdRule('poll@100.bytes <= 1.5KiB').clients, 100);
  assert.equal(parseThresholdRule('latency.p50<3').limit, 3000, 'a bare time is ms, as in k6');
  assert.equal(parseThresholdRule('reach>=99.5%').limit, 0.995);
  assert.equal(parseThresholdRule('sse.cpuPerMessageUs<50us').figure, 'cpuPerMessageUs', 'any figure id of the registry');
  assert.throws(() => parseThresholdRule('ws.latency.p99<20kB'), /unit "kB" does not fit latency\.p99: use ns, us, µs, ms, s or none/);
  assert.throws(() => parseThresholdRule('smoke.latency<1'), /unknown figure "smoke\.latency"/);
  assert.throws(() => parseThresholdRule('ws.latency.p99 ~ 3'), /is not valid: use \[transport\[@clients\]\.\]figure OP value\[unit\]/);
  assert.throws(() => parseThresholdRule('lost==0ms'), /unit "ms" does not fit lost: use a plain number/);
});

test('thresholds are checked on every step they name; failed steps and rules that match nothing fail', () => {
  const doc = buildResults({ transports: ['poll', 'ws'], clients: [10, 100], failed: { 'poll@100': 'server died' } });
  const wsStep = doc.results.find((r) => r.transport === 'ws')!.steps[0]!;
  assert.ok(wsStep.status === 'ok');
  const wsP99At10 = FIGURES.latencyP99Us.read(wsStep.measurement)!;
  const above = evaluateThresholds(doc, [parseThresholdRule(`ws@10.latency.p99<${(wsP99At10 + 1000) / 1000}ms`)]);
  assert.deepEqual(above.map((c) => [c.subject, c.passed]), [['ws @ 10 clients', true]]);
  const below = evaluateThresholds(doc, [parseThresholdRule(`ws.latency.p99<${(wsP99At10 - 1) / 1000}ms`)]);
  assert.equal(below.find((c) => c.subject === 'ws @ 10 clients')?.passed, false);
  const lost = evaluateThresholds(doc, [parseThresholdRule('poll.lost==0')]);
  assert.deepEqual(lost.map((c) => [c.subject, c.passed, c.note ?? '']), [['poll @ 10 clients', true, ''], ['poll @ 100 clients', false, 'step failed: server died']]);
  const none = evaluateThresholds(doc, [parseThresholdRule('sse.lost==0')]);
  assert.deepEqual(none.map((c) => [c.subject, c.passed]), [['no step', false]]);
  assert.match(renderThresholdMarkdown([...lost, ...none]), /❌ \*\*2 of 3 threshold checks failed\*\*[\s\S]*\| `sse\.lost==0` \| no step \| — \| ❌ \*\*failed\*\* — no step of this run matches the rule \|/);
  const saturated = evaluateFailOn(doc, ['saturation']);
  assert.ok(saturated.every((c) => c.passed === !(c.note === 'generator-saturated')));
});

function bench(args: string[]) {
  return spawnSync(process.execPath, [CLI, 'bench', '--transports', 'ws', '--clients', '2', '--duration', '1s', '--warmup', '200ms', '--rate', '20', '--workers', '1', '--no-report', ...args], { encoding: 'utf8', timeout: 60_000 });
}

test('bench --threshold: a failing one exits 4 (EXIT.threshold) naming it; passing ones and --fail-on loss exit 0; a bad one exits 2 before running', () => {
  assert.equal(EXIT.threshold, 4);
  const fails = bench(['--threshold', 'ws.latency.p99<1us', '--threshold', 'lost==0', '--out', path.join(work, 'fails')]);
  assert.equal(fails.status, 4, fails.stderr);
  assert.match(fails.stderr, /thresholds: 1 of 2 checks FAILED\n {2}✗ ws\.latency\.p99<1us {2}ws @ 2 clients: [\d.]+ ms/);
  const passes = bench(['--threshold', 'lost==0', '--threshold', 'ws.reach>=0.5', '--fail-on', 'loss', '--out', path.join(work, 'passes')]);
  assert.equal(passes.status, 0, passes.stderr);
  assert.match(passes.stderr, /thresholds: all 3 checks passed/);
  const bad = bench(['--threshold', 'ws.latency.p99<20parsecs', '--out', path.join(work, 'bad')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^wirebench: --threshold "ws\.latency\.p99<20parsecs": unit "parsecs" does not fit latency\.p99/);
  const badFailOn = bench(['--fail-on', 'loss,errors', '--out', path.join(work, 'bad2')]);
  assert.equal(badFailOn.status, 2);
  assert.match(badFailOn.stderr, /--fail-on "loss,errors" is not valid: use a comma-separated list of loss, saturation/);
});
