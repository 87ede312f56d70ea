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
import { parseResults, validateResults, type Measurement, type ResultsDocument, type StepResult } from '../load/results/results-schema.js';
import { compareResults, DEFAULT_THRESHOLDS, RESULT_METRICS, type CompareRow } from '../reports/compare.js';
import { formatValue, renderCompareText } from '../reports/compare-exporters.js';
import { deriveFigures } from '../reports/figures.js';
import { PassThrough } from 'node:stream';
import { defaultThreshold, FIGURE_IDS, FIGURE_VIEWS, FIGURES, figuresIn, GATED_FIGURES, MIN_P99_SAMPLES, requestHeaderBytes, type FigureId, type FigureView } from '../load/results/figure-registry.js';
import { median, medianMeasurement } from '../load/meter/repeat-median.js';
import { renderStepsCsv } from '../reports/steps-csv.js';
import { evaluateThresholds, parseThresholdRule } from '../reports/thresholds.js';
import { BenchProgress, printSummaryTable } from '../scripts/bench-progress.js';
import { CAVEAT_MARK, figureCaveat, figureCell, figureSpread, formatFigure } from '../reports/figure-cells.js';
import { escapeHtml, renderHtml } from '../reports/html-report.js';
import { renderMarkdown } from '../reports/markdown-report.js';
import { escapeMarkdown } from '../reports/markdown-text.js';
import { allTables, type TableRow } from '../reports/tables.js';
import { faultTable } from '../reports/fault-report.js';
import { formatCount, formatLatencyUs } from '../reports/format.js';
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

    for (const id of figuresIn('steps')) {
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
        for (const id of figuresIn('steps')) {
          const cell = figureCell(id, step);
          assert.ok(row.includes(cell), `end table, ${result.transport} ${id}: "${cell}" not in "${row}"`);
          assert.equal(reportRow.cells[steps.head.indexOf(FIGURES[id].name)], cell, `report, ${result.transport} ${id}`);
          assert.ok(md.includes(escapeMarkdown(cell)), `Markdown, ${result.transport} ${id}: ${cell}`);
          assert.ok(html.includes(escapeHtml(cell)), `HTML, ${result.transport} ${id}: ${cell}`);
        }
        // Compare gates the median: the same name, and the value the cell leads with.
        for (const metric of RESULT_METRICS.filter((id) => (figuresIn('steps') as readonly string[]).includes(id))) {
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
    // Less each window request's header lines per message: polls per message follow the tick's
    // phase against the poll timer (2 clients, 200 ms each: anywhere near 0.5–1), so the amount
    // removed is asserted through the window's own counts, not as a fixed number of bytes.
    assert.ok(modelled !== null && measured !== null && modelled < measured, `${modelled} vs ${measured}`);
    const removed = (m.window.requests * headerBytes) / m.window.messages.delivered;
    assert.ok(m.window.requests > 0 && Math.abs(measured - modelled - removed) < 0.01, `${measured} − ${modelled} vs ${removed}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** What a stream received, as text. */
function capture(write: (out: PassThrough) => void): string {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  write(out);
  return text;
}

/** The header cells of a fixed-width text table (columns are 2 spaces or more apart). */
const textColumns = (line: string | undefined) => (line ?? '').trim().split(/\s{2,}/);

test('the results model drives every output: a figure is in exactly the tables its views name, compare gates exactly the figures with a gate', () => {
  // A run with a capture and browser headers, its HTTP transports over HTTP/2: every view has its figures.
  const doc = withH2Frames(buildResults({ clients: [10, 100] }));
  const tables = allTables(deriveFigures(doc));
  const head = (id: string) => tables.find((t) => t.id === id)?.head ?? [];
  const end = capture((out) => printSummaryTable(out, doc));
  const [endSteps, endRest] = end.split('TCP/IP layer');
  const [endCapture, endH2] = (endRest ?? '').split('HTTP/2 frames');
  const endCaptureHeader = endCapture?.split('\n')[1];
  const csvHeader = renderStepsCsv(doc).split('\r\n')[0] ?? '';
  const md = renderMarkdown(doc);
  const step = doc.results[0]!.steps[0]!;
  const progress = capture((out) => new BenchProgress(out as unknown as NodeJS.WriteStream, doc.config).onEvent({ kind: 'step', transport: 'poll', step }));
  // The fault table exists for a run with faults only: the same run, every step hit by one.
  const faulted = withH2Frames(buildResults({ clients: [10, 100], faults: true }));
  const faultHead = faultTable(faulted)?.head ?? [];
  const faultMd = renderMarkdown(faulted);
  const shownIn: Record<FigureView, (name: string) => boolean> = {
    steps: (name) => head('steps').includes(name) && textColumns(endSteps?.split('\n')[0]).includes(name) && csvHeader.includes(`${name} (`),
    costs: (name) => head('costs').includes(name) && md.includes(`| ${escapeMarkdown(name)} |`),
    capture: (name) => textColumns(endCaptureHeader).includes(name),
    h2: (name) => head('h2').includes(name) && textColumns(endH2?.split('\n')[1]).includes(name),
    progress: (name) => progress.includes(`${name} ${figureCell(FIGURE_IDS.find((id) => FIGURES[id].name === name)!, step, doc.config)}`),
    correctness: (name) => head('correctness').includes(name),
    faults: (name) => faultHead.includes(name) && faultMd.includes(`| ${escapeMarkdown(name)} |`),
  };
  for (const id of FIGURE_IDS) {
    const figure = FIGURES[id];
    for (const view of FIGURE_VIEWS) {
      const expected = figure.views.includes(view) && (figure.shownFor?.(doc) ?? true);
      assert.equal(shownIn[view](figure.name), expected, `${id} (${figure.name}) ${expected ? 'missing from' : 'shown in'} the ${view} view`);
    }
  }
  // The views' order is the registry's.
  assert.deepEqual(head('steps').slice(3), figuresIn('steps').map((id) => FIGURES[id].name));
  assert.deepEqual(head('costs').slice(2), figuresIn('costs', doc).map((id) => FIGURES[id].name));
  assert.deepEqual(head('correctness').slice(2, -1), figuresIn('correctness').map((id) => FIGURES[id].name));
  assert.deepEqual(faultHead.slice(3, -2), figuresIn('faults').map((id) => FIGURES[id].name));

  const compared = compareResults(doc, doc, { baselineName: 'a', currentName: 'b' });
  for (const transport of doc.config.transports) {
    const rows = compared.rows.filter((r) => r.transport === transport && r.clients === 10);
    assert.deepEqual(rows.map((r) => r.metric), GATED_FIGURES, `${transport}: compare's rows are the gated figures, in order`);
    for (const row of rows) {
      const id = row.metric as (typeof GATED_FIGURES)[number];
      assert.equal(row.label, FIGURES[id].name);
      assert.deepEqual(row.threshold, defaultThreshold(id, transport), `${transport} ${id}: the gate of the registry`);
      assert.equal(row.threshold.kind, FIGURES[id].gate?.transports?.[transport]?.kind ?? FIGURES[id].kind);
    }
  }
  assert.deepEqual(
    FIGURE_IDS.filter((id) => FIGURES[id].gate !== undefined),
    [...RESULT_METRICS],
  );
  for (const id of GATED_FIGURES) assert.notEqual(FIGURES[id].kind, 'info', `${id}: an info figure is never gated`);
});

/** The fixture's poll, long-poll and SSE steps as if over HTTP/2: frame bytes in the window, the handshake and exchange heads sampled. */
function withH2Frames(doc: ResultsDocument): ResultsDocument {
  for (const result of doc.results) {
    if (result.transport === 'ws') continue;
    for (const step of result.steps) {
      const m = step.measurement;
      if (!m) continue;
      const part = (total: number) => ({ preface: 0, headers: Math.floor(total / 4), data: Math.floor(total / 2), settings: 30, windowUpdate: 13, ping: 0, rstStream: 0, goaway: 17, other: 0 });
      m.window.h2FrameBytes = { down: part(m.window.bytes.down.totalBytes), up: { ...part(m.window.bytes.up.totalBytes), preface: 24 } };
      Object.assign(m.wire, { h2PrefaceUpBytes: 33, h2PrefaceDownBytes: 27, firstExchangeHeadBytes: 866, steadyExchangeHeadBytes: 53 });
    }
  }
  return doc;
}

/**
 * Each figure recomputed the naive way from the raw counters of a measurement, written here
 * independently of the registry's helpers.
 */
const NAIVE: Partial<Record<FigureId, (m: Measurement, clients: number) => number | null>> = {
  bytesPerMessage: (m) => (m.totals.bytes.down.totalBytes + m.totals.bytes.up.totalBytes) / m.totals.messages.delivered,
  bytesPerMessageWindow: (m) => (m.window.bytes.down.totalBytes + m.window.bytes.up.totalBytes) / m.window.messages.delivered,
  downBytesPerMessage: (m) => m.window.bytes.down.totalBytes / m.window.messages.delivered,
  upBytesPerMessage: (m) => m.window.bytes.up.totalBytes / m.window.messages.delivered,
  payloadBytesPerMessage: (m) => (m.window.bytes.down.payloadBytes + m.window.bytes.up.payloadBytes) / m.window.messages.delivered,
  overheadBytesPerMessage: (m) => (m.window.bytes.down.totalBytes - m.window.bytes.down.payloadBytes + m.window.bytes.up.totalBytes - m.window.bytes.up.payloadBytes) / m.window.messages.delivered,
  overheadBytesPerRequest: (m) => {
    const t = m.totals;
    const answersWithMessages = t.requests - t.emptyResponses;
    const commas = Math.max(0, t.messages.delivered + t.messages.duplicated - answersWithMessages);
    return m.window.requests === 0 ? null : (t.bytes.down.overheadBytes + t.bytes.up.overheadBytes - commas) / t.requests;
  },
  mbps: (m) => ((m.window.bytes.down.totalBytes + m.window.bytes.up.totalBytes) * 8) / (m.window.durationMs * 1000),
  cpuPerMessageUs: (m) => (m.server ? (m.server.cpuUserUs + m.server.cpuSystemUs) / m.window.messages.delivered : null),
  generatorCpuPerMessageUs: (m) => (m.generator.cpuUserUs! + m.generator.cpuSystemUs!) / m.window.messages.delivered,
  generatorCpuPerRequestUs: (m) => (m.window.requests === 0 ? null : (m.generator.cpuUserUs! + m.generator.cpuSystemUs!) / m.window.requests),
  latencyP50Us: (m) => m.window.latency.p50Us,
  latencyP99Us: (m) => m.window.latency.p99Us,
  lost: (m) => m.window.messages.expected - m.window.messages.delivered,
  reach: (m) => m.window.messages.delivered / m.window.messages.expected,
  connectErrors: (m, clients) => clients - m.clientsConnected,
};

test("a figure's reader agrees with a naive recomputation from the raw measurement (the committed CI baseline, a real run)", () => {
  const doc = parseResults(readFileSync(fileURLToPath(new URL('../../results/baseline/ci.json', import.meta.url)), 'utf8'));
  let checked = 0;
  for (const result of doc.results) {
    for (const step of result.steps) {
      const m = step.measurement;
      if (step.status !== 'ok' || !m) continue;
      for (const [id, naive] of Object.entries(NAIVE) as [FigureId, (m: Measurement, clients: number) => number | null][]) {
        const read = FIGURES[id].read(m, step.clients, doc.config);
        const expected = naive(m, step.clients);
        if (expected === null) {
          assert.equal(read, null, `${result.transport} ${id}`);
          continue;
        }
        assert.ok(read !== null && Math.abs(read - expected) <= Math.abs(expected) * 1e-9 + 1e-9, `${result.transport} @ ${step.clients} ${id}: read ${read}, naive ${expected}`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 4 * 10, `${checked} figures checked`);
});

test('--repeat folds each figure as the registry says: median figures are the median of the repeats, worst figures the worst', () => {
  const doc = buildResults({ transports: ['poll', 'ws'], clients: [100], saturated: [] });
  for (const result of doc.results) {
    const base = result.steps[0]!.measurement!;
    // Three repeats that differ in every field a figure is read from.
    const repeats = [0.9, 1, 1.3].map((f, i) => {
      const r = structuredClone(base);
      r.window.latency.p50Us *= f;
      r.window.latency.p99Us *= 2 - f;
      r.derived.mbps.total *= f;
      r.derived.reach = 1 - i * 0.001;
      r.window.messages.lost = [0, 7, 2][i]!;
      r.window.messages.duplicated = [3, 0, 1][i]!;
      r.clientsConnected = 100 - [0, 0, 4][i]!;
      r.generator.cpuUsPerMessage = (r.generator.cpuUsPerMessage ?? 1) * (2 - f);
      r.server!.memory!.heapBytesPerConnection! *= f;
      r.server!.memory!.rssBytesPerConnection! *= 2 - f;
      r.capture!.window.down.segments += i * 10;
      r.capture!.derived.mbps.total *= f;
      return r;
    });
    const folded = medianMeasurement(repeats);
    let checked = 0;
    for (const id of FIGURE_IDS) {
      const { fold, read } = FIGURES[id];
      const values = repeats.map((r) => read(r, 100, doc.config));
      if (fold === 'reread' || values.some((v) => v === null)) continue;
      const numbers = values as number[];
      const expected = fold === 'median' ? median(numbers) : Math.max(...numbers);
      assert.equal(read(folded, 100, doc.config), expected, `${result.transport} ${id} (${fold}) over ${numbers.join(', ')}`);
      checked++;
    }
    assert.ok(checked >= 12, `${checked} folds checked`);
  }
});

test('a figure added through the registry alone (generator CPU/request) is in the costs table, the Markdown and --threshold, read from the measurement', () => {
  const doc = buildResults({ transports: ['poll', 'ws'], clients: [100], saturated: [] });
  const costs = allTables(deriveFigures(doc)).find((t) => t.id === 'costs');
  assert.ok(costs);
  const column = costs.head.indexOf(FIGURES.generatorCpuPerRequestUs.name);
  assert.ok(column > 0, 'a column of the costs table');
  const md = renderMarkdown(doc);
  for (const [i, result] of doc.results.entries()) {
    const step = result.steps[0]!;
    const m = step.measurement!;
    const cell: string | undefined = costs.rows[i]?.cells[column];
    if (result.transport === 'poll') {
      assert.ok(m.generator.cpuUsPerRequest !== undefined && m.generator.cpuUsPerRequest !== null);
      assert.equal(cell, formatFigure('generatorCpuPerRequestUs', m.generator.cpuUsPerRequest));
      assert.ok(md.includes(escapeMarkdown(cell!)));
    } else assert.equal(cell, '—', 'WebSocket sends no request in the window');
  }
  const checks = evaluateThresholds(doc, [parseThresholdRule('poll.generatorCpuPerRequestUs<1us')]);
  assert.equal(checks.length, 1);
  assert.equal(checks[0]?.passed, false, 'a threshold on the new figure can fail');
});

test('the fault table reads its counts through the registry, the server drop counters included (— where /stats did not say)', () => {
  const doc = buildResults({ transports: ['longpoll', 'sse'], clients: [10], saturated: [], faults: true });
  // The long-poll server reset two connections; the SSE server's /stats does not say how many streams it cut.
  Object.assign(doc.results[0]!.steps[0]!.measurement!.server!, { connectionsReset: 2 });
  delete doc.results[1]!.steps[0]!.measurement!.server!.stalledDropped;
  assert.doesNotThrow(() => validateResults(doc));
  const table = faultTable(doc)!;
  const column = (id: FigureId) => table.head.indexOf(FIGURES[id].name);
  for (const [i, result] of doc.results.entries()) {
    const m = result.steps[0]!.measurement!;
    const cells = table.rows[i]!.cells;
    assert.equal(cells[column('recovered')], formatCount(m.faults!.recovered));
    assert.equal(cells[column('resets')], '10');
    assert.equal(cells[column('recoveryP99Us')], formatLatencyUs(m.faults!.recovery.p99Us));
    assert.equal(cells[column('connectionsReset')], result.transport === 'longpoll' ? '2' : '0');
    assert.equal(cells[column('idleDropped')], result.transport === 'longpoll' ? '1' : '0');
    assert.equal(cells[column('stalledDropped')], result.transport === 'longpoll' ? '0' : '—');
  }
});
