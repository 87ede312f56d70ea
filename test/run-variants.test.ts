/**
 * Protocol as a matrix axis of one run (load/results/run-variants.ts): which transport × variant
 * pairs run, each variant's view of a document, and what the report, the end table, compare, merge
 * and the CSV make of a run of several variants. Pure: documents from the fixture builder.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PassThrough } from 'node:stream';
import { hasVariants, plannedRuns, runVariants, variantViews, wireVariant } from '../load/results/run-variants.js';
import { validateResults, type ResultsDocument } from '../load/results/results-schema.js';
import { renderMarkdown } from '../reports/markdown-report.js';
import { deriveFigures } from '../reports/figures.js';
import { writeHeadline } from '../reports/headline.js';
import { compareResults, CompareRefusedError } from '../reports/compare.js';
import { mergeResults, MergeRefusedError } from '../reports/merge-results.js';
import { renderStepsCsv } from '../reports/steps-csv.js';
import { printSummaryTable } from '../scripts/bench-progress.js';
import { buildResults } from './fixtures/results-builder.js';

const THREE = ['http1', 'http1-tls', 'h2'] as const;

const runsOf = (doc: ResultsDocument) => plannedRuns(doc.config).map(({ transport, variant }) => `${transport}/${variant.protocol}`);

test('plannedRuns: every transport under every protocol, WebSocket once for one wire (h2 = http1-tls, h2c = http1)', () => {
  const doc = buildResults({ protocols: [...THREE] });
  assert.deepEqual(runsOf(doc), ['poll/http1', 'longpoll/http1', 'sse/http1', 'ws/http1', 'poll/http1-tls', 'longpoll/http1-tls', 'sse/http1-tls', 'ws/http1-tls', 'poll/h2', 'longpoll/h2', 'sse/h2']);
  assert.deepEqual(wireVariant('ws', { protocol: 'h2', compression: 'off' }), { protocol: 'http1-tls', compression: 'off' });
  assert.deepEqual(wireVariant('ws', { protocol: 'h2c', compression: 'on' }), { protocol: 'http1', compression: 'on' });
  assert.deepEqual(wireVariant('sse', { protocol: 'h2', compression: 'off' }), { protocol: 'h2', compression: 'off' });
  // Polling bodies are compressed whole: without context takeover is the same wire; streams differ.
  assert.deepEqual(wireVariant('poll', { protocol: 'http1', compression: 'no-context-takeover' }), { protocol: 'http1', compression: 'on' });
  assert.deepEqual(wireVariant('sse', { protocol: 'http1', compression: 'no-context-takeover' }), { protocol: 'http1', compression: 'no-context-takeover' });
  // Without http1-tls in the list WebSocket runs under h2 (as WSS over HTTP/1.1, as a one-protocol h2 run does).
  assert.deepEqual(runsOf(buildResults({ protocols: ['http1', 'h2'] })), ['poll/http1', 'longpoll/http1', 'sse/http1', 'ws/http1', 'poll/h2', 'longpoll/h2', 'sse/h2', 'ws/h2']);
  assert.deepEqual(runsOf(buildResults({ protocols: ['h2', 'h2c'] })).filter((r) => r.startsWith('ws')), ['ws/h2', 'ws/h2c']);
  // A one-protocol run is one variant, recorded as before (no `variants`, no `variant` on its entries).
  const single = buildResults({ protocols: ['h2'] });
  assert.equal(single.config.variants, undefined);
  assert.equal(hasVariants(single.config), false);
  assert.deepEqual(runVariants(single.config), [{ protocol: 'h2', compression: 'off' }]);
  assert.ok(single.results.every((r) => r.variant === undefined));
});

test('a variant view is the document a run of that variant alone writes: the report of the h2 view equals the report of an h2 run', () => {
  const doc = validateResults(buildResults({ protocols: [...THREE] }));
  const views = variantViews(doc);
  assert.deepEqual(views.map((v) => v.label), ['HTTP/1.1', 'HTTP/1.1 + TLS', 'HTTP/2 + TLS']);
  const h2 = views[2]!;
  assert.deepEqual(h2.sharedFrom, { ws: 'HTTP/1.1 + TLS' });
  assert.equal(h2.doc.config.protocol, 'h2');
  assert.deepEqual(h2.doc.config.tls, { verify: 'embedded-certificate' });
  assert.equal(views[0]!.doc.config.protocol, undefined, 'http1 is recorded as no protocol');
  assert.equal(views[0]!.doc.config.tls, undefined, 'cleartext records no TLS settings');
  for (const view of views) validateResults(view.doc);
  // The same figures, tables and headline as a one-protocol run (WebSocket under h2 is the same wire as under http1-tls).
  assert.equal(renderMarkdown(h2.doc), renderMarkdown(buildResults({ protocols: ['h2'] })));
  assert.equal(renderMarkdown(views[0]!.doc), renderMarkdown(buildResults()));
  // A document without variants is its own one view, unchanged.
  const plain = buildResults();
  assert.equal(variantViews(plain)[0]!.doc, plain);
  assert.equal(deriveFigures(plain).variants, null);
});

test('the report of a run of several protocols: the headline says what changed, the protocol table, a protocol column in every step table', () => {
  const doc = buildResults({ protocols: [...THREE], saturated: [] });
  const figures = deriveFigures(doc);
  assert.equal(figures.variants?.length, 3);
  assert.equal(figures.transports.length, 11, 'every transport × protocol measured, WebSocket under h2 once');
  const headline = writeHeadline(figures).text;
  const match = /^At 1,000 clients, over HTTP\/2 \+ TLS short polling moved ([\d.]+)× the bytes of WebSocket per delivered message \([\d.]+ B against [\d.]+ B\), against ([\d.]+)× over HTTP\/1\.1 \([\d.]+ B against [\d.]+ B\) and ([\d.]+)× over HTTP\/1\.1 \+ TLS /.exec(headline);
  assert.ok(match, headline);
  // The fixture's HPACK-sized heads: polling's multiple shrinks under HTTP/2.
  assert.ok(Number(match[1]) < Number(match[3]) && Number(match[3]) < Number(match[2]), headline);
  const md = renderMarkdown(doc);
  assert.match(md, /### The protocol view: bytes per delivered message at 1,000 clients\n\n\| transport \| HTTP\/1\.1 \| HTTP\/1\.1 \+ TLS \| HTTP\/2 \+ TLS \|/);
  assert.match(md, /\| WebSocket \| [\d.]+ B \| ([\d.]+ B) \| \1 \(= HTTP\/1\.1 \+ TLS\) \|/);
  assert.match(md, /\| short polling ÷ WebSocket \| [\d.]+× \| [\d.]+× \| [\d.]+× \|/);
  assert.match(md, /\| transport \| protocol \| clients \| status \|/);
  assert.match(md, /\| SSE \| HTTP\/2 \+ TLS \| 1,000 \| ok \|/);
  assert.match(md, /RFC 8441 is not in ws/);
  // One-protocol runs show none of it.
  assert.doesNotMatch(renderMarkdown(buildResults()), /protocol view|\| protocol \|/);
});

test('the end table, the CSV and --threshold subjects name each step with its protocol', () => {
  const doc = buildResults({ protocols: ['http1', 'h2'], clients: [10] });
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  printSummaryTable(out, doc);
  assert.match(text, /^poll \(HTTP\/2 \+ TLS\)\s+10\s+ok/m);
  assert.match(text, /^ws \(HTTP\/1\.1\)\s+10\s+ok/m);
  const csv = renderStepsCsv(doc).split('\r\n');
  assert.match(csv[0]!, /^transport,protocol,clients,status,/);
  assert.match(csv[1]!, /^poll,HTTP\/1\.1,10,ok,/);
  assert.match(renderStepsCsv(buildResults()).split('\r\n')[0]!, /^transport,clients,status,/);
});

test('compare matches steps by transport × protocol × clients, and refuses another list of protocols', () => {
  const baseline = buildResults({ protocols: [...THREE], saturated: [] });
  const current = buildResults({ protocols: [...THREE], saturated: [] });
  const same = compareResults(baseline, current, { baselineName: 'a', currentName: 'b' });
  assert.equal(same.regressions, 0);
  assert.deepEqual([...new Set(same.rows.map((r) => r.subject.replace(/ @ .*/, '')))], [
    'poll (HTTP/1.1)', 'longpoll (HTTP/1.1)', 'sse (HTTP/1.1)', 'ws (HTTP/1.1)',
    'poll (HTTP/1.1 + TLS)', 'longpoll (HTTP/1.1 + TLS)', 'sse (HTTP/1.1 + TLS)', 'ws (HTTP/1.1 + TLS)',
    'poll (HTTP/2 + TLS)', 'longpoll (HTTP/2 + TLS)', 'sse (HTTP/2 + TLS)',
  ]);
  // SSE over h2 grows 5 % on the wire: only that entry regresses.
  const sse = current.results.find((r) => r.transport === 'sse' && r.variant?.protocol === 'h2')!;
  for (const step of sse.steps) {
    const bytes = step.measurement!.totals.bytes.down;
    const extra = Math.round(bytes.totalBytes * 0.05);
    bytes.totalBytes += extra;
    bytes.overheadBytes += extra;
  }
  const moved = compareResults(baseline, current, { baselineName: 'a', currentName: 'b' });
  const regressed = [...new Set(moved.rows.filter((r) => r.verdict === 'regressed').map((r) => r.subject.replace(/ @ .*/, '')))];
  assert.deepEqual(regressed, ['sse (HTTP/2 + TLS)']);
  assert.ok(moved.rows.every((r) => r.transport !== 'sse' || r.verdict !== 'regressed' || r.variant === 'HTTP/2 + TLS'));
  assert.throws(() => compareResults(baseline, buildResults({ protocols: ['http1', 'h2'] }), { baselineName: 'a', currentName: 'b' }), (e: unknown) => e instanceof CompareRefusedError && /protocol http1,http1-tls,h2 vs http1,h2/.test(e.message));
  assert.throws(() => compareResults(buildResults(), buildResults({ protocols: ['h2'] }), { baselineName: 'a', currentName: 'b' }), /protocol http1 vs h2/);
});

test('merge: parts of a run of several protocols unite by transport × protocol; shards merge per transport × protocol', () => {
  const whole = buildResults({ protocols: ['http1', 'h2'], clients: [10, 100] });
  const part = (clients: number) => {
    const doc = structuredClone(whole);
    for (const result of doc.results) result.steps = result.steps.filter((s) => s.clients === clients);
    return doc;
  };
  const merged = mergeResults([part(100), part(10)]);
  assert.deepEqual(merged.results.map((r) => `${r.transport}/${r.variant?.protocol}:${r.steps.map((s) => s.clients).join('+')}`), [
    'poll/http1:10+100', 'longpoll/http1:10+100', 'sse/http1:10+100', 'ws/http1:10+100', 'poll/h2:10+100', 'longpoll/h2:10+100', 'sse/h2:10+100', 'ws/h2:10+100',
  ]);
  assert.deepEqual(merged.config.transports, ['poll', 'longpoll', 'sse', 'ws']);
  assert.throws(() => mergeResults([part(10), part(10)]), (e: unknown) => e instanceof MergeRefusedError && /poll \(HTTP\/1\.1\) at 10 clients is in more than one document/.test(e.message));

  const shard = (index: number) => {
    const doc = structuredClone(whole);
    doc.config = { ...doc.config, shard: { index, count: 2 }, startAt: '2026-11-30T20:00:00.000Z' };
    return doc;
  };
  const shards = mergeResults([shard(1), shard(2)]);
  assert.equal(shards.results.length, 8);
  for (const [i, result] of shards.results.entries()) {
    const source = whole.results[i]!;
    assert.deepEqual([result.transport, result.variant], [source.transport, source.variant]);
    assert.equal(result.steps[0]!.measurement!.window.messages.delivered, 2 * source.steps[0]!.measurement!.window.messages.delivered, 'each step the sum of its two shards');
  }
});

test('compression is a second axis: protocol × compression variants, polling once for on and no-context-takeover, labels name what varies', () => {
  const doc = validateResults(buildResults({ protocols: ['http1', 'h2'], compressions: ['off', 'on', 'no-context-takeover'], clients: [10] }));
  const runs = runsOf(doc).length;
  // 2 protocols × 3 compressions × 4 transports = 24, less: polling under no-context-takeover (= on, 2 × 2), WebSocket under h2 (here no http1-tls: runs as ever).
  assert.equal(runs, 24 - 4);
  assert.deepEqual(
    plannedRuns(doc.config).filter((r) => r.transport === 'poll').map((r) => `${r.variant.protocol}/${r.variant.compression}`),
    ['http1/off', 'http1/on', 'h2/off', 'h2/on'],
  );
  const views = variantViews(doc);
  assert.deepEqual(views.map((v) => v.label), [
    'HTTP/1.1, compression off', 'HTTP/1.1, compression on', 'HTTP/1.1, compression on, no context takeover',
    'HTTP/2 + TLS, compression off', 'HTTP/2 + TLS, compression on', 'HTTP/2 + TLS, compression on, no context takeover',
  ]);
  assert.deepEqual(views[2]!.sharedFrom, { poll: 'HTTP/1.1, compression on', longpoll: 'HTTP/1.1, compression on' });
  // Each view is the configuration a one-variant run writes: off as false, as before compression existed.
  assert.equal(views[0]!.doc.config.compression, false);
  assert.equal(views[5]!.doc.config.compression, 'no-context-takeover');
  assert.equal(views[5]!.doc.config.protocol, 'h2');
  assert.match(renderMarkdown(doc), /\| transport \| protocol, compression \| clients \|/);
  assert.match(writeHeadline(deriveFigures(doc)).text, /over HTTP\/2 \+ TLS, compression on, no context takeover short polling moved/);
});
