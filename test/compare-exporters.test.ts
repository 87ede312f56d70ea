import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareToGab, renderCompareMarkdown, renderCompareText } from '../reports/compare-exporters.js';
import { compareResults } from '../reports/compare.js';
import { buildResults } from './fixtures/results-builder.js';

function regressedReport() {
  const baseline = buildResults({ transports: ['poll', 'ws'], clients: [10], saturated: [] });
  const current = structuredClone(baseline);
  const step = current.results[1]!.steps[0]!;
  assert.equal(step.status, 'ok');
  if (step.status === 'ok') step.measurement.totals.bytes.down.totalBytes += 200 * step.measurement.totals.messages.delivered;
  const poll = current.results[0]!.steps[0]!;
  if (poll.status === 'ok') poll.measurement.generator.saturated = true;
  return compareResults(baseline, current, { baselineName: 'results/baseline/ci.json', currentName: 'results/ci/results.json' });
}

test('text: one aligned row per figure, the verdict, and a closing FAIL line', () => {
  const text = renderCompareText(regressedReport());
  const lines = text.trimEnd().split('\n');
  assert.match(lines[0]!, /baseline.*current/);
  const regressed = lines.filter((l) => l.includes('REGRESSED'));
  assert.equal(regressed.length, 1);
  assert.match(regressed[0]!, /^ws @ 10 clients\s+bytes\/msg\s+.*\+200 B/);
  assert.match(text, /note: poll @ 10 clients: generator saturated/);
  assert.equal(lines.at(-1), 'FAIL: 1 regression in 14 figures');
});

test('markdown: a job-summary table that escapes free text', () => {
  const report = regressedReport();
  report.rows[0]!.note = 'reason | with <b>markup</b> &lt;i&gt; #1';
  const md = renderCompareMarkdown(report);
  assert.match(md, /^### wirebench compare\n\n❌ \*\*1 regression in 14 figures\*\*/);
  assert.match(md, /\| step \| metric \| baseline \| current \| delta \| allowed \| verdict \|/);
  assert.match(md, /\| ws @ 10 clients \| bytes\/msg \(step\) \|.*❌ \*\*regressed\*\* \|/);
  // The report's rule (reports/markdown-text.ts): an entity stays its characters, `#` is escaped.
  assert.ok(md.includes('reason \\| with \\<b\\>markup\\</b\\> &amp;lt;i&amp;gt; \\#1'), md);
  const tableRows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| step'));
  assert.equal(tableRows.length, 14);
  for (const line of tableRows) assert.equal(line.split(/(?<!\\)\|/).length, 9, line);
});

test('gab: customSmallerIsBetter entries carry the current value, a unit and the verdict', () => {
  const entries = compareToGab(regressedReport());
  assert.equal(entries.length, 13, 'figures without a value (ws overhead per request) are left out');
  for (const entry of entries) {
    assert.deepEqual(Object.keys(entry).sort(), ['extra', 'name', 'unit', 'value']);
    assert.equal(typeof entry.value, 'number');
    assert.ok(Number.isFinite(entry.value));
  }
  const bytes = entries.find((e) => e.name === 'ws @ 10 clients — bytes/msg (step)');
  assert.ok(bytes);
  assert.equal(bytes.unit, 'B');
  assert.match(bytes.extra!, /regressed/);
  assert.equal(new Set(entries.map((e) => e.name)).size, entries.length, 'names are unique (gab keys series by name)');
});
