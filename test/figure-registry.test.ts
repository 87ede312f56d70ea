/**
 * One vocabulary: a real (tiny) bench, then the same step's figures read from its end table (the
 * CLI's own stdout), the HTML report, the Markdown and compare — same name, same number.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResults, type Measurement, type StepResult } from '../load/results/results-schema.js';
import { compareResults, DEFAULT_THRESHOLDS, RESULT_METRICS, type CompareRow } from '../reports/compare.js';
import { formatValue, renderCompareText } from '../reports/compare-exporters.js';
import { deriveFigures } from '../reports/figures.js';
import { CAVEAT_MARK, FIGURES, figureCaveat, figureCell, figureSpread, formatFigure, MIN_P99_SAMPLES, STEP_TABLE_FIGURES, type FigureId } from '../reports/figure-registry.js';
import { escapeHtml, renderHtml } from '../reports/html-report.js';
import { escapeMarkdown, renderMarkdown } from '../reports/markdown-report.js';
import { allTables, type TableRow } from '../reports/tables.js';
import { requestHeaderBytes } from '../reports/bytes-model.js';
import { buildResults } from './fixtures/results-builder.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));

function bench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'bench', ...args], { timeout: 110_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('the same step shows the same figures under the same names in the end table, the report, the Markdown and compare', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-vocabulary-'));
  try {
    // 3 clients × 20 msg/s × 1 s: fewer than 100 latency samples, so every p99 carries the caveat.
    const run = await bench(['--transports', 'poll,ws', '--clients', '3', '--duration', '1s', '--warmup', '300ms', '--rate', '20', '--interval', '100ms', '--workers', '1', '--repeat', '2', '--out', dir, '--no-report']);
    assert.equal(run.code, 0, run.stderr);
    const doc = parseResults(readFileSync(path.join(dir, 'results.json'), 'utf8'));
    const endTable = run.stdout.split('\n');
    const header = endTable[0] ?? '';
    const steps = allTables(deriveFigures(doc)).find((t) => t.id === 'steps');
    assert.ok(steps);
    const html = renderHtml(doc);
    const md = renderMarkdown(doc);
    const compare = compareResults(doc, doc, { baselineName: 'a', currentName: 'b' });
    const compareText = renderCompareText(compare);

    for (const id of STEP_TABLE_FIGURES) {
      assert.ok(header.includes(FIGURES[id].name), `end table lacks the column ${FIGURES[id].name}`);
      assert.ok(steps.head.includes(FIGURES[id].name), `the report's steps table lacks ${FIGURES[id].name}`);
    }
    for (const result of doc.results) {
      for (const step of result.steps) {
        assert.equal(step.status, 'ok', `${result.transport}: ${step.status === 'failed' ? step.reason : ''}`);
        const m = step.measurement;
        assert.ok(m);
        const row = endTable.find((line) => line.startsWith(result.transport) && line.split(/\s+/)[1] === String(step.clients));
        const reportRow: TableRow | undefined = steps.rows.find((r) => r.cells[1]?.startsWith(String(step.clients)) && r.cells[0] === (result.transport === 'poll' ? 'short polling' : 'WebSocket'));
        assert.ok(row && reportRow, `${result.transport}: no row`);
        for (const id of STEP_TABLE_FIGURES) {
          const cell = figureCell(id, step);
          assert.ok(row.includes(cell), `end table, ${result.transport} ${id}: "${cell}" not in "${row}"`);
          assert.equal(reportRow.cells[steps.head.indexOf(FIGURES[id].name)], cell, `report, ${result.transport} ${id}`);
          assert.ok(md.includes(escapeMarkdown(cell)), `Markdown, ${result.transport} ${id}: ${cell}`);
          assert.ok(html.includes(escapeHtml(cell)), `HTML, ${result.transport} ${id}: ${cell}`);
        }
        // Compare gates the median: the same name, and the value the cell leads with.
        for (const metric of RESULT_METRICS.filter((id) => (STEP_TABLE_FIGURES as readonly string[]).includes(id))) {
          const compared: CompareRow | undefined = compare.rows.find((r) => r.transport === result.transport && r.clients === step.clients && r.metric === metric);
          assert.ok(compared, `compare has no ${metric} row`);
          assert.equal(compared.label, FIGURES[metric].name);
          const value = formatValue(compared.current, compared.unit);
          assert.equal(value, formatFigure(metric, FIGURES[metric].read(m, step.clients)));
          assert.ok(figureCell(metric, step).startsWith(value), `${metric}: compare ${value} vs cell ${figureCell(metric, step)}`);
          assert.ok(compareText.includes(value));
        }
        // A p99 of fewer than 100 samples is flagged; two repeats give a spread.
        assert.ok(step.status === 'ok' && step.repeats?.every((r) => r.window.latency.count < MIN_P99_SAMPLES));
        assert.match(figureCell('latencyP99Us', step), new RegExp(`${CAVEAT_MARK} n=\\d+/repeat$`));
        assert.match(figureCell('bytesPerMessage', step), /^[\d,.]+ B \([\d,.]+ B–[\d,.]+ B\)$/);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the registry's kinds are compare's kinds, and every gated metric is a registry figure", () => {
  for (const metric of RESULT_METRICS) assert.equal(FIGURES[metric].kind, DEFAULT_THRESHOLDS[metric].kind, metric);
});

test('spread and caveat: min–max over repeats beside the median; a p99 from 100 samples or more carries none', () => {
  const doc = buildResults({ clients: [1000], transports: ['ws'], saturated: [] });
  const step = doc.results[0]?.steps[0] as StepResult & { status: 'ok' };
  assert.equal(step.status, 'ok');
  assert.equal(figureSpread('latencyP50Us', step), null);
  assert.equal(figureCaveat('latencyP99Us', step), null);
  const repeat = (p50Us: number): Measurement => ({ ...step.measurement, window: { ...step.measurement.window, latency: { ...step.measurement.window.latency, p50Us } } });
  step.repeats = [repeat(1_000), repeat(3_000), repeat(2_000)];
  step.measurement.window.latency.p50Us = 2_000;
  assert.deepEqual(figureSpread('latencyP50Us', step), { min: 1_000, max: 3_000 });
  assert.equal(figureCell('latencyP50Us', step), '2 ms (1 ms–3 ms)');
  const ids: FigureId[] = ['heapPerConnectionBytes', 'ipMbps', 'generatorCpuPerMessageUs'];
  for (const id of ids) assert.notEqual(FIGURES[id].read(step.measurement, 1000), null, `${id} is read from a version-2 step`);
});

test('the minimal-header lower bound: a browser run less its header lines is what a minimal run sends', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-minimal-'));
  try {
    const runs: Record<string, ReturnType<typeof parseResults>> = {};
    for (const headers of ['browser', 'minimal']) {
      const out = path.join(dir, headers);
      const run = await bench(['--transports', 'poll', '--clients', '2', '--duration', '1s', '--warmup', '200ms', '--rate', '5', '--interval', '200ms', '--workers', '1', '--headers', headers, '--out', out, '--no-report']);
      assert.equal(run.code, 0, run.stderr);
      runs[headers] = parseResults(readFileSync(path.join(out, 'results.json'), 'utf8'));
    }
    const browser = runs.browser!;
    const minimal = runs.minimal!;
    assert.equal(requestHeaderBytes(minimal.config), 0);
    const headerBytes = requestHeaderBytes(browser.config);
    assert.ok(headerBytes > 1000, `the browser profile adds ${headerBytes} B`);
    const request = (doc: typeof browser) => doc.results[0]!.steps[0]!.measurement!.wire.requestBytes;
    // The same poll request but for the profile's header lines (the cursor may differ by a digit between runs).
    assert.ok(Math.abs(request(browser) - headerBytes - request(minimal)) <= 1, `${request(browser)} − ${headerBytes} vs ${request(minimal)}`);
    // The default profile is the browser's; the figure is labelled modelled and only exists with a configuration.
    assert.equal(FIGURES.bytesPerMessageMinimalHeaders.source, 'modelled');
    const m = browser.results[0]!.steps[0]!.measurement!;
    assert.equal(FIGURES.bytesPerMessageMinimalHeaders.read(m, 2), null);
    const modelled = FIGURES.bytesPerMessageMinimalHeaders.read(m, 2, browser.config);
    const measured = FIGURES.bytesPerMessageWindow.read(m, 2);
    assert.ok(modelled !== null && measured !== null && modelled < measured - 1000, `${modelled} vs ${measured}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
