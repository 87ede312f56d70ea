/**
 * TLS from the command line: `serve --tls` / `--tls-cert --tls-key`, `bench --protocol http1-tls`
 * against embedded servers (trusting the certificate they present) and against an https://
 * --target (with --ca, or --insecure on loopback), and bad TLS options refused with one line.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ResultsDocument } from '../load/results/results-schema.js';
import { selfSignedIdentity } from '../servers/tls-identity.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));

async function listening(child: ChildProcess): Promise<{ url: string; tls?: boolean; certificate?: string }> {
  const lines = createInterface({ input: child.stdout! });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  try {
    const [line] = (await once(lines, 'line')) as [string];
    return JSON.parse(line) as { url: string; tls?: boolean; certificate?: string };
  } finally {
    clearTimeout(timer);
    lines.close();
  }
}

function serve(t: { after(fn: () => unknown): void }, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--rate', '20', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  return child;
}

function bench(args: string[], timeoutMs = 120_000): ReturnType<typeof spawnSync> & { stderr: string } {
  return spawnSync(process.execPath, [CLI, 'bench', ...args], { encoding: 'utf8', timeout: timeoutMs }) as ReturnType<typeof spawnSync> & { stderr: string };
}

test('bench refuses inconsistent TLS options with exit 2 and one line', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-tls-cli-'));
  const notPem = path.join(dir, 'ca.txt');
  writeFileSync(notPem, 'hello');
  const cases: Array<[string[], RegExp]> = [
    [['--protocol', 'spdy'], /--protocol "spdy" is not valid: use one of http1, http1-tls, h2, h2c/],
    [['--protocol', 'http1-tls', '--target', 'http://127.0.0.1:9'], /--protocol http1-tls runs over TLS: give an https:\/\/ --target/],
    [['--protocol', 'http1', '--target', 'https://127.0.0.1:9'], /--protocol http1 is cleartext: give an http:\/\/ --target/],
    [['--protocol', 'h2c', '--target', 'https://127.0.0.1:9'], /--protocol h2c is cleartext: give an http:\/\/ --target/],
    [['--protocol', 'h2', '--target', 'http://127.0.0.1:9'], /--protocol h2 runs over TLS: give an https:\/\/ --target/],
    [['--protocol', 'h2c', '--target', 'http://127.0.0.1:9'], /--protocol h2c with --target and the ws transport: an h2c target speaks cleartext HTTP\/2 only/],
    [['--protocol', 'h2c', '--target', 'http://127.0.0.1:9', '--transports', 'sse,ws'], /leave ws out/],
    [['--ca', notPem], /--ca applies to TLS runs only/],
    [['--insecure'], /--insecure applies to TLS runs only/],
    [['--protocol', 'http1-tls', '--ca', notPem], /--ca is for a --target/],
    [['--target', 'https://127.0.0.1:9', '--ca', notPem], /--ca ".*ca\.txt" is not valid: use a PEM file with a CERTIFICATE block/],
    [['--target', 'https://127.0.0.1:9', '--ca', path.join(dir, 'missing.pem')], /--ca ".*missing\.pem" cannot be read \(ENOENT\)/],
    [['--target', 'https://127.0.0.1:9', '--ca', notPem, '--insecure'], /--ca and --insecure contradict each other/],
    [['--target', 'ftp://127.0.0.1:9'], /--target "ftp:\/\/127\.0\.0\.1:9" is not valid: use an http:\/\/ or https:\/\/ URL/],
  ];
  for (const [args, pattern] of cases) {
    const run = bench(args, 20_000);
    assert.equal(run.status, 2, `${args.join(' ')} → exit ${String(run.status)}: ${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${run.stderr}`);
    assert.match(lines[0]!, pattern);
  }
});

test('serve refuses bad TLS files with exit 2 and one line', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-tls-cli-'));
  const a = await selfSignedIdentity('127.0.0.1');
  const b = await selfSignedIdentity('127.0.0.1');
  writeFileSync(path.join(dir, 'a-cert.pem'), a.cert);
  writeFileSync(path.join(dir, 'b-key.pem'), b.key);
  writeFileSync(path.join(dir, 'junk.pem'), 'junk');
  const cases: Array<[string[], RegExp]> = [
    [['--tls-cert', path.join(dir, 'a-cert.pem')], /--tls-cert and --tls-key go together/],
    [['--tls', '--tls-cert', path.join(dir, 'a-cert.pem'), '--tls-key', path.join(dir, 'b-key.pem')], /--tls makes its own certificate/],
    [['--tls-cert', path.join(dir, 'nope.pem'), '--tls-key', path.join(dir, 'b-key.pem')], /--tls-cert ".*nope\.pem" cannot be read \(ENOENT\)/],
    [['--tls-cert', path.join(dir, 'junk.pem'), '--tls-key', path.join(dir, 'b-key.pem')], /--tls-cert ".*junk\.pem" is not valid: use a PEM file with a CERTIFICATE block/],
    [['--tls-cert', path.join(dir, 'a-cert.pem'), '--tls-key', path.join(dir, 'b-key.pem')], /the key and certificate do not make a TLS identity .*: give a matching PEM pair/],
  ];
  for (const [args, pattern] of cases) {
    const run = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', ...args], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(run.status, 2, `${args.join(' ')} → exit ${String(run.status)}: ${run.stderr}`);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, pattern);
  }
});

test('bench --protocol http1-tls: embedded servers over TLS, every transport delivers, handshake bytes and the trust recorded', { timeout: 180_000 }, () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'wirebench-tls-bench-'));
  const run = bench(['--protocol', 'http1-tls', '--clients', '4', '--duration', '1500ms', '--warmup', '500ms', '--rate', '10', '--interval', '200ms', '--workers', '1', '--out', out, '--no-report', '--quiet']);
  assert.equal(run.status, 0, run.stderr);
  const document = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsDocument;
  assert.equal(document.config.protocol, 'http1-tls');
  assert.deepEqual(document.config.tls, { verify: 'embedded-certificate' });
  assert.equal(document.results.length, 4);
  for (const result of document.results) {
    assert.match(result.server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const step = result.steps[0]!;
    assert.equal(step.status, 'ok', `${result.transport}: ${step.status === 'failed' ? step.reason : ''}`);
    const m = step.measurement!;
    assert.equal(m.window.messages.lost, 0, result.transport);
    assert.ok(m.window.messages.delivered > 0, result.transport);
    assert.ok((m.wire.tlsHandshakeDownBytes ?? 0) > 400, `${result.transport}: handshake down ${String(m.wire.tlsHandshakeDownBytes)}`);
    assert.ok((m.wire.tlsHandshakeUpBytes ?? 0) > 200, `${result.transport}: handshake up ${String(m.wire.tlsHandshakeUpBytes)}`);
  }
});

test('bench against an https:// --target: --ca trusts its certificate; --insecure on loopback verifies nothing and says so', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-tls-target-'));
  const identity = await selfSignedIdentity('127.0.0.1');
  writeFileSync(path.join(dir, 'cert.pem'), identity.cert);
  writeFileSync(path.join(dir, 'key.pem'), identity.key);
  const child = serve(t, ['--transport', 'sse,ws', '--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem')]);
  const line = await listening(child);
  assert.match(line.url, /^https:/);
  assert.equal(line.tls, true);
  assert.equal(line.certificate, undefined, 'a certificate the user gave is not echoed');
  const common = ['--target', line.url, '--transports', 'sse', '--clients', '3', '--duration', '1s', '--warmup', '300ms', '--workers', '1', '--no-report', '--quiet'];
  const withCa = bench([...common, '--ca', path.join(dir, 'cert.pem'), '--out', path.join(dir, 'ca')]);
  assert.equal(withCa.status, 0, withCa.stderr);
  const caDoc = JSON.parse(readFileSync(path.join(dir, 'ca', 'results.json'), 'utf8')) as ResultsDocument;
  assert.equal(caDoc.config.protocol, 'http1-tls', 'an https target implies http1-tls');
  assert.equal(caDoc.config.tls?.verify, 'ca-file');
  assert.equal(caDoc.results[0]!.steps[0]!.status, 'ok');
  const insecure = bench([...common, '--insecure', '--out', path.join(dir, 'insecure')]);
  assert.equal(insecure.status, 0, insecure.stderr);
  const insecureDoc = JSON.parse(readFileSync(path.join(dir, 'insecure', 'results.json'), 'utf8')) as ResultsDocument;
  assert.equal(insecureDoc.config.tls?.verify, 'skipped');
  // The system store does not know a self-signed certificate: the run fails with the TLS reason.
  const untrusted = bench([...common, '--out', path.join(dir, 'system')]);
  assert.equal(untrusted.status, 1, untrusted.stderr);
  assert.match(untrusted.stderr, /SELF_SIGNED|UNABLE_TO_VERIFY/);
});

test('serve --tls announces its self-signed certificate; a client trusting exactly it gets /healthz', { timeout: 30_000 }, async (t) => {
  const child = serve(t, ['--tls']);
  const line = await listening(child);
  assert.match(line.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(line.certificate ?? '', /-----BEGIN CERTIFICATE-----/);
  const https = await import('node:https');
  const body = await new Promise<string>((resolve, reject) => {
    https.get(`${line.url}/healthz`, { ca: line.certificate }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve(text));
    }).on('error', reject);
  });
  assert.equal((JSON.parse(body) as { name: string }).name, 'wirebench');
});

test('bench --protocol h2 and h2c: the HTTP transports over HTTP/2 (over TLS / cleartext), WebSocket over HTTP/1.1, every step delivers', { timeout: 240_000 }, () => {
  for (const protocol of ['h2', 'h2c'] as const) {
    const out = mkdtempSync(path.join(os.tmpdir(), `wirebench-${protocol}-bench-`));
    const run = bench(['--protocol', protocol, '--transports', 'longpoll,sse,ws', '--clients', '4', '--duration', '1500ms', '--warmup', '500ms', '--rate', '10', '--workers', '1', '--out', out, '--no-report', '--quiet']);
    assert.equal(run.status, 0, run.stderr);
    const document = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsDocument;
    assert.equal(document.config.protocol, protocol);
    for (const result of document.results) {
      assert.match(result.server.url, protocol === 'h2' ? /^https:/ : /^http:/);
      const step = result.steps[0]!;
      assert.equal(step.status, 'ok', `${protocol} ${result.transport}: ${step.status === 'failed' ? step.reason : ''}`);
      assert.equal(step.measurement!.window.messages.lost, 0, `${protocol} ${result.transport}`);
      assert.ok(step.measurement!.window.messages.delivered > 0, `${protocol} ${result.transport}`);
    }
  }
});

test('--preset websocket.org-2026: the paper scenario with browser headers over HTTP/2 and TLS; flags still win', async () => {
  const { scriptedBench } = await import('../scripts/bench.js');
  const preset = scriptedBench({ preset: 'websocket.org-2026' }).config;
  assert.equal(preset.protocol, 'h2');
  assert.deepEqual(preset.tls, { verify: 'embedded-certificate' });
  assert.equal(preset.headers.name, 'browser');
  assert.equal(preset.rate, 1);
  assert.equal(preset.size, 20);
  assert.equal(preset.intervalMs, 1000);
});
