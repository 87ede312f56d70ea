import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXIT } from '../scripts/exit-codes.js';
import { buildResults } from './fixtures/results-builder.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-compare-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, value: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

function compare(...args: string[]) {
  const run = spawnSync(process.execPath, [CLI, 'compare', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const baseline = buildResults({ transports: ['poll', 'ws'], clients: [10], saturated: [] });
const baseFile = write('base.json', baseline);
const regressed = structuredClone(baseline);
const wsStep = regressed.results[1]!.steps[0]!;
if (wsStep.status === 'ok') wsStep.measurement.totals.bytes.down.totalBytes = Math.round(wsStep.measurement.totals.bytes.down.totalBytes * 1.1);
const regressedFile = write('regressed.json', regressed);

test('cli compare: same figures → exit 0 and a table', () => {
  const run = compare(baseFile, write('same.json', baseline));
  assert.equal(run.code, EXIT.ok, run.stderr);
  assert.match(run.stdout, /ok: no regression in 14 figures/);
});

test('cli compare: a regression → exit 3; --bytes-tolerance lets it pass', () => {
  const run = compare(baseFile, regressedFile);
  assert.equal(run.code, EXIT.regression);
  assert.match(run.stdout, /ws @ 10 clients\s+bytes\/msg.*REGRESSED/);
  assert.equal(compare(baseFile, regressedFile, '--bytes-tolerance', '10%').code, EXIT.ok);
});

test('cli compare: --format md and --format gab --out', () => {
  const md = compare(baseFile, regressedFile, '--format', 'md');
  assert.equal(md.code, EXIT.regression);
  assert.match(md.stdout, /^### wirebench compare/);
  const out = path.join(dir, 'gab.json');
  assert.equal(compare(baseFile, regressedFile, '--format', 'gab', '--out', out).code, EXIT.regression);
  const entries = JSON.parse(readFileSync(out, 'utf8')) as { name: string; value: number }[];
  assert.equal(entries.length, 13, 'figures without a value (ws overhead per request) are left out');
});

test('cli compare: bad files and bad flags → exit 2 with one line naming the problem', () => {
  const cases: [string[], RegExp][] = [
    [[path.join(dir, 'missing.json'), baseFile], /missing\.json: no such file/],
    [[write('broken.json', '{"schema":'), baseFile], /broken\.json: not valid JSON/],
    // JSON.parse quotes a short file whole, its line break included: still one line.
    [[write('garbage.json', 'garbage\n'), baseFile], /garbage\.json: not valid JSON \(.*"garbage\\n" is not valid JSON\)$/m],
    [[baseFile, write('other.json', { hello: 1 })], /other\.json: not a wirebench results document/],
    [[baseFile, write('invalid.json', { ...baseline, results: 'x' })], /invalid\.json: \/results: /],
    [[baseFile, baseFile, '--latency-tolerance', 'lots'], /--latency-tolerance "lots" is not valid/],
    [[baseFile, baseFile, '--only', 'noisy'], /--only "noisy" is not valid: use one of all, deterministic/],
  ];
  for (const [args, pattern] of cases) {
    const run = compare(...args);
    assert.equal(run.code, EXIT.usage, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, pattern);
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
  }
});

test('cli compare: a different configuration is refused (exit 2); a different machine is a warning', () => {
  const otherRate = structuredClone(baseline);
  otherRate.config.rate = 5;
  const refused = compare(baseFile, write('rate.json', otherRate));
  assert.equal(refused.code, EXIT.usage);
  assert.match(refused.stderr, /different configurations.*rate 1 vs 5/);
  const otherMachine = structuredClone(baseline);
  otherMachine.environment.cores = 64;
  const warned = compare(baseFile, write('machine.json', otherMachine));
  assert.equal(warned.code, EXIT.ok);
  assert.match(warned.stderr, /warning: different machines/);
});
