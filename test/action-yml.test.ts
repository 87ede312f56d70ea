/**
 * action.yml (the reusable GitHub Action), checked structurally like perf.yml: a composite action
 * whose every input is used, whose scripts never interpolate inputs (they arrive as env), that runs
 * `wirebench ci` from the action's own checkout, and applies the verdict last.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const action = readFileSync(`${ROOT}action.yml`, 'utf8');
const lines = action.split('\n');

test('action.yml: composite, every declared input used, inputs never interpolated into a script', () => {
  assert.match(action, /^runs:\n {2}using: composite$/m);
  const inputsBlock = action.slice(action.indexOf('\ninputs:\n'), action.indexOf('\noutputs:\n'));
  const inputs = [...inputsBlock.matchAll(/^ {2}([a-z-]+):\n {4}description:/gm)].map((m) => m[1]!);
  assert.ok(inputs.includes('server-command') && inputs.includes('target') && inputs.includes('comment') && inputs.includes('history'));
  for (const input of inputs) assert.match(action, new RegExp(`inputs\\.${input}\\b`), `input ${input} is used`);
  let inRun = false;
  for (const line of lines) {
    if (/^ {6}run: \|/.test(line)) inRun = true;
    else if (/^ {4}- /.test(line) || /^ {6}[a-z-]+:/.test(line)) inRun = /^ {6}run: /.test(line);
    if (inRun) assert.doesNotMatch(line, /\$\{\{/, `no expression inside a script: ${line}`);
  }
  for (const [i, line] of lines.entries()) assert.doesNotMatch(line, /\t/, `line ${i + 1} has a tab`);
});

test('action.yml: runs wirebench ci from the action checkout; comment, history, then the verdict last', () => {
  assert.match(action, /node "\$GITHUB_ACTION_PATH\/dist\/scripts\/cli\.js" "\$\{args\[@\]\}"/);
  assert.match(action, /args=\(ci --baseline /);
  assert.match(action, /uses: benchmark-action\/github-action-benchmark@v1\n {6}with:\n(?: {8}.+\n)*? {8}tool: customSmallerIsBetter/);
  const steps = [...action.matchAll(/^ {4}- (?:name: (.+)|uses: (.+))$/gm)].map((m) => m[1] ?? m[2]);
  assert.equal(steps.at(-1), 'Verdict');
  assert.match(action, /run: exit "\$\{WB_CODE:-1\}"/);
});
