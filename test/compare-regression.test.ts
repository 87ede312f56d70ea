/**
 * The gate end to end: real servers, real sockets. Two runs of the same code compare clean; a run
 * whose server pads every HTTP response head with 200 bytes (the hidden --pad-headers flag)
 * fails with the regression exit code, on overhead per request of the polling transport.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXIT } from '../scripts/exit-codes.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-regression-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Short and small; 100 msg/s so that a poll answer carries 25 messages and the 200 padded bytes show per message too. */
const PROFILE = ['--transports', 'ws,poll', '--clients', '5', '--duration', '2s', '--warmup', '1s', '--rate', '100', '--interval', '250ms', '--workers', '1', '--no-report'];

function cli(args: string[], timeoutMs = 150_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('compare passes on two runs of the same code and exits 3 when response heads grow by 200 bytes', { timeout: 300_000 }, async () => {
  const [a, b, padded] = ['a', 'b', 'padded'].map((name) => path.join(dir, name));
  // One after the other, as CI runs them: only the deterministic figures are gated.
  for (const [out, extra] of [[a!, []], [b!, []], [padded!, ['--server-arg=--pad-headers', '--server-arg=200']]] as const) {
    const run = await cli(['bench', ...PROFILE, '--out', out, ...extra]);
    assert.equal(run.code, EXIT.ok, run.stderr.slice(-2000));
  }

  // Poll's bytes per message follows timing (a poll a busy machine delays moves it ~1 %), so it is
  // noisy and not gated by --only deterministic; its overhead per request is, and the padded heads
  // below add ~75 % to it (and ~7 % per message, shown).
  const same = await cli(['compare', path.join(a!, 'results.json'), path.join(b!, 'results.json'), '--only', 'deterministic']);
  assert.equal(same.code, EXIT.ok, same.stdout + same.stderr);
  assert.match(same.stdout, /ok: no regression/);

  const regressed = await cli(['compare', path.join(a!, 'results.json'), path.join(padded!, 'results.json'), '--only', 'deterministic', '--format', 'md']);
  assert.equal(regressed.code, EXIT.regression, regressed.stdout + regressed.stderr);
  assert.doesNotMatch(regressed.stdout, /\| ws @ 5 clients \|[^\n]*regressed/);
  assert.match(regressed.stdout, /\| poll @ 5 clients \| overhead\/request \(step\) \|[^\n]*regressed/);
});
