import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Measurement, ResultsDocument } from '../load/results/results-schema.js';
import { judge } from '../reports/compare-thresholds.js';
import { compareResults, CompareRefusedError, type CompareReport } from '../reports/compare.js';
import { buildResults } from './fixtures/results-builder.js';

const NAMES = { baselineName: 'base.json', currentName: 'curr.json' };

function pair(): { baseline: ResultsDocument; current: ResultsDocument } {
  const baseline = buildResults({ transports: ['poll', 'ws'], clients: [10, 100], saturated: [] });
  return { baseline, current: structuredClone(baseline) };
}

function measurementOf(doc: ResultsDocument, transport: string, clients: number): Measurement {
  const step = doc.results.find((r) => r.transport === transport)?.steps.find((s) => s.clients === clients);
  assert.ok(step && step.status === 'ok', `${transport}@${clients} is an ok step`);
  return step.measurement;
}

function row(report: CompareReport, subject: string, metric: string) {
  const found = report.rows.find((r) => r.subject === subject && r.metric === metric);
  assert.ok(found, `row ${subject} ${metric}`);
  return found;
}

test('judge: deterministic has no floor, noisy needs both tolerance and floor, zero fails on any occurrence', () => {
  const deterministic = { kind: 'deterministic', tolerance: 0.01, floor: 0 } as const;
  assert.equal(judge(100, 100.9, deterministic), 'ok');
  assert.equal(judge(100, 101.1, deterministic), 'regressed');
  assert.equal(judge(100, 98, deterministic), 'improved');
  const noisy = { kind: 'noisy', tolerance: 0.25, floor: 2000 } as const;
  assert.equal(judge(300, 1200, noisy), 'ok', '+300 % but under the 2 ms floor is noise');
  assert.equal(judge(10_000, 12_400, noisy), 'ok', '+24 % is within tolerance');
  assert.equal(judge(10_000, 12_600, noisy), 'regressed');
  assert.equal(judge(10_000, 12_600, noisy, 'deterministic'), 'info', '--only deterministic shows but does not gate noisy figures');
  const zero = { kind: 'zero', tolerance: 0, floor: 0 } as const;
  assert.equal(judge(0, 1, zero, 'deterministic'), 'regressed', 'loss gates even with --only deterministic');
  assert.equal(judge(0, 0, zero), 'ok');
});

test('compare: identical runs pass with every figure ok', () => {
  const { baseline, current } = pair();
  const report = compareResults(baseline, current, NAMES);
  assert.equal(report.regressions, 0);
  assert.equal(report.rows.length, 2 * 2 * 7);
  // Push transports send no requests in the window: no overhead per request, shown but not judged.
  const unjudged = report.rows.filter((r) => r.verdict !== 'ok');
  assert.ok(unjudged.every((r) => r.verdict === 'info' && r.current === null && r.metric === 'overheadBytesPerRequest' && r.transport === 'ws'), JSON.stringify(unjudged));
  assert.deepEqual(report.warnings, []);
});

test('compare: bytes per message (whole step, both directions; push transports) and overhead per request (polling) are gated at 1 %', () => {
  const { baseline, current } = pair();
  const m = measurementOf(current, 'ws', 10);
  m.totals.bytes.down.totalBytes = Math.round((m.totals.bytes.down.totalBytes + m.totals.bytes.up.totalBytes) * 0.005) + m.totals.bytes.down.totalBytes;
  assert.equal(compareResults(baseline, current, NAMES).regressions, 0, '+0.5 % passes');
  const poll = measurementOf(current, 'poll', 100);
  poll.totals.bytes.up.totalBytes += 20 * poll.totals.requests; // a request header grew by 20 bytes
  poll.totals.bytes.up.overheadBytes += 20 * poll.totals.requests;
  const report = compareResults(baseline, current, { ...NAMES, scope: 'deterministic' });
  // Poll's bytes per message follows timing (noisy, 5 %): the header change shows on overhead per request.
  assert.equal(row(report, 'poll @ 100 clients', 'bytesPerMessage').threshold.kind, 'noisy');
  const overhead = row(report, 'poll @ 100 clients', 'overheadBytesPerRequest');
  assert.equal(overhead.verdict, 'regressed');
  assert.ok(Math.abs(overhead.current! - overhead.baseline! - 20) < 1e-9);
  assert.equal(report.regressions, 1);
  m.totals.bytes.down.totalBytes += Math.round((m.totals.bytes.down.totalBytes + m.totals.bytes.up.totalBytes) * 0.01);
  assert.equal(row(compareResults(baseline, current, NAMES), 'ws @ 10 clients', 'bytesPerMessage').verdict, 'regressed', '+1.5 % on WebSocket fails');
});

test('compare: poll bytes per message follows timing, so it has a 5 % tolerance', () => {
  const baseline = buildResults({ transports: ['poll'], clients: [10], saturated: [] });
  const current = structuredClone(baseline);
  const m = measurementOf(current, 'poll', 10);
  const delivered = m.totals.messages.delivered;
  m.totals.messages.delivered = Math.round(delivered * 0.97); // fewer messages per poll: +3 % bytes/msg
  assert.equal(row(compareResults(baseline, current, NAMES), 'poll @ 10 clients', 'bytesPerMessage').verdict, 'ok');
  m.totals.messages.delivered = Math.round(delivered * 0.9);
  assert.equal(row(compareResults(baseline, current, NAMES), 'poll @ 10 clients', 'bytesPerMessage').verdict, 'regressed');
});

test('compare: long-poll bytes per message follows timing, so it has a 10 % tolerance', () => {
  const baseline = buildResults({ transports: ['longpoll'], clients: [10], saturated: [] });
  const current = structuredClone(baseline);
  const m = measurementOf(current, 'longpoll', 10);
  const delivered = m.totals.messages.delivered;
  m.totals.messages.delivered = Math.round(delivered * 0.95); // fewer messages shared each answer: +5 % bytes/msg
  assert.equal(row(compareResults(baseline, current, NAMES), 'longpoll @ 10 clients', 'bytesPerMessage').verdict, 'ok');
  m.totals.messages.delivered = Math.round(delivered * 0.85);
  assert.equal(row(compareResults(baseline, current, NAMES), 'longpoll @ 10 clients', 'bytesPerMessage').verdict, 'regressed');
});

test('compare: latency and CPU regress only beyond tolerance and floor, and only when gated', () => {
  const { baseline, current } = pair();
  const m = measurementOf(current, 'ws', 100);
  m.window.latency.p99Us *= 1.5; // ~+50 % of well under a millisecond: noise
  assert.equal(compareResults(baseline, current, NAMES).regressions, 0);
  m.window.latency.p99Us += 5_000;
  m.server!.cpuUserUs *= 10; // 13 µs → ~95 µs per message
  const all = compareResults(baseline, current, NAMES);
  assert.equal(row(all, 'ws @ 100 clients', 'latencyP99Us').verdict, 'regressed');
  assert.equal(row(all, 'ws @ 100 clients', 'cpuPerMessageUs').verdict, 'regressed');
  assert.equal(all.regressions, 2);
  const deterministic = compareResults(baseline, current, { ...NAMES, scope: 'deterministic' });
  assert.equal(deterministic.regressions, 0);
  assert.equal(row(deterministic, 'ws @ 100 clients', 'latencyP99Us').verdict, 'info');
  const loose = compareResults(baseline, current, { ...NAMES, thresholds: { cpuPerMessageUs: { kind: 'noisy', tolerance: 10, floor: 0 } } });
  assert.equal(row(loose, 'ws @ 100 clients', 'cpuPerMessageUs').verdict, 'ok', 'thresholds are data');
});

test('compare: a lost message, a connect error or a failed step is a regression in any scope', () => {
  const { baseline, current } = pair();
  measurementOf(current, 'poll', 10).window.messages.lost = 1;
  measurementOf(current, 'ws', 10).clientsConnected = 9;
  const wsResult = current.results.find((r) => r.transport === 'ws')!;
  wsResult.steps[1] = { clients: 100, startedAt: wsResult.steps[1]!.startedAt, status: 'failed', reason: '3 of 100 clients failed to connect: 3× EMFILE', measurement: null };
  const report = compareResults(baseline, current, { ...NAMES, scope: 'deterministic' });
  assert.equal(row(report, 'poll @ 10 clients', 'lost').verdict, 'regressed');
  assert.equal(row(report, 'ws @ 10 clients', 'connectErrors').verdict, 'regressed');
  const step = row(report, 'ws @ 100 clients', 'step');
  assert.equal(step.verdict, 'regressed');
  assert.match(step.note ?? '', /EMFILE/);
  assert.equal(report.regressions, 3);
});

test('compare: runs of different configuration are refused naming each difference', () => {
  const { baseline, current } = pair();
  current.config.rate = 10;
  current.config.headers.name = 'minimal';
  current.config.clients = [10, 50];
  assert.throws(() => compareResults(baseline, current, NAMES), (error: unknown) => {
    assert.ok(error instanceof CompareRefusedError);
    assert.match(error.message, /rate 1 vs 10/);
    assert.match(error.message, /header profile browser/);
    assert.match(error.message, /clients \(ladder\) 10,100 vs 10,50/);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
});

test('compare: another machine or another duration is a warning, not a refusal', () => {
  const { baseline, current } = pair();
  current.environment.cpuModel = 'Apple M3';
  current.environment.node = 'v22.1.0';
  current.config.durationMs = 2000;
  const report = compareResults(baseline, current, NAMES);
  assert.equal(report.regressions, 0);
  assert.equal(report.warnings.length, 2);
  assert.match(report.warnings[0]!, /different machines.*Apple M3.*v22\.1\.0/);
  assert.match(report.warnings[1]!, /different duration/);
});
