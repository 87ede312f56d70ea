import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { validateResults, type ResultsDocument } from '../load/results/results-schema.js';
import { chartSpecs, reachAxisMin } from '../reports/chart-specs.js';
import { deriveFigures, PAPER_MODEL, PAPER_PUBLISHED, paperMethodMbps, paperPollMbps, paperWsMbps, projectMbps } from '../reports/figures.js';
import { formatBytes, formatFraction, formatLatencyUs, formatNumber, formatRatio, formatSignedPercent } from '../reports/format.js';
import { writeHeadline } from '../reports/headline.js';
import { allTables } from '../reports/tables.js';
import { escapeHtml, jsonForScript, renderHtml } from '../reports/html-report.js';
import { renderMarkdown } from '../reports/markdown-report.js';
import { escapeMarkdown } from '../reports/markdown-text.js';
import { buildResults } from './fixtures/results-builder.js';
import { deriveWindowFigures, FIGURES, figuresIn, generatorCpuFigures } from '../load/results/figure-registry.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BYTES_SCOPE } from '../reports/figure-cells.js';

const close = (actual: number | null | undefined, expected: number, epsilon = 1e-9) =>
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) <= epsilon * Math.max(1, Math.abs(expected)), `${actual} ≠ ${expected}`);

test('fixture builder: every variant is a schema-valid results document', () => {
  for (const options of [
    {},
    { workload: 'chat' as const },
    { hostile: true },
    { transports: ['sse' as const], clients: [5] },
    { faults: true },
    { failed: { 'ws@100': { reason: 'a load worker exited', kind: 'worker' as const } } },
    { protocols: ['http1' as const, 'h2' as const], compressions: ['off' as const, 'on' as const] },
  ]) {
    const roundTripped: unknown = JSON.parse(JSON.stringify(buildResults(options)));
    assert.doesNotThrow(() => validateResults(roundTripped));
  }
});

test("fixture builder: its stored figures are the results model's (derived, generator CPU), its failed steps say why as a kind, its fault steps have every fault figure", () => {
  const doc = buildResults({ clients: [10, 100], failed: { 'ws@100': { reason: 'a load worker exited', kind: 'worker' }, 'sse@100': 'EMFILE ×3' }, faults: true });
  for (const result of doc.results) {
    for (const step of result.steps) {
      if (step.status === 'failed') {
        assert.equal(step.failureKind, result.transport === 'ws' ? 'worker' : 'connect-failed', `${result.transport}@${step.clients}`);
        continue;
      }
      const m = step.measurement!;
      assert.deepEqual(m.derived, deriveWindowFigures(m.window, step.clients));
      const g = m.generator;
      assert.deepEqual({ cpuUserUs: g.cpuUserUs, cpuSystemUs: g.cpuSystemUs, cpuUsPerMessage: g.cpuUsPerMessage, cpuUsPerRequest: g.cpuUsPerRequest }, generatorCpuFigures(g.cpuUserUs!, g.cpuSystemUs!, m.window));
      for (const id of figuresIn('faults')) assert.notEqual(FIGURES[id].read(m, step.clients, doc.config), null, `${result.transport}@${step.clients}: ${id}`);
    }
  }
  assert.ok(doc.results.flatMap((r) => r.steps).filter((s) => s.status === 'failed').length === 2);
});

test('projection and the paper model: clients × bytes/s × 8 ÷ 10^6', () => {
  close(projectMbps(100_000, 118.5), 94.8);
  close(paperPollMbps(1000, 1), 6.968);
  close(paperPollMbps(100_000, 2), 1393.6);
  close(paperWsMbps(100_000, 1), 1.6);
});

test("the paper's published figures are its method (bits/s ÷ 2^20) rounded as it printed them", () => {
  assert.deepEqual(PAPER_PUBLISHED.map((p) => [p.poll, p.ws]), [['6.6', '0.015'], ['66', '0.153'], ['665', '1.526']]);
  for (const published of PAPER_PUBLISHED) {
    const poll = paperMethodMbps(published.clients, PAPER_MODEL.pollHeaderBytes);
    const ws = paperMethodMbps(published.clients, PAPER_MODEL.wsFrameBytes);
    // Each printed figure is the method's value rounded to the digits printed.
    const lastDigit = (text: string) => 10 ** -(text.split('.')[1]?.length ?? 0);
    assert.ok(Math.abs(poll - Number(published.poll)) <= lastDigit(published.poll) / 2, `${poll} vs ${published.poll}`);
    assert.ok(Math.abs(ws - Number(published.ws)) <= lastDigit(published.ws) / 2, `${ws} vs ${published.ws}`);
  }
  close(paperMethodMbps(1000, 871), 6.64520263671875);
});

test('websocket.org figure: measured where reached, projected linearly from the largest measured step', () => {
  const figures = deriveFigures(buildResults());
  const poll = figures.throughput.filter((c) => c.transport === 'poll');
  assert.deepEqual(poll.map((c) => c.source), ['measured', 'projected', 'projected']);
  assert.deepEqual(poll.map((c) => c.fromClients), [1000, 1000, 1000]);
  // The fixture's poll@1000 step is generator-saturated, and so are projections made from it.
  assert.deepEqual(poll.map((c) => c.saturated), [true, true, true]);
  const [at1k, at10k, at100k] = poll;
  close(at10k?.totalMbps, 10 * (at1k?.totalMbps ?? NaN), 1e-9);
  close(at100k?.totalMbps, 100 * (at1k?.totalMbps ?? NaN), 1e-9);
  assert.ok((at100k?.overheadMbps ?? 0) < (at100k?.totalMbps ?? 0));
  // The paper's series at 1 poll/s and 1 msg/s: as published, and our SI recomputation beside it.
  assert.deepEqual(figures.paper.map((p) => [p.publishedPoll, p.publishedWs]), [['6.6', '0.015'], ['66', '0.153'], ['665', '1.526']]);
  assert.deepEqual(figures.paper.map((p) => Number(p.pollMbps.toFixed(3))), [6.968, 69.68, 696.8]);
  assert.deepEqual(figures.paper.map((p) => Number(p.wsMbps.toFixed(3))), [0.016, 0.16, 1.6]);
});

test('websocket.org figure: a run that never reached 1,000 clients is projected everywhere; no ok step gives no bars', () => {
  const small = deriveFigures(buildResults({ clients: [10, 100] }));
  const ws = small.throughput.filter((c) => c.transport === 'ws');
  assert.deepEqual(ws.map((c) => c.source), ['projected', 'projected', 'projected']);
  assert.deepEqual(ws.map((c) => c.fromClients), [100, 100, 100]);
  const failed = deriveFigures(buildResults({ transports: ['ws'], clients: [10], failed: { 'ws@10': 'server did not start' } }));
  assert.deepEqual(failed.throughput.map((c) => c.source), ['none', 'none', 'none']);
});

test('websocket.org figure: a count the run tried and failed shows as failed, and nothing is projected beyond it', () => {
  const doc = buildResults({ clients: [100, 1000, 10_000], saturated: [], failed: { 'poll@10000': 'EMFILE ×91' } });
  const figures = deriveFigures(doc);
  const poll = figures.throughput.filter((c) => c.transport === 'poll');
  assert.deepEqual(poll.map((c) => c.source), ['measured', 'failed', 'none']);
  assert.equal(poll[1]?.totalMbps, null);
  assert.equal(poll[2]?.reason, 'not projected: the 10,000-client step failed');
  const ws = figures.throughput.filter((c) => c.transport === 'ws');
  assert.deepEqual(ws.map((c) => [c.source, c.fromClients]), [['measured', 1000], ['measured', 10_000], ['projected', 10_000]]);
  const table = allTables(figures).find((t) => t.id === 'throughput');
  assert.match(table?.rows[0]?.cells[2] ?? '', /^✗ failed/);
  const chart = chartSpecs(figures).find((c) => c.id === 'chart-throughput');
  assert.deepEqual(chart?.datasets[0]?.failed, [false, true, false]);
  assert.equal(writeHeadline(figures).sentences[2], 'Short polling failed at 10,000 clients (reason in the table), so nothing is projected to 100,000.');
});

test('headline: a projected figure names the step it was projected from', () => {
  const figures = deriveFigures(buildResults({ clients: [100, 1000], saturated: [] }));
  assert.match(writeHeadline(figures).sentences[2] ?? '', /^Projected linearly from the 1,000-client step to 100,000 clients at 1 msg\/s, short polling would need [\d,.]+ Mbps against [\d,.]+ Mbps for WebSocket\.$/);
  const mixed = buildResults({ clients: [100, 1000], saturated: [] });
  const ws = mixed.results.find((r) => r.transport === 'ws');
  assert.ok(ws);
  ws.steps = ws.steps.filter((step) => step.clients !== 1000);
  assert.match(
    writeHeadline(deriveFigures(mixed)).text,
    /At 100,000 clients at 1 msg\/s, short polling would need [\d,.]+ Mbps \(projected linearly from the 1,000-client step\) against [\d,.]+ Mbps \(projected linearly from the 100-client step\) for WebSocket\./,
  );
});

test('layer switch: payload / + HTTP & WebSocket framing / + TCP/IP, the last only when the run has a capture', () => {
  const withCapture = chartSpecs(deriveFigures(buildResults())).find((c) => c.id === 'chart-throughput');
  assert.deepEqual(withCapture?.layerSwitch?.layers.map((l) => l.label), ['payload', '+ HTTP & WebSocket framing', '+ TCP/IP']);
  assert.equal(withCapture?.layerSwitch?.initial, 'socket');
  const poll = withCapture?.datasets[0];
  assert.deepEqual(poll?.views?.socket, poll?.data);
  const figures = deriveFigures(buildResults());
  const cell = figures.throughput.find((c) => c.transport === 'poll' && c.clients === 1000);
  const m = figures.transports[0]?.steps.find((s) => s.clients === 1000)?.measurement;
  assert.ok(cell && m?.capture);
  close(cell.layers.ip.total, ((m.capture.window.down.ipBytes + m.capture.window.up.ipBytes) * 8) / (m.window.durationMs / 1000) / 1e6);
  close(cell.layers.ip.total, m.capture.derived.mbps.total);
  const projected = figures.throughput.find((c) => c.transport === 'poll' && c.clients === 100_000);
  close(projected?.layers.ip.total, 100 * (cell.layers.ip.total ?? NaN), 1e-9);
  const without = chartSpecs(deriveFigures(buildResults({ capture: false }))).find((c) => c.id === 'chart-throughput');
  assert.deepEqual(without?.layerSwitch?.layers.map((l) => l.id), ['payload', 'socket']);
  assert.ok(without?.notes.some((n) => n.includes('appears when the run has a packet capture')));
});

test('per-step figures: server and generator CPU per message, memory per connection within the step', () => {
  const figures = deriveFigures(buildResults());
  const ws = figures.transports.find((t) => t.transport === 'ws');
  const s100 = ws?.steps[1];
  const m = s100?.measurement;
  assert.ok(m?.server?.memory);
  close(s100?.figures.cpuPerMessageUs, (m.server.cpuUserUs + m.server.cpuSystemUs) / m.window.messages.delivered);
  close(s100?.figures.generatorCpuPerMessageUs, m.generator.cpuUsPerMessage ?? NaN);
  close(s100?.figures.heapPerConnectionBytes, m.server.memory.heapBytesPerConnection ?? NaN);
  close(s100?.figures.rssPerConnectionBytes, m.server.memory.rssBytesPerConnection ?? NaN);
  // A results file without memory per connection (version 1) draws no memory points and says why.
  const old = buildResults();
  for (const result of old.results) for (const step of result.steps) if (step.measurement?.server) delete step.measurement.server.memory;
  const rss = chartSpecs(deriveFigures(old)).find((c) => c.id === 'chart-rss');
  assert.deepEqual(rss?.datasets, []);
  assert.match(rss?.notes[0] ?? '', /no memory per connection/);
});

/** The fixture with poll@1000 and ws@1000 set to 4,100 and 100 bytes per message, 502 ms and 0.4 ms. */
function headlineDoc(): ResultsDocument {
  const doc = buildResults({ saturated: [] });
  for (const result of doc.results) {
    const step = result.steps.find((s) => s.clients === 1000);
    const m = step?.measurement;
    if (!m || (result.transport !== 'poll' && result.transport !== 'ws')) continue;
    const perMessage = result.transport === 'poll' ? 4100 : 100;
    const delivered = m.window.messages.delivered;
    m.window.bytes.down = { totalBytes: perMessage * delivered, payloadBytes: 58 * delivered, overheadBytes: (perMessage - 58) * delivered };
    m.window.bytes.up = { totalBytes: 0, payloadBytes: 0, overheadBytes: 0 };
    m.window.latency.p50Us = result.transport === 'poll' ? 502_000 : 400;
  }
  return doc;
}

test('headline: the largest client count both transports measured, from the numbers', () => {
  const headline = writeHeadline(deriveFigures(headlineDoc()));
  assert.equal(
    headline.sentences[0],
    'At 1,000 clients, with browser request headers (measured), short polling moved 41× the bytes of WebSocket per delivered message (4,100 B against 100 B), and its median latency was 502 ms against 0.4 ms.',
  );
  // The minimal-header lower bound beside it, modelled: the profile's header lines off every request.
  const doc = headlineDoc();
  const headerBytes = doc.config.headers.headers.reduce((sum, [name, value]) => sum + name.length + value.length + 4, 0);
  const poll = doc.results.find((r) => r.transport === 'poll')?.steps.find((step) => step.clients === 1000)?.measurement;
  assert.ok(poll && headerBytes > 400);
  const minimalPoll = 4100 - (poll.window.requests * headerBytes) / poll.window.messages.delivered;
  assert.equal(
    headline.sentences[1],
    `With minimal request headers (modelled: the same traffic less the profile's ${headerBytes} header bytes on every request) the lower bound is ${formatRatio(minimalPoll / 100)} (${formatBytes(minimalPoll)} against 100 B).`,
  );
  assert.match(headline.sentences[2] ?? '', /^Projected linearly from the 1,000-client step to 100,000 clients at 1 msg\/s, short polling would need [\d,.]+ Mbps against [\d,.]+ Mbps for WebSocket\.$/);
});

test('headline: missing transports, a shorter ladder, saturation and failures', () => {
  const ladders = buildResults({ saturated: [] });
  const poll = ladders.results.find((r) => r.transport === 'poll');
  assert.ok(poll);
  poll.steps = poll.steps.filter((s) => s.clients !== 1000);
  assert.match(writeHeadline(deriveFigures(ladders)).text, /^At 100 clients, with browser request headers \(measured\), short polling moved .* of WebSocket/);

  const streams = writeHeadline(deriveFigures(buildResults({ transports: ['sse', 'ws'] }))).text;
  assert.match(streams, /^At 1,000 clients, with browser request headers \(measured\), SSE moved 1\.3× the bytes of WebSocket/);

  const single = writeHeadline(deriveFigures(buildResults({ transports: ['longpoll'], saturated: [] }))).text;
  assert.match(single, /^At 1,000 clients long-polling moved [\d.,]+ B per delivered message \([\d.,]+ B of it overhead\), with a median latency of [\d.]+ ms\.$/);

  assert.match(writeHeadline(deriveFigures(buildResults())).text, /Caution: the 1,000-client short polling step was generator-saturated/);

  const none = buildResults({ transports: ['ws'], clients: [10], failed: { 'ws@10': 'connect refused: is the server up?' } });
  assert.equal(writeHeadline(deriveFigures(none)).text, 'No step was measured: connect refused: is the server up?');
});

test('formatting: ratios, latencies, fractions, residuals', () => {
  assert.equal(formatRatio(41.3), '41×');
  assert.equal(formatRatio(2.46), '2.5×');
  assert.equal(formatLatencyUs(502_000), '502 ms');
  assert.equal(formatLatencyUs(400), '0.4 ms');
  assert.equal(formatLatencyUs(12_500_000), '12.5 s');
  assert.equal(formatNumber(0.0758), '0.0758');
  assert.equal(formatNumber(1234.5), '1,235');
  assert.equal(formatFraction(1), '100 %');
  assert.equal(formatFraction(0.998), '99.80 %');
  assert.equal(formatFraction(0.999999), '99.99 %');
  assert.equal(formatSignedPercent(-1.41), '−1.4 %');
  assert.equal(formatSignedPercent(3), '+3.0 %');
});

test('escaping: HTML text, JSON for a script element, Markdown cells', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  const value = { s: '</script><!-- \u2028 & >' };
  const json = jsonForScript(value);
  assert.doesNotMatch(json, /[<>&\u2028\u2029]/);
  assert.deepEqual(JSON.parse(json), value);
  assert.equal(escapeMarkdown('a|b <i>*x*</i>\nnext'), 'a\\|b \\<i\\>\\*x\\*\\</i\\> next');
});

test('HTML: a CSP meta tag allows exactly the inline scripts and style by hash', () => {
  const html = renderHtml(buildResults());
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replace(/&#39;/g, "'");
  assert.ok(csp, 'no CSP meta tag');
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
  assert.equal(scripts.length, 2);
  for (const script of scripts) assert.ok(csp.includes(hash(script)), 'an inline script is not allowed by the CSP');
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
  assert.ok(csp.includes(hash(style)));
  assert.ok(!/\b(src|href)\s*=\s*["']?(https?:|\/\/)/i.test(html), 'the page loads nothing from a network');
});

test('chart specs: every chart present, chat adds the upstream chart, reach axis shows small losses', () => {
  assert.deepEqual(
    chartSpecs(deriveFigures(buildResults())).map((c) => c.id),
    ['chart-throughput', 'chart-bytes', 'chart-latency', 'chart-cpu', 'chart-rss', 'chart-correctness'],
  );
  assert.ok(chartSpecs(deriveFigures(buildResults({ workload: 'chat' }))).some((c) => c.id === 'chart-upstream'));
  const reaches = (values: number[]) => values.map((reach) => ({ figures: { reach } }) as unknown as Parameters<typeof reachAxisMin>[0][number]);
  assert.equal(reachAxisMin(reaches([1, 0.998])), 98);
  assert.equal(reachAxisMin(reaches([0.5])), 45);
});

test('the scope of "bytes" is stated on the page, in the Markdown and in the README, in the same words', () => {
  const collapse = (text: string) => text.replace(/\s+/g, ' ');
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  assert.ok(collapse(readme).includes(BYTES_SCOPE), 'README lacks the scope sentence');
  assert.ok(renderHtml(buildResults()).includes(escapeHtml(BYTES_SCOPE)));
  assert.ok(renderMarkdown(buildResults()).includes(escapeMarkdown(BYTES_SCOPE)));
  const throughput = chartSpecs(deriveFigures(buildResults())).find((c) => c.id === 'chart-throughput');
  assert.equal(throughput?.y.log, true, 'the websocket.org figure opens on a log axis');
  // The smallest bar (the paper's WebSocket at 1,000 clients, 0.016 Mbps) stands well above the floor.
  assert.ok((throughput?.y.logMin ?? 1) <= 0.016 / 1.5, `axis floor ${throughput?.y.logMin}`);
});

test('Markdown: the headline and the tables', () => {
  const md = renderMarkdown(buildResults());
  assert.match(md, /\*\*At 1,000 clients, with browser request headers \(measured\), short polling moved \d+× the bytes of WebSocket/);
  assert.match(md, /\| transport \| 1,000 clients \| 10,000 clients \| 100,000 clients \|/);
  assert.match(md, /\| short polling \| 1,000 \\\* \| ok \\\* \|/);
  assert.match(md, /model total \| measured bytes\/msg \(window\) \| residual/);
});

test('degenerate runs: no results, only failed steps, an interrupted run — reports still render', () => {
  const empty = { ...buildResults(), results: [], status: 'interrupted' as const };
  assert.match(renderHtml(empty), /id="headline">No step was measured\./);
  assert.match(renderHtml(empty), /The run was interrupted/);
  assert.match(renderMarkdown(empty), /\*\*No step was measured\.\*\*/);
  const failed = buildResults({ transports: ['poll'], clients: [10], failed: { 'poll@10': 'server exited with code 1' } });
  assert.match(renderMarkdown(failed), /failed: server exited with code 1/);
});
