/**
 * `bench --compression` end to end (the real CLI, embedded servers, loopback): the results and the
 * reports say which compression and payload ran, compression cuts the bytes per delivered message
 * of a JSON payload on every transport with no loss, and — where a loopback capture is possible —
 * the socket layer still equals the capture's TCP payload with compressed SSE and WebSocket.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { probeCapture } from '../load/capture/packet-capture.js';
import { readPayloadBytes } from '../load/capture/step-capture.js';
import { parseResults, runCompression, runPayload, type ResultsDocument } from '../load/results/results-schema.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));
const tmp = await mkdtemp(path.join(os.tmpdir(), 'wirebench-compression-'));

function run(args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
  });
}

async function bench(name: string, extra: string[]): Promise<{ doc: ResultsDocument; dir: string }> {
  const dir = path.join(tmp, name);
  const result = await run(['bench', '--transports', 'poll,longpoll,sse,ws', '--clients', '5', '--duration', '1500ms', '--warmup', '500ms', '--rate', '10', '--interval', '250ms', '--size', '512', '--payload', 'ticks', '--out', dir, ...extra], 150_000);
  assert.equal(result.code, 0, result.stderr);
  return { doc: parseResults(await readFile(path.join(dir, 'results.json'), 'utf8')), dir };
}

test('bench --compression on --payload ticks: recorded in the results and reports; fewer bytes per message than off on every transport, none lost', { timeout: 300_000 }, async (t) => {
  const off = await bench('off', ['--no-report']);
  const on = await bench('on', ['--compression', 'on']);
  assert.equal(off.doc.config.compression, false, 'off is written as before compression existed');
  assert.equal(runCompression(on.doc.config), 'on');
  assert.equal(runPayload(on.doc.config), 'ticks');
  for (const transport of ['poll', 'longpoll', 'sse', 'ws'] as const) {
    const stepOf = (doc: ResultsDocument) => doc.results.find((r) => r.transport === transport)!.steps[0]!;
    const [a, b] = [stepOf(off.doc), stepOf(on.doc)];
    assert.equal(a.status, 'ok', transport);
    assert.equal(b.status, 'ok', transport);
    const perMessage = (step: typeof a): number => step.measurement!.derived.bytesPerMessage.down!;
    assert.equal(b.measurement!.window.messages.lost, 0, `${transport}: none lost with compression`);
    t.diagnostic(`${transport}: ${perMessage(a).toFixed(0)} B/msg down off, ${perMessage(b).toFixed(0)} on`);
    assert.ok(perMessage(b) < perMessage(a), `${transport}: ${perMessage(b)} B/msg down with compression < ${perMessage(a)} without`);
  }
  const markdown = await readFile(path.join(on.dir, 'report.md'), 'utf8');
  assert.match(markdown, /Compression on: the bytes at the sockets are compressed/);
  assert.match(markdown, /\*\*compression\*\* \| on: WebSocket permessage-deflate/);
  assert.match(markdown, /512 B, ticks/);
  const html = await readFile(path.join(on.dir, 'report.html'), 'utf8');
  assert.match(html, /ticks payload · compression on/);
});

const cannotCapture = await probeCapture(path.join(tmp, 'probe.pcap'));

test('bench --capture --compression on: the socket layer equals the capture\'s TCP payload for compressed SSE and WebSocket', { skip: cannotCapture ?? false, timeout: 150_000 }, async () => {
  const dir = path.join(tmp, 'capture');
  const result = await run(['bench', '--capture', '--compression', 'on', '--payload', 'chat', '--transports', 'sse,ws', '--clients', '10', '--duration', '2s', '--warmup', '500ms', '--rate', '10', '--out', dir, '--no-report'], 140_000);
  assert.equal(result.code, 0, result.stderr);
  const doc = parseResults(await readFile(path.join(dir, 'results.json'), 'utf8'));
  for (const entry of doc.results) {
    const step = entry.steps[0]!;
    const m = step.measurement!;
    assert.ok(m.capture, `${entry.transport}: captured`);
    for (const direction of ['down', 'up'] as const) {
      assert.equal(readPayloadBytes(m.capture.totals[direction]), m.totals.bytes[direction].totalBytes, `${entry.transport} ${direction}: capture TCP payload = socket bytes`);
    }
  }
});
