import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseResults, type ResultsDocument } from '../load/results/results-schema.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));
/** What a loaded shared machine may add to a median latency on loopback, ms. */
const LOAD_SLACK_MS = 150;

function run(args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
  });
}

/** A bench run to interact with: its stderr so far, a wait for a pattern in it, and its exit code. */
function startBench(args: string[]) {
  const child = spawn(process.execPath, [CLI, 'bench', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const watchers: Array<() => void> = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    for (const watch of watchers) watch();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    exited,
    stderr: () => stderr,
    /** Resolves with the first match of `pattern` in stderr (now or later). */
    waitFor(pattern: RegExp): Promise<RegExpExecArray> {
      return new Promise((resolve) => {
        const watch = () => {
          const match = pattern.exec(stderr);
          if (match) resolve(match);
        };
        watchers.push(watch);
        watch();
      });
    },
  };
}

test('a tiny bench over all four transports writes valid results: nothing lost, bytes above payload, sane latency', { timeout: 180_000 }, async () => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'wirebench-e2e-'));
  // The poll interval is incommensurate with the 200 ms tick: over the window each poll lands at a
  // different phase of the tick, so the waits spread over 0–interval and their median sits near
  // interval/2. With an interval equal to the tick the phases fix every wait at one value anywhere
  // in 0–interval, and no bound on the median holds.
  const intervalMs = 130;
  const result = await run(
    ['bench', '--clients', '2,5', '--duration', '2s', '--warmup', '500ms', '--rate', '5', '--interval', `${intervalMs}ms`, '--hold', '2s', '--workers', '2', '--out', out, '--no-report'],
    170_000,
  );
  assert.equal(result.code, 0, `exit ${result.code}\n${result.stderr}`);
  const document = parseResults(await readFile(path.join(out, 'results.json'), 'utf8'));
  assert.equal(document.status, 'complete');
  assert.deepEqual(document.results.map((r) => r.transport), ['poll', 'longpoll', 'sse', 'ws']);
  for (const transport of document.results) {
    assert.deepEqual(transport.steps.map((s) => s.clients), [2, 5]);
    for (const step of transport.steps) {
      const label = `${transport.transport} × ${step.clients}`;
      assert.equal(step.status, 'ok', `${label}: ${step.status === 'failed' ? step.reason : ''}`);
      const m = step.measurement!;
      const w = m.window;
      assert.equal(m.clientsConnected, step.clients, label);
      assert.ok(w.messages.expected >= step.clients * 5, `${label}: ~10 messages per client expected, got ${w.messages.expected}`);
      assert.equal(w.messages.lost, 0, `${label}: lost`);
      assert.equal(w.messages.duplicated, 0, `${label}: duplicated`);
      assert.equal(w.messages.outOfOrder, 0, `${label}: out of order`);
      assert.equal(m.derived.reach, 1, label);
      // Over the whole run every message's bytes were read with its text, so the bytes exceed the
      // text strictly. In the window a WebSocket frame adds only 2 B to a ~106 B text, and a message
      // whose frame straddles a TCP read at an edge has its text on one side and part of its bytes
      // on the other: allow one message per client per edge there (more would be a real meter bug).
      const tot = m.totals.bytes.down;
      assert.ok(tot.totalBytes > tot.payloadBytes && w.bytes.down.payloadBytes > 0, `${label}: bytes > payload (totals ${tot.totalBytes} B vs ${tot.payloadBytes} B)`);
      const textBytes = w.bytes.down.payloadBytes / Math.max(1, w.messages.delivered);
      assert.ok(
        w.bytes.down.totalBytes > w.bytes.down.payloadBytes - 2 * step.clients * textBytes,
        `${label}: window bytes ${w.bytes.down.totalBytes} B vs payload ${w.bytes.down.payloadBytes} B`,
      );
      assert.ok(m.totals.bytes.up.totalBytes > 0, `${label}: requests go up`);
      if (transport.transport === 'poll' || transport.transport === 'longpoll') assert.ok(w.bytes.up.totalBytes > 0, `${label}: polls go up in the window`);
      assert.ok(m.window.latency.count === w.messages.delivered, `${label}: one latency per delivered message`);
      // Window payload and socket bytes are read over the same instants (delivery-tracker.ts
      // socketsReadAt), so framing puts the bytes above the payload even when a timer fires late.
      // Latency: a busy 2-core machine only adds delay (publish times are the scheduled ones), so
      // the lower bound is physics and the upper bounds leave room for a loaded event loop (LOAD_SLACK_MS)
      // while still catching a poll that waits several intervals or a push held until the hold (2 s) or a heartbeat.
      const p50Ms = w.latency.p50Us / 1000;
      if (transport.transport === 'poll') {
        assert.ok(p50Ms > 0.15 * intervalMs && p50Ms < 1.5 * intervalMs + LOAD_SLACK_MS, `${label}: poll p50 ${p50Ms} ms should be near interval/2`);
      } else {
        assert.ok(p50Ms < LOAD_SLACK_MS, `${label}: push p50 ${p50Ms} ms on loopback`);
      }
      assert.ok(m.server !== null && m.server.cpuUserUs + m.server.cpuSystemUs > 0, `${label}: server CPU from /stats`);
      assert.ok(m.wire.requestBytes > 0 && m.wire.responseHeadBytes > 0, `${label}: wire sample`);
      // Memory per connection within the step, after a GC before and once connected: never negative.
      const memory = m.server.memory;
      assert.ok(memory, `${label}: memory per connection measured (the embedded server GCs on request)`);
      assert.equal(memory.clients, step.clients, label);
      // A handful of clients hold less than the heap's own jitter (code compiled or dropped, tens of
      // KB), so the sign is asserted where the signal is larger (test/connection-memory.test.ts); here it is bounded.
      assert.ok(memory.heapBytesPerConnection !== null && memory.heapBytesPerConnection * step.clients > -128 * 1024, `${label}: heap per connection ${memory.heapBytesPerConnection}`);
      // The generator's own CPU over the window, per delivered message (and per request when polling).
      const g = m.generator;
      assert.ok(g.cpuUserUs! + g.cpuSystemUs! > 0, `${label}: generator CPU`);
      assert.ok(g.cpuUsPerMessage! > 0, label);
      if (transport.transport === 'poll' || transport.transport === 'longpoll') assert.ok(g.cpuUsPerRequest! > 0, label);
      else assert.equal(g.cpuUsPerRequest, null, `${label}: no requests in the window`);
    }
  }
});

test('bench --json prints the same results document on stdout', { timeout: 60_000 }, async () => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'wirebench-json-'));
  const result = await run(['bench', '--transports', 'ws', '--clients', '3', '--duration', '1s', '--warmup', '200ms', '--rate', '10', '--out', out, '--json', '--no-report'], 50_000);
  assert.equal(result.code, 0, result.stderr);
  const printed = parseResults(result.stdout);
  const written = parseResults(await readFile(path.join(out, 'results.json'), 'utf8'));
  assert.deepEqual(printed, written);
});

test('Ctrl-C keeps every finished step, writes the results and exits 130', { timeout: 90_000 }, async () => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'wirebench-sigint-'));
  const bench = startBench(['--transports', 'ws,sse', '--clients', '2,3', '--duration', '1s', '--warmup', '200ms', '--rate', '10', '--out', out, '--no-report']);
  await bench.waitFor(/ws 2 clients: ok/);
  // While the run goes on, the file written after each step says so (not `interrupted`).
  let during: ResultsDocument | undefined;
  for (let tries = 0; during === undefined && tries < 100; tries++) {
    during = await readFile(path.join(out, 'results.json'), 'utf8').then(parseResults, () => undefined);
    if (during === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(during?.status, 'running', 'the results file while the run is in progress');
  bench.child.kill('SIGINT');
  assert.equal(await bench.exited, 130, bench.stderr());
  assert.match(bench.stderr(), /interrupted/);
  const document = parseResults(await readFile(path.join(out, 'results.json'), 'utf8'));
  assert.equal(document.status, 'interrupted');
  const kept = document.results.flatMap((r) => r.steps);
  assert.ok(kept.length >= 1 && kept.length < 4, `finished steps kept: ${kept.length}`);
  assert.ok(kept.every((s) => s.status === 'ok'), 'only finished steps are kept');
});

test('the chat workload: every published message reaches every client, with end-to-end latency', { timeout: 90_000 }, async () => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'wirebench-chat-'));
  const result = await run(['bench', '--transports', 'poll,ws', '--workload', 'chat', '--rate', '0', '--publishers', '1', '--publish-rate', '10', '--clients', '3', '--interval', '100ms', '--duration', '1s', '--warmup', '300ms', '--out', out, '--no-report'], 80_000);
  assert.equal(result.code, 0, result.stderr);
  const document = parseResults(await readFile(path.join(out, 'results.json'), 'utf8'));
  for (const transport of document.results) {
    const step = transport.steps[0]!;
    assert.equal(step.status, 'ok');
    const w = step.measurement!.window;
    assert.ok(w.published >= 5, `${transport.transport}: published ${w.published}`);
    assert.ok(w.messages.expected >= 3 * 5 && w.messages.lost === 0, `${transport.transport}: ${JSON.stringify(w.messages)}`);
    assert.ok(w.endToEndLatency && w.endToEndLatency.count === w.messages.delivered, `${transport.transport}: end-to-end latency per delivery`);
    assert.ok(w.bytes.up.payloadBytes > 0, 'publish bodies are the upstream payload');
  }
});

test('a server that dies mid-step: the step is reported failed with what was measured so far', { timeout: 90_000 }, async () => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'wirebench-crash-'));
  const bench = startBench(['--transports', 'ws', '--clients', '3', '--duration', '4s', '--warmup', '200ms', '--rate', '20', '--out', out, '--no-report']);
  const serverPid = Number((await bench.waitFor(/\(pid (\d+)\)[^]*measuring/))[1]);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // let part of the window be measured
  process.kill(serverPid, 'SIGKILL');
  assert.equal(await bench.exited, 1, bench.stderr());
  const document = parseResults(await readFile(path.join(out, 'results.json'), 'utf8'));
  assert.equal(document.status, 'failed');
  const step = document.results[0]!.steps[0]!;
  assert.equal(step.status, 'failed');
  assert.match(step.status === 'failed' ? step.reason : '', /the server exited mid-step \(SIGKILL\)/);
  assert.equal(step.status === 'failed' ? step.failureKind : undefined, 'server-exited');
  assert.ok(step.measurement && step.measurement.window.messages.delivered > 0, 'what was measured before the crash is kept');
});
