/**
 * Protocol as a matrix axis of one run from the command line (`bench --protocol http1,http1-tls,h2`):
 * a real run with embedded servers on 127.0.0.1 (every transport under each protocol, WebSocket
 * once for the wire http1-tls and h2 share), its report's protocol view, and bad lists refused.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateResults } from '../load/results/results-schema.js';
import { FIGURES } from '../load/results/figure-registry.js';
import { assertBenchRefuses } from './helpers/bench-child.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));

function bench(args: string[], timeoutMs = 20_000) {
  return spawnSync(process.execPath, [CLI, 'bench', ...args], { encoding: 'utf8', timeout: timeoutMs });
}

test('bench refuses a bad list of protocols with exit 2 and one line, before starting anything', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--protocol', 'http1,h3'], /--protocol "h3" is not valid: use one of http1, http1-tls, h2, h2c, or several separated by commas/],
    [['--protocol', 'http1,'], /--protocol "" is not valid/],
    [['--protocol', 'http1-tls,http1', '--target', 'https://127.0.0.1:9'], /--protocol http1 is cleartext: give an http:\/\/ --target/],
    [['--protocol', 'http1,h2c', '--target', 'http://127.0.0.1:9'], /--protocol http1,h2c with --target: an h2c target speaks cleartext HTTP\/2 only, so it cannot also be reached over http1/],
    [['--protocol', 'http1,http1-tls', '--ca', '/nonexistent.pem'], /--ca is for a --target/],
    [['--compression', 'off,zip'], /--compression "zip" is not valid: use one of off, on, no-context-takeover, or several separated by commas/],
  ];
  assertBenchRefuses(cases);
});

test('bench --protocol http1,http1-tls,h2: every transport under each protocol, a fresh server each, WebSocket once for http1-tls and h2; the report compares them', { timeout: 240_000 }, () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'wirebench-protocols-'));
  const run = bench(['--protocol', 'http1,http1-tls,h2', '--transports', 'longpoll,ws', '--clients', '3', '--duration', '1500ms', '--warmup', '500ms', '--rate', '10', '--workers', '1', '--out', out, '--quiet'], 200_000);
  assert.equal(run.status, 0, run.stderr);
  const doc = validateResults(JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')));
  assert.deepEqual(doc.config.variants, [{ protocol: 'http1' }, { protocol: 'http1-tls' }, { protocol: 'h2' }]);
  assert.equal(doc.config.protocol, undefined);
  assert.deepEqual(doc.config.tls, { verify: 'embedded-certificate' });
  assert.deepEqual(
    doc.results.map((r) => `${r.transport}/${r.variant?.protocol}`),
    ['longpoll/http1', 'ws/http1', 'longpoll/http1-tls', 'ws/http1-tls', 'longpoll/h2'],
  );
  assert.equal(new Set(doc.results.map((r) => r.server.url)).size, 5, 'a fresh server per transport × protocol');
  for (const result of doc.results) {
    const secure = result.variant?.protocol !== 'http1';
    assert.match(result.server.url, secure ? /^https:\/\/127\.0\.0\.1:\d+$/ : /^http:\/\/127\.0\.0\.1:\d+$/);
    const step = result.steps[0]!;
    const name = `${result.transport} ${result.variant?.protocol}`;
    assert.equal(step.status, 'ok', `${name}: ${step.status === 'failed' ? step.reason : ''}`);
    const m = step.measurement!;
    assert.equal(m.window.messages.lost, 0, name);
    assert.ok(m.window.messages.delivered > 0, name);
    assert.equal((m.wire.tlsHandshakeDownBytes ?? 0) > 400, secure, `${name}: handshake down ${String(m.wire.tlsHandshakeDownBytes)}`);
    // Connect time (the TLS handshake in it) and the handshake bytes apart, per transport and protocol.
    assert.ok((FIGURES.connectP50Us.read(m) ?? 0) > 0, `${name}: connect p50`);
    assert.equal((FIGURES.handshakeBytesPerConnection.read(m) ?? 0) > 400, secure, `${name}: handshake/conn ${String(FIGURES.handshakeBytesPerConnection.read(m))}`);
  }
  // HPACK: over HTTP/2 a long-poll's requests no longer repeat their header lines (bytes up per message).
  const up = (protocol: string) => {
    const m = doc.results.find((r) => r.transport === 'longpoll' && r.variant?.protocol === protocol)!.steps[0]!.measurement!;
    return m.window.bytes.up.totalBytes / m.window.messages.delivered;
  };
  assert.ok(up('h2') < up('http1-tls') / 2, `long-poll up: ${up('h2')} B/msg over h2 against ${up('http1-tls')} B/msg over HTTP/1.1 + TLS`);
  const md = readFileSync(path.join(out, 'report.md'), 'utf8');
  // The costs table says them for every step: connect time with the TLS handshake, and the handshake apart.
  assert.match(md, /### Bytes by direction and layer, CPU and memory per step\n\n\| transport \|.*\| handshake\/conn \|.*\| connect p50 \| connect p99 \| server CPU\/msg \|/);
  assert.match(md, /\*\*At 3 clients, over HTTP\/2 \+ TLS long-polling moved [\d.]+× the bytes of WebSocket per delivered message \(.+\), against [\d.]+× over HTTP\/1\.1 \(.+\) and [\d.]+× over HTTP\/1\.1 \+ TLS/);
  assert.match(md, /\| WebSocket \| [\d.,]+ B \| ([\d.,]+ B) \| \1 \(= HTTP\/1\.1 \+ TLS\) \|/);
  assert.match(readFileSync(path.join(out, 'report.html'), 'utf8'), /id="chart-throughput-3"/);
});
