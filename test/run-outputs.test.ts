import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderStepsCsv } from '../reports/steps-csv.js';
import { formatEta, stylerFor } from '../scripts/terminal-style.js';
import { buildResults } from './fixtures/results-builder.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));
const work = mkdtempSync(path.join(os.tmpdir(), 'wirebench-outputs-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('steps.csv: one row per step, raw numbers under unit-named headers, a failed step\'s reason quoted', () => {
  const doc = buildResults({ transports: ['poll', 'ws'], clients: [10, 100], failed: { 'ws@100': 'server died, "badly"' } });
  const lines = renderStepsCsv(doc).split('\r\n');
  assert.match(lines[0]!, /^transport,clients,status,.*latency p50 \(us\),.*,generator saturated,reason$/);
  assert.equal(lines.length, 1 + 4 + 1, 'header, four steps, the final CRLF');
  assert.match(lines[1]!, /^poll,10,ok,\d/);
  assert.match(lines[4]!, /^ws,100,failed,.*,"server died, ""badly"""$/);
});

test('colours only on a TTY that has them (NO_COLOR honoured through hasColors); ETA text', () => {
  const plain = new PassThrough();
  assert.equal(stylerFor(plain)('red', 'FAILED'), 'FAILED', 'a pipe gets no escape codes');
  const noColor = Object.assign(new PassThrough(), { isTTY: true, hasColors: () => false });
  assert.equal(stylerFor(noColor)('red', 'FAILED'), 'FAILED');
  const colour = Object.assign(new PassThrough(), { isTTY: true, hasColors: () => true });
  assert.equal(stylerFor(colour)('red', 'FAILED'), '\u001b[31mFAILED\u001b[39m');
  assert.deepEqual([formatEta(45_000), formatEta(185_000), formatEta(3_720_000)], ['45 s', '3m05s', '1h02m']);
});

const SMALL = ['--transports', 'ws', '--clients', '2', '--duration', '1s', '--warmup', '200ms', '--rate', '20', '--workers', '1'];

test('default results directory: results/latest points at the run, files printed as absolute file:// URLs, steps.csv written', () => {
  const run = spawnSync(process.execPath, [CLI, 'bench', ...SMALL], { cwd: work, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(run.status, 0, run.stderr);
  const latest = path.join(work, 'results', 'latest');
  const target = readlinkSync(latest);
  assert.match(target, /^\d{4}-\d\d-\d\dT[\d-]+Z$/, 'a relative link to the timestamped directory');
  assert.ok(existsSync(path.join(latest, 'results.json')));
  const runDir = path.join(work, 'results', target);
  assert.match(run.stderr, new RegExp(`^results: ${pathToFileURL(path.join(runDir, 'results.json')).href.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  assert.match(run.stderr, /^report: {2}file:\/\/\/.*\/report\.html$/m);
  assert.match(readFileSync(path.join(runDir, 'steps.csv'), 'utf8'), /^ws,2,ok,/m);
  assert.ok(!run.stderr.includes('\u001b['), 'no colour codes in a pipe');
});

test('--quiet: nothing on stdout or stderr, the results still written', () => {
  const out = path.join(work, 'quiet');
  const run = spawnSync(process.execPath, [CLI, 'bench', ...SMALL, '--quiet', '--out', out], { cwd: work, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr, '');
  assert.ok(existsSync(path.join(out, 'results.json')) && existsSync(path.join(out, 'steps.csv')) && existsSync(path.join(out, 'report.html')));
});
