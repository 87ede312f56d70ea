/**
 * `bench --target` against hostile targets (test/helpers/hostile-target.ts): real sockets, the
 * real CLI. Against every one: the bench ends within its schedule plus a bounded grace, the
 * memory of its process tree stays under TREE_RSS_BOUND_BYTES, it exits 0 or 1 with one clear
 * line for a fatal failure, and results.json is valid and holds every step that ran.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseResults, type ResultsDocument } from '../load/results/results-schema.js';
import { runCli, type ChildRun } from './helpers/bench-child.js';
import { startHostileTarget, type HostileOptions } from './helpers/hostile-target.js';

/**
 * The bench controller plus two load workers against any target of these tests (docs/reliability.md).
 * Three Node processes take ~220 MB at rest; an uncapped endless body grew one worker by GBs.
 */
const TREE_RSS_BOUND_BYTES = 400 * 1024 * 1024;
/** Per step: 0.5 s warm-up + 1 s window + the poll / push grace (1.5 s); the grace covers start-up, connect timeouts and teardown. */
const STEP_SCHEDULE_MS = 3_000;
const GRACE_MS = 20_000;

interface Outcome {
  run: ChildRun;
  doc: ResultsDocument | undefined;
  hostileBytes: number;
}

async function benchAgainst(options: HostileOptions, transports: string): Promise<Outcome> {
  const target = await startHostileTarget(options);
  const dir = mkdtempSync(join(tmpdir(), 'wirebench-hostile-'));
  try {
    const run = await runCli([
      'bench', '--target', target.url, '--transports', transports, '--clients', '2',
      '--duration', '1s', '--warmup', '500ms', '--workers', '2', '--no-report', '--out', dir,
    ]);
    let doc: ResultsDocument | undefined;
    try {
      doc = parseResults(readFileSync(join(dir, 'results.json'), 'utf8'));
    } catch {
      doc = undefined;
    }
    const steps = transports.split(',').length;
    // What docs/reliability.md's "observed" column quotes.
    console.log(`hostile ${JSON.stringify(options)} ${transports}: exit ${String(run.code)}, ${run.elapsedMs} ms, tree peak ${(run.peakTreeRssBytes / 1048576).toFixed(0)} MiB, target sent ${(target.hostileBytes / 1048576).toFixed(1)} MiB`);
    assert.ok(run.elapsedMs < steps * STEP_SCHEDULE_MS + GRACE_MS, `ended in ${run.elapsedMs} ms: ${run.stderr}`);
    assert.ok(run.peakTreeRssBytes < TREE_RSS_BOUND_BYTES, `process tree peaked at ${(run.peakTreeRssBytes / 1e6).toFixed(0)} MB`);
    assert.ok(run.code === 0 || run.code === 1, `exit ${String(run.code)} (${String(run.signal)}): ${run.stderr}`);
    assert.ok(doc, `a valid results.json was written: ${run.stderr}`);
    return { run, doc, hostileBytes: target.hostileBytes };
  } finally {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function steps(doc: ResultsDocument) {
  return doc.results.flatMap((r) => r.steps.map((step) => ({ transport: r.transport, step })));
}

test('control: a target with a good /stats gets server figures and no note', async () => {
  const control = await benchAgainst({ stats: 'ok' }, 'sse');
  assert.equal(control.run.code, 0, control.run.stderr);
  const controlStep = steps(control.doc!)[0]!.step;
  assert.equal(controlStep.status, 'ok');
  assert.notEqual(controlStep.measurement!.server, null, 'a good /stats gives server figures');
  assert.ok(controlStep.measurement!.window.messages.delivered > 0, 'the healthy target delivers');
  assert.ok(!(controlStep.notes ?? []).some((note) => note.startsWith('server figures dropped')), JSON.stringify(controlStep.notes));
});

for (const mode of ['empty', 'no-histogram', 'bad-histogram', 'cpu-null', 'strings', 'endless', 'missing'] as const) {
  test(`/stats ${mode}: server figures dropped with a note, every step ran (item 1)`, async () => {
    const { run, doc } = await benchAgainst({ stats: mode }, 'sse,ws');
    assert.equal(run.code, 0, `${mode}: ${run.stderr}`);
    assert.equal(doc!.status, 'complete', mode);
    const all = steps(doc!);
    assert.equal(all.length, 2, `${mode}: both transports ran`);
    for (const { step } of all) {
      assert.equal(step.status, 'ok', `${mode}: ${JSON.stringify(step)}`);
      assert.equal(step.measurement!.server, null, `${mode}: server figures dropped`);
      assert.ok(step.notes?.some((note) => note.startsWith('server figures dropped') && note.includes('/stats')), `${mode}: ${JSON.stringify(step.notes)}`);
      assert.ok(step.notes!.every((note) => note.length < 400), `${mode}: notes are short`);
    }
  });
}

test('/healthz of another shape, a bad seq, an endless answer: one line, exit 1, results written (items 2, 9)', async () => {
  for (const mode of ['seq-missing', 'seq-string', 'seq-negative', 'not-json', 'endless'] as const) {
    const { run, doc, hostileBytes } = await benchAgainst({ healthz: mode }, 'poll');
    assert.equal(run.code, 1, `${mode}: ${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${mode}: one line: ${run.stderr}`);
    assert.match(lines[0]!, /^wirebench: target http:\/\/127\.0\.0\.1:\d+ is not a wirebench server: GET \S+\/healthz /);
    assert.ok(lines[0]!.length < 400, `${mode}: the line is short`);
    assert.ok(!lines[0]!.includes('\r'), 'no raw control characters echoed');
    assert.equal(doc!.status, 'failed');
    assert.equal(doc!.results.length, 0);
    if (mode === 'seq-string') assert.match(lines[0]!, /\/seq: Expected integer/);
    if (mode === 'endless') {
      assert.match(lines[0]!, /over the 65536-byte cap|more than the 65536-byte cap/);
      assert.ok(hostileBytes > 65536, 'the target really sent more than the cap');
    }
  }
});

test('a target that closes every connection on accept: one line, exit 1, results written (item 5)', async () => {
  const { run, doc } = await benchAgainst({ closeOnAccept: true }, 'poll,sse');
  assert.equal(run.code, 1, run.stderr);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0]!, /^wirebench: target http:\/\/127\.0\.0\.1:\d+ is not reachable: GET \S+\/healthz got no answer \((ECONNRESET|EPIPE)\)/);
  assert.equal(doc!.status, 'failed');
});

test('endless and huge poll bodies are cut at the cap as body_too_large; the step says so (item 2)', async () => {
  for (const mode of ['endless-chunked', 'huge-string'] as const) {
    const { run, doc, hostileBytes } = await benchAgainst({ poll: mode }, 'poll,longpoll');
    assert.equal(run.code, 1, `${mode}: a failed step is exit 1: ${run.stderr}`);
    const all = steps(doc!);
    assert.equal(all.length, 2, `${mode}: every transport ran`);
    for (const { step } of all) {
      assert.equal(step.status, 'failed');
      assert.match(step.status === 'failed' ? step.reason : '', /2 of 2 clients failed to connect: 2× body_too_large/);
      assert.equal(step.status === 'failed' ? step.failureKind : undefined, 'connect-failed');
    }
    assert.ok(hostileBytes > 100_000, `${mode}: the target sent more than the cap (${hostileBytes} bytes)`);
  }
});

test('an SSE line that never ends, data lines without a blank line, a 99 MB WebSocket frame: named errors, bounded (item 2)', async () => {
  const cases = [
    [{ sse: 'endless-line' }, 'sse', 'sse_line_too_long'],
    [{ sse: 'no-blank-line' }, 'sse', 'sse_event_too_large'],
    [{ ws: 'huge-frame' }, 'ws', 'ws_frame_too_large'],
  ] as const;
  for (const [options, transport, kind] of cases) {
    const { run, doc } = await benchAgainst(options, transport);
    assert.equal(run.code, 0, `${kind}: ${run.stderr}`);
    const { step } = steps(doc!)[0]!;
    assert.ok((step.measurement?.totals.errors[kind] ?? 0) >= 2, `${kind}: ${JSON.stringify(step.measurement?.totals.errors)}`);
  }
});

test('a seq 10^12 ahead, a fractional or negative seq, a backwards gap: counted as bad_message, nothing allocated for them', async () => {
  for (const mode of ['seq-jump', 'bad-fields'] as const) {
    const { run, doc } = await benchAgainst({ poll: mode }, 'poll');
    assert.ok(run.code === 0 || run.code === 1, run.stderr);
    const { step } = steps(doc!)[0]!;
    assert.ok((step.measurement?.totals.errors.bad_message ?? 0) >= 2, `${mode}: ${JSON.stringify(step)}`.slice(0, 2000));
  }
});

test('an SSE retry: past the timer range does not turn into a reconnect storm or a warning', async () => {
  const { run, doc } = await benchAgainst({ sse: 'huge-retry' }, 'sse');
  assert.doesNotMatch(run.stderr, /TimeoutOverflowWarning/);
  const { step } = steps(doc!)[0]!;
  // Each client's stream ends once and waits (an hour) before reconnecting: a handful of requests, not thousands.
  const requests = step.measurement?.totals.requests ?? 0;
  assert.ok(requests <= 6, `${requests} requests`);
});

test('a /healthz that turns bad after the first answer fails each step with the reason; the run goes on to the next transport (item 9)', async () => {
  const { run, doc } = await benchAgainst({ healthz: 'bad-after-first' }, 'poll,sse');
  assert.equal(run.code, 1, run.stderr);
  const all = steps(doc!);
  assert.deepEqual(all.map((s) => s.transport), ['poll', 'sse'], 'every transport ran');
  for (const { step } of all) {
    assert.equal(step.status, 'failed');
    assert.match(step.status === 'failed' ? step.reason : '', /GET \S+\/healthz before the step began: answered JSON that is not what the wire contract documents \(\/seq: /);
    assert.equal(step.status === 'failed' ? step.failureKind : undefined, 'server-unreachable');
  }
});
