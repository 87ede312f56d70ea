import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readConfigFile } from '../scripts/config-file.js';
import type { ResultsDocument } from '../load/results/results-schema.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));
const work = mkdtempSync(path.join(os.tmpdir(), 'wirebench-config-'));
after(() => rmSync(work, { recursive: true, force: true }));

function writeConfig(dir: string, config: unknown): string {
  const file = path.join(dir, 'wirebench.config.json');
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
  return file;
}

test('readConfigFile: named errors for unknown keys, bad values, bad JSON', () => {
  const dir = mkdtempSync(path.join(work, 'unit-'));
  assert.throws(() => readConfigFile(writeConfig(dir, { benhc: {} })), /wirebench\.config\.json: unknown key "benhc": use bench, ci, ladders, presets, thresholds/);
  assert.throws(() => readConfigFile(writeConfig(dir, { ladders: { small: [10, 0] } })), /ladders\.small\.1 0 is not valid: Expected integer to be greater or equal to 1/);
  assert.throws(() => readConfigFile(writeConfig(dir, { thresholds: 'lost==0' })), /thresholds "lost==0" is not valid: Expected array/);
  // An option's value of no type a flag takes says what is accepted (not TypeBox's "Expected union value").
  assert.throws(() => readConfigFile(writeConfig(dir, { bench: { duration: { seconds: 8 } } })), /bench\.duration \{"seconds":8\} is not valid: use a string, a number, true \/ false, or a list of strings and numbers/);
  assert.throws(() => readConfigFile(writeConfig(dir, '{"bench": {')), /wirebench\.config\.json: not valid JSON/);
  assert.throws(() => readConfigFile(path.join(dir, 'missing.json')), /missing\.json: cannot read \(ENOENT\)/);
});

function cli(dir: string, args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
}

test('bench reads ./wirebench.config.json (profile, ladder, thresholds); flags override it', () => {
  const dir = mkdtempSync(path.join(work, 'run-'));
  writeConfig(dir, {
    bench: { transports: 'ws', clients: 'tiny', duration: '1s', warmup: '200ms', rate: 20, workers: 1, report: false },
    ladders: { tiny: [2] },
    thresholds: ['lost==0'],
  });
  const run = cli(dir, ['bench', '--transports', 'sse', '--out', 'out']);
  assert.equal(run.status, 0, run.stderr);
  const doc = JSON.parse(readFileSync(path.join(dir, 'out', 'results.json'), 'utf8')) as ResultsDocument;
  assert.deepEqual(doc.config.transports, ['sse'], 'the flag wins over the file');
  assert.deepEqual(doc.config.clients, [2], 'the ladder named in the file');
  assert.equal(doc.config.rate, 20);
  assert.match(run.stderr, /thresholds: all 1 checks passed/, 'the file\'s thresholds are checked');
});

test('config errors name the file and key: unknown option, wrong type, a bad value, a preset key; exit 2 before running', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ bench: { durations: '5s' } }, /wirebench\.config\.json: bench\.durations is not an option of wirebench bench: use one of transports, clients, duration,/],
    [{ bench: { report: 'no' } }, /wirebench\.config\.json: bench\.report "no" is not valid: use true or false/],
    [{ bench: { duration: '-5s' } }, /wirebench\.config\.json bench\.duration: --duration "-5s" is not a valid duration/],
    [{ thresholds: ['ws.latency.p99<20parsecs'] }, /wirebench\.config\.json thresholds: --threshold "ws\.latency\.p99<20parsecs": unit "parsecs"/],
    [{ presets: { tiny: { clientz: '2' } } }, /wirebench\.config\.json: presets\.tiny\.clientz is not a bench option a preset can set/],
    [{ presets: { quick: { clients: '2' } } }, /preset "quick" is built in: give yours another name/],
    [{ ci: { serverComand: 'node server.js' } }, /wirebench\.config\.json: ci\.serverComand is not an option of wirebench ci: use one of baseline, updateBaseline, target, serverCommand/],
  ];
  for (const [config, pattern] of cases) {
    const dir = mkdtempSync(path.join(work, 'bad-'));
    writeConfig(dir, config);
    const command = 'ci' in (config as object) ? 'ci' : 'bench';
    const run = cli(dir, [command, '--out', 'out']);
    assert.equal(run.status, 2, `${JSON.stringify(config)}: ${run.stderr}`);
    assert.match(run.stderr, pattern);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  }
  const missing = cli(work, ['bench', '--config', 'nope.json']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope\.json: cannot read \(ENOENT\)/);
});
