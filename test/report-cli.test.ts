/** `wirebench report` as a user runs it: the built CLI in a child process. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildResults } from './fixtures/results-builder.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function wirebench(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir = '';
let good = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirebench-report-cli-'));
  good = join(dir, 'results.json');
  await writeFile(good, JSON.stringify(buildResults(), null, 2));
});

function assertOneLine(run: Run, ...parts: (string | RegExp)[]): void {
  assert.equal(run.code, 2, `exit ${run.code}: ${run.stderr}`);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${run.stderr}`);
  for (const part of parts) {
    if (typeof part === 'string') assert.ok(lines[0]?.includes(part), `${lines[0]} does not name ${part}`);
    else assert.match(lines[0] ?? '', part);
  }
}

test('report: a missing file → exit 2, one line naming it', async () => {
  const missing = join(dir, 'missing.json');
  assertOneLine(await wirebench('report', missing), missing, 'no such file');
});

test('report: truncated JSON → exit 2, one line naming the file', async () => {
  const truncated = join(dir, 'truncated.json');
  await writeFile(truncated, (await readFile(good, 'utf8')).slice(0, 2000));
  assertOneLine(await wirebench('report', truncated), truncated, 'not valid JSON');
  const empty = join(dir, 'empty.json');
  await writeFile(empty, '');
  assertOneLine(await wirebench('report', empty), empty, 'empty file');
});

test('report: schema-invalid → exit 2 naming the JSON path; another version → the version message', async () => {
  const doc = buildResults() as unknown as { config: { rate: unknown }; version: number };
  doc.config.rate = 'fast';
  const invalid = join(dir, 'invalid.json');
  await writeFile(invalid, JSON.stringify(doc));
  assertOneLine(await wirebench('report', invalid), invalid, '/config/rate');

  doc.version = 3;
  const newer = join(dir, 'newer.json');
  await writeFile(newer, JSON.stringify(doc));
  assertOneLine(await wirebench('report', newer), newer, 'results schema version 3 is not supported');

  const other = join(dir, 'other.json');
  await writeFile(other, '{"hello":"world"}');
  assertOneLine(await wirebench('report', other), other, 'not a wirebench results document');
});

test('report: a bad --format → exit 2', async () => {
  assertOneLine(await wirebench('report', good, '--format', 'pdf'), '--format "pdf" is not valid: use one of html, md');
});

test('report --format md: headline and tables on stdout', async () => {
  const run = await wirebench('report', good, '--format', 'md');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^## wirebench report/);
  assert.match(run.stdout, /\*\*At 1,000 clients, with browser request headers \(measured\), short polling moved \d+× the bytes of WebSocket per delivered message/);
  assert.match(run.stdout, /\| transport \| clients \| status \| bytes\/msg \(window\) \|/);
  assert.match(run.stdout, /\| --- \| ---: \|/);
});

test('report: HTML beside the results by default, or where -o says', async () => {
  const run = await wirebench('report', good);
  assert.equal(run.code, 0, run.stderr);
  const html = await readFile(join(dir, 'report.html'), 'utf8');
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /id="headline">At 1,000 clients/);

  const md = join(dir, 'out', 'summary.md');
  const toFile = await wirebench('report', good, '--format', 'md', '-o', md);
  assert.equal(toFile.code, 0, toFile.stderr);
  assert.match(await readFile(md, 'utf8'), /^## wirebench report/);
});

test('report: a version-1 results document (the CI baseline as committed before version 2) still renders', async () => {
  const baseline = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'results-v1.json');
  assert.equal((JSON.parse(await readFile(baseline, 'utf8')) as { version: number }).version, 1, 'the fixture is a version-1 document');
  const out = join(dir, 'v1.md');
  const run = await wirebench('report', baseline, '--format', 'md', '--output', out);
  assert.equal(run.code, 0, run.stderr);
  assert.match(await readFile(out, 'utf8'), /poll/);
});
