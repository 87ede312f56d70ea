/**
 * `bench --fault` end to end on loopback: a hard restart of the embedded server mid-window,
 * per transport — zero loss for the transports that resume within the history, the reset
 * counted for every client (the epoch changed), every client's time to recover measured, the
 * step ending within its schedule plus the bounded grace; a graceful restart that hands the
 * stream over (no reset, no loss); the drop fault from the generator and from the server;
 * --target allows only client-side faults; bad specs are one line and exit 2.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseResults } from '../load/results/results-schema.js';
import { parseFault } from '../scripts/options.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));

function run(args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr, ms: Date.now() - started }));
  });
}

/** Short reconnect delays so the test is quick; the grace they imply bounds the step. */
const FAST = ['--reconnect-delay', '100ms', '--reconnect-max', '400ms', '--sse-retry', '300ms'];

/** Each transport's one step, which must be ok, with its fault figures and a line describing them. */
function faultSteps(document: ReturnType<typeof parseResults>) {
  return document.results.map((transport) => {
    const step = transport.steps[0]!;
    assert.equal(step.status, 'ok', `${transport.transport}: ${step.status === 'failed' ? step.reason : ''}`);
    const m = step.measurement!;
    const faults = m.faults!;
    const what = `${transport.transport}: ${JSON.stringify({ messages: m.window.messages, faults: { ...faults, timeline: undefined, recovery: faults.recovery.count } })}`;
    return { step, m, faults, what };
  });
}

/** A bench with `args` (plus FAST, --out, --no-report) that must exit 0; its results and how long it took. */
async function benchOk(name: string, args: string[]): Promise<{ document: ReturnType<typeof parseResults>; ms: number }> {
  const out = await mkdtemp(path.join(os.tmpdir(), `wirebench-${name}-`));
  const result = await run(['bench', ...args, ...FAST, '--out', out, '--no-report'], 230_000);
  assert.equal(result.code, 0, `exit ${result.code}\n${result.stderr}`);
  return { document: parseResults(await readFile(path.join(out, 'results.json'), 'utf8')), ms: result.ms };
}

test('fault specs: kind@at:duration, percent or time, defaults, and --target limits', () => {
  assert.deepEqual(parseFault('--fault', 'restart-hard', { windowMs: 8000, dropPerSec: 0.5, target: false }), { kind: 'restart-hard', atMs: 4000, durationMs: 1000 });
  assert.deepEqual(parseFault('--fault', 'stall@25%:2s', { windowMs: 8000, dropPerSec: 0.5, target: false }), { kind: 'stall', atMs: 2000, durationMs: 2000 });
  assert.deepEqual(parseFault('--fault', 'drop@1s', { windowMs: 8000, dropPerSec: 0.2, target: true }), { kind: 'drop', atMs: 1000, durationMs: 1000, dropPerSec: 0.2 });
  assert.throws(() => parseFault('--fault', 'explode', { windowMs: 8000, dropPerSec: 0.5, target: false }), /--fault "explode" is not a fault: use kind\[@at\]\[:duration\] with kind one of restart-hard, restart-graceful, stall, drop/);
  assert.throws(() => parseFault('--fault', 'restart-hard@9s', { windowMs: 8000, dropPerSec: 0.5, target: false }), /must fall inside the measured window/);
  assert.throws(() => parseFault('--fault', 'stall', { windowMs: 8000, dropPerSec: 0.5, target: true }), /with --target only the client-side fault drop is possible/);
  assert.throws(() => parseFault('--fault', 'stall:soon', { windowMs: 8000, dropPerSec: 0.5, target: false }), /--fault stall: "soon" is not a valid duration/);
});

test('bench --fault with a bad spec or a server fault under --target: one line, exit 2', { timeout: 30_000 }, async () => {
  const bad = await run(['bench', '--fault', 'restart-soft'], 20_000);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--fault "restart-soft" is not a fault/);
  for (const fault of ['restart-hard', 'drop-server']) {
    const target = await run(['bench', '--target', 'http://127.0.0.1:9', '--fault', fault], 20_000);
    assert.equal(target.code, 2);
    assert.equal(target.stderr.trim(), `wirebench: --fault "${fault}" needs the embedded server (it acts on the server process); with --target only the client-side fault drop is possible`);
  }
});

test('a hard restart mid-window: no loss for long-poll, SSE and WebSocket, a reset per client, recovery timed, bounded step', { timeout: 240_000 }, async () => {
  const clients = 4;
  const { document, ms } = await benchOk('faults', ['--transports', 'longpoll,sse,ws', '--clients', String(clients), '--duration', '5s', '--warmup', '500ms', '--rate', '10', '--workers', '1', '--fault', 'restart-hard@20%:300ms']);
  assert.deepEqual(document.config.faults, [{ kind: 'restart-hard', atMs: 1000, durationMs: 300 }]);
  assert.deepEqual(document.config.reconnect, { baseMs: 100, maxMs: 400, jitter: 0.5, sseRetryMs: 300 });
  for (const { step, m, faults, what } of faultSteps(document)) {
    assert.equal(faults.injected.length, 1, what);
    assert.equal(faults.injected[0]!.kind, 'restart-hard');
    assert.equal(m.window.messages.lost, 0, `resumed within the new epoch's history: nothing lost — ${what}`);
    assert.equal(m.window.messages.duplicated, 0, what);
    assert.equal(faults.resets, clients, `every client heard the epoch change — ${what}`);
    assert.equal(faults.recovery.count, clients, `every client's recovery timed — ${what}`);
    assert.equal(faults.unrecovered, 0, what);
    // Whether any message is replayed depends on phases, not on correctness: a client whose retry
    // lands before the new server's first tick has nothing to recover (SSE clients retry in
    // lockstep, so that is about one run in three). What always holds: replays are deliveries.
    assert.ok(faults.recovered >= 0 && faults.recovered <= m.window.messages.delivered, `recovered messages are among the delivered — ${what}`);
    assert.ok(faults.recovery.p50Us >= 300_000, `not before the downtime ended — ${what}`);
    assert.ok(faults.timeline.connects.reduce((a, b) => a + b, 0) >= clients, `the reconnects are counted — ${what}`);
    assert.equal(m.server, null, 'CPU across two processes is not one figure');
    assert.match(step.notes?.join(' ') ?? '', /restarted/);
  }
  // Schedule: per transport 0.5 s warm-up + 5 s window + the grace (1 s + max(0.4 s × 1.5, 2 × 0.3 s) + 3 s), plus start-up.
  assert.ok(ms < 3 * (5.5 + 4.6 + 6) * 1000, `the run ended within its schedule plus grace (${ms} ms)`);
});

test('a graceful restart mid-window: the stream handed over — no loss, no reset, no duplicates, recovery timed, bounded step', { timeout: 240_000 }, async () => {
  const clients = 4;
  const { document, ms } = await benchOk('graceful', ['--transports', 'poll,longpoll,sse,ws', '--clients', String(clients), '--duration', '4s', '--warmup', '500ms', '--rate', '10', '--interval', '200ms', '--workers', '1', '--fault', 'restart-graceful@25%:300ms']);
  for (const { m, faults, what } of faultSteps(document)) {
    assert.match(faults.injected[0]!.note, /the same epoch: history and epoch handed over/, what);
    assert.equal(faults.resets, 0, `no epoch change, so no reset — ${what}`);
    assert.equal(m.window.messages.lost, 0, what);
    assert.equal(m.window.messages.gapped, 0, what);
    assert.equal(m.window.messages.duplicated, 0, what);
    assert.equal(faults.unrecovered, 0, what);
    assert.equal(faults.recovery.count, clients, `every client's recovery timed — ${what}`);
  }
  // Per transport 0.5 s warm-up + 4 s window + the grace (≤ 4.6 s), plus start-up and collection
  // (generous: a busy 2-core machine takes seconds to start a server and its workers).
  assert.ok(ms < 4 * (4.5 + 4.6 + 10) * 1000, `the run ended within its schedule plus grace (${ms} ms)`);
});

test('the drop fault: connections reset by the generator are recovered with resume, counted, timed', { timeout: 240_000 }, async () => {
  const { document, ms } = await benchOk('drop', ['--transports', 'poll,ws', '--clients', '5', '--duration', '3s', '--warmup', '500ms', '--rate', '10', '--interval', '200ms', '--workers', '1', '--fault', 'drop@20%:1s', '--drop-rate', '1']);
  for (const transport of document.results) {
    const m = transport.steps[0]!.measurement!;
    const what = `${transport.transport}: ${JSON.stringify({ messages: m.window.messages, errors: m.window.errors })}`;
    assert.equal(m.window.messages.lost, 0, what);
    assert.equal(m.window.messages.duplicated, 0, what);
    assert.equal(m.faults!.resets, 0, 'the server kept its epoch');
    assert.ok(m.faults!.recovery.count >= 1, what);
    assert.ok(m.faults!.timeline.connects.reduce((a, b) => a + b, 0) >= 1, `reconnects after the resets — ${what}`);
    assert.ok(m.server !== null, 'one server process: its figures stand');
  }
  // Per transport 0.5 s warm-up + 3 s window + the grace (≤ 4.6 s), plus start-up and collection.
  assert.ok(ms < 2 * (3.5 + 4.6 + 10) * 1000, `the run ended within its schedule plus grace (${ms} ms)`);
});

test('the drop-server fault: the embedded server resets connections, counted in its figures; clients recover with resume, timed', { timeout: 240_000 }, async () => {
  const { document, ms } = await benchOk('drop-server', ['--transports', 'longpoll,sse,ws', '--clients', '5', '--duration', '3s', '--warmup', '500ms', '--rate', '10', '--workers', '1', '--fault', 'drop-server@20%:1s', '--drop-rate', '1']);
  assert.deepEqual(document.config.faults, [{ kind: 'drop-server', atMs: 600, durationMs: 1000, dropPerSec: 1 }]);
  for (const { m, faults, what } of faultSteps(document)) {
    assert.match(faults.injected[0]!.note, /reset \(RST\) per second by the server/);
    assert.ok(m.server !== null, 'one server process: its figures stand');
    const reset = m.server.connectionsReset ?? 0;
    assert.ok(reset >= 1, `the server reset connections (${reset}) — ${what}`);
    assert.equal(m.window.messages.lost, 0, what);
    assert.equal(m.window.messages.duplicated, 0, what);
    assert.equal(faults.resets, 0, 'the server kept its epoch');
    assert.ok(faults.recovery.count >= 1, `the clients the server reset are timed — ${what}`);
    assert.equal(faults.unrecovered, 0, what);
  }
  // Per transport 0.5 s warm-up + 3 s window + the grace (≤ 4.6 s), plus start-up and collection
  // (generous: a busy 2-core machine takes seconds to start a server and its workers).
  assert.ok(ms < 3 * (3.5 + 4.6 + 10) * 1000, `the run ended within its schedule plus grace (${ms} ms)`);
});

test('a stall of the server (SIGSTOP, SIGCONT) mid-window: the step ends within its schedule, nothing lost once it thaws', { timeout: 240_000 }, async () => {
  const { document, ms } = await benchOk('stall', ['--transports', 'longpoll,sse,ws', '--clients', '4', '--duration', '3s', '--warmup', '500ms', '--rate', '10', '--workers', '1', '--fault', 'stall@20%:1500ms']);
  for (const { m, faults, what } of faultSteps(document)) {
    assert.equal(faults.injected[0]!.kind, 'stall');
    assert.ok(faults.injected[0]!.durationMs >= 1500, what);
    assert.equal(m.window.messages.lost, 0, `the server kept every message while stopped — ${what}`);
    assert.equal(faults.resets, 0, what);
    assert.equal(faults.unrecovered, 0, what);
  }
  // Per transport 0.5 s warm-up + 3 s window + the grace (≤ 4.6 s), plus start-up and collection.
  assert.ok(ms < 3 * (3.5 + 4.6 + 10) * 1000, `the run ended within its schedule plus grace (${ms} ms)`);
});

test('a --target killed mid-step: the step fails with its reason, the results file is written and valid, exit 1', { timeout: 120_000 }, async (t) => {
  const serve = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--rate', '5'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => serve.kill('SIGKILL'));
  const [line] = (await once(createInterface({ input: serve.stdout! }), 'line')) as [string];
  const { url } = JSON.parse(line) as { url: string };
  const out = await mkdtemp(path.join(os.tmpdir(), 'wirebench-target-killed-'));
  const bench = run(['bench', '--target', url, '--transports', 'ws', '--clients', '3', '--duration', '3s', '--warmup', '500ms', ...FAST, '--out', out, '--no-report'], 100_000);
  // Mid-window: after the start-up checks and the connect, before the window ends.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  serve.kill('SIGKILL');
  const result = await bench;
  assert.equal(result.code, 1, `exit ${result.code}\n${result.stderr}`);
  const document = parseResults(await readFile(path.join(out, 'results.json'), 'utf8'));
  assert.equal(document.status, 'failed');
  const step = document.results[0]!.steps[0]!;
  assert.equal(step.status, 'failed');
  assert.match(step.status === 'failed' ? step.reason : '', /target stopped answering during the step|failed to connect|before the step began/);
});
