/**
 * `wirebench ci` as a user runs it on their own server: `--server-command` starts a server (here
 * `wirebench serve`, which prints its URL), the first run records the baseline, the second passes
 * against it, a third against a changed server (every HTTP response head padded by 200 bytes)
 * fails with exit 3, and each comparison lands in the job summary as Markdown.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { selfSignedIdentity } from '../servers/tls-identity.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));
const work = mkdtempSync(path.join(os.tmpdir(), 'wirebench-ci-'));
after(() => rmSync(work, { recursive: true, force: true }));

// A small profile: two transports, one step; poll shows header changes, ws shows they do not matter.
// Poll's bytes per message over a step this short moves ~1 % between identical runs on a busy
// machine (the 1 % default is for the full CI profile); padding moves it by >10 %.
const PROFILE = ['--transports', 'poll,ws', '--clients', '5', '--duration', '3s', '--warmup', '500ms', '--bytes-tolerance', '3%'];
const serve = (extra = '') => `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} serve --port 0 --rate 50 --size 64${extra}`;

function ci(args: string[]) {
  return spawnSync(process.execPath, [CLI, 'ci', ...PROFILE, '--baseline', path.join(work, 'baseline.json'), ...args], { cwd: work, encoding: 'utf8', timeout: 180_000 });
}

test('wirebench ci --server-command: baseline, a pass, then exit 3 on a server that pads its headers, with the job summary', { timeout: 600_000 }, () => {
  const baseline = ci(['--server-command', serve(), '--update-baseline', '--out', 'base']);
  assert.equal(baseline.status, 0, baseline.stderr);
  assert.match(baseline.stdout, /baseline refreshed from this run/);
  assert.match(baseline.stderr, /wirebench ci: server http:\/\/127\.0\.0\.1:\d+ \(pid \d+\)/);
  assert.ok(existsSync(path.join(work, 'baseline.json')));

  const same = ci(['--server-command', serve(), '--only', 'deterministic', '--out', 'same', '--summary', 'same.md', '--gab', 'same-gab.json']);
  assert.equal(same.status, 0, `${same.stdout}\n${same.stderr}`);
  const passSummary = readFileSync(path.join(work, 'same.md'), 'utf8');
  assert.match(passSummary, /### wirebench compare/);
  assert.doesNotMatch(passSummary, /regressed\*\*/);
  const gab = JSON.parse(readFileSync(path.join(work, 'same-gab.json'), 'utf8')) as Array<{ name: string; unit: string; value: number }>;
  assert.ok(gab.some((e) => /poll/.test(e.name) && e.value > 0), 'github-action-benchmark entries for the history');

  const padded = ci(['--server-command', serve(' --pad-headers 200'), '--only', 'deterministic', '--out', 'padded', '--summary', 'padded.md']);
  assert.equal(padded.status, 3, `${padded.stdout}\n${padded.stderr}`);
  const failSummary = readFileSync(path.join(work, 'padded.md'), 'utf8');
  assert.match(failSummary, /❌ \*\*\d+ regressions? in \d+ figures/);
  assert.match(failSummary, /\| poll @ 5 clients \| overhead\/request(?: \(step\))? \| [\d.]+ B \| [\d.]+ B \| \+2\d\d B [^|]*\| ≤ \+1 % \| ❌ \*\*regressed\*\* \|/);
  assert.doesNotMatch(failSummary, /\| ws @ 5 clients \| bytes\/msg [^\n]*regressed/, 'WebSocket frames carry no HTTP heads after the handshake');
});

test('wirebench ci: a server command that dies, or never serves /healthz, is one line and exit 2; no baseline says how to make one', { timeout: 120_000 }, () => {
  const dies = ci(['--server-command', 'echo starting; exit 7', '--out', 'dies']);
  assert.equal(dies.status, 2, dies.stderr);
  assert.match(dies.stderr, /--server-command "echo starting; exit 7" exited with code 7 before it served \/healthz: starting/);
  const silent = ci(['--server-command', 'sleep 30', '--server-timeout', '1s', '--out', 'silent']);
  assert.equal(silent.status, 2, silent.stderr);
  assert.match(silent.stderr, /--server-command "sleep 30": no http:\/\/ URL in its output \(give --target URL if it prints none\) within 1 s/);
  const missing = spawnSync(process.execPath, [CLI, 'ci', '--baseline', path.join(work, 'none.json'), '--current', path.join(work, 'none.json')], { cwd: work, encoding: 'utf8', timeout: 30_000 });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /create it with `wirebench ci --update-baseline`/);
  // With --current nothing runs: an option of the bench run is refused, not ignored with whatever value it has.
  for (const flag of [['--clients', '0'], ['--out', 'elsewhere'], ['--insecure']]) {
    const ignored = spawnSync(process.execPath, [CLI, 'ci', '--current', path.join(work, 'none.json'), ...flag], { cwd: work, encoding: 'utf8', timeout: 30_000 });
    assert.equal(ignored.status, 2, ignored.stderr);
    assert.equal(ignored.stderr.trimEnd(), `wirebench: ${flag[0]} sets the bench run: --current compares an existing run, so nothing runs; leave it out`);
  }
});

test('wirebench ci: a --summary, --gab or --update-baseline file it cannot write is refused before the bench runs (one line, exit 2)', { timeout: 120_000 }, () => {
  const file = path.join(work, 'a-file');
  writeFileSync(file, '');
  const cases: [string[], RegExp][] = [
    [['--summary', path.join(file, 'summary.md')], /^wirebench: --summary .*a-file is a file, not a directory$/],
    [['--gab', path.join(file, 'gab.json')], /^wirebench: --gab .*a-file is a file, not a directory$/],
    [['--update-baseline', '--baseline', path.join(file, 'baseline.json')], /^wirebench: --baseline .*a-file is a file, not a directory$/],
  ];
  for (const [args, pattern] of cases) {
    // A server command that would only fail later: refused before it starts, so it never prints.
    const run = spawnSync(process.execPath, [CLI, 'ci', ...PROFILE, '--server-command', 'echo never started >&2; exit 7', '--out', 'refused', ...args], { cwd: work, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    assert.match(run.stderr.trimEnd(), pattern);
  }
});

test('wirebench ci --server-command with --target: a server that prints no URL is found at the URL given, and stopped after', { timeout: 300_000 }, async () => {
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  const run = ci(['--server-command', `${serve().replace('--port 0', `--port ${port}`)} > /dev/null`, '--target', `http://127.0.0.1:${port}`, '--update-baseline', '--baseline', path.join(work, 'quiet-baseline.json'), '--out', 'quiet']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, new RegExp(`wirebench ci: server http://127\\.0\\.0\\.1:${port} \\(pid \\d+\\)`));
  // Stopped: the port is free again.
  const again = createServer();
  await new Promise<void>((resolve, reject) => again.once('error', reject).listen(port, '127.0.0.1', resolve));
  await new Promise((resolve) => again.close(resolve));
});

test('wirebench ci --server-command with a self-signed HTTPS server: the readiness probe trusts --ca (and --insecure), and without either it is refused', { timeout: 600_000 }, async () => {
  const identity = await selfSignedIdentity('127.0.0.1');
  const [cert, key] = [path.join(work, 'tls-cert.pem'), path.join(work, 'tls-key.pem')];
  writeFileSync(cert, identity.cert);
  writeFileSync(key, identity.key);
  const tlsServe = serve(` --tls-cert ${JSON.stringify(cert)} --tls-key ${JSON.stringify(key)}`);
  const small = ['--transports', 'poll', '--clients', '2', '--duration', '1s', '--warmup', '300ms', '--server-timeout', '5s'];
  const trusted = ci(['--server-command', tlsServe, ...small, '--ca', cert, '--update-baseline', '--out', 'tls-ca', '--baseline', path.join(work, 'tls-baseline.json')]);
  assert.equal(trusted.status, 0, trusted.stderr);
  assert.match(trusted.stderr, /server https:\/\/127\.0\.0\.1:\d+/);
  const skipped = ci(['--server-command', tlsServe, ...small, '--insecure', '--update-baseline', '--out', 'tls-insecure', '--baseline', path.join(work, 'tls-baseline-2.json')]);
  assert.equal(skipped.status, 0, skipped.stderr);
  // Not trusted: the probe never gets its 200 (a certificate it cannot verify), one line, exit 2.
  const refused = ci(['--server-command', tlsServe, ...small, '--update-baseline', '--out', 'tls-none', '--baseline', path.join(work, 'tls-baseline-3.json')]);
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /no 200 from https:\/\/127\.0\.0\.1:\d+\/healthz within 5 s/);
});
