/**
 * The embedded server process (load/run/server-process.ts) as fault workloads use it: no orphan
 * when the parent is killed with SIGKILL; a restart on the same port is a new process, with a new
 * epoch when hard, with the stream handed over when graceful; a freeze stops it answering and a thaw brings it back. Real processes
 * on 127.0.0.1, bounded in time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Healthz } from '../servers/contract.js';
import { startServerProcess } from '../load/run/server-process.js';
import { waitUntil } from './helpers/server-harness.js';

const SERVER_PROCESS = fileURLToPath(new URL('../load/run/server-process.js', import.meta.url));
const TIMEOUT_MS = 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function healthz(url: string, timeoutMs = 2_000): Promise<Healthz> {
  return (await (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) })).json()) as Healthz;
}

test('orphans: the embedded server exits when the bench that started it is killed with SIGKILL', { timeout: TIMEOUT_MS }, async () => {
  const script = `const m = await import(${JSON.stringify(SERVER_PROCESS)});
const s = await m.startServerProcess({ transport: 'all', rate: 1, size: 8, holdMs: 1000, heartbeatMs: 0 });
console.log(JSON.stringify({ pid: s.pid, url: s.url }));
setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: parent.stdout! }), 'line')) as [string];
  const { pid, url } = JSON.parse(line) as { pid: number; url: string };
  assert.equal((await healthz(url)).name, 'wirebench');
  parent.kill('SIGKILL');
  await once(parent, 'exit');
  await waitUntil(() => !alive(pid), `the server ${pid} to exit after its parent died`, 5_000);
});

for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
  const what = signal === 'SIGKILL' ? 'a new epoch, a history from seq 0' : 'the stream handed over: same epoch, seq going on';
  test(`restart (${signal}): same port, a new process, ${what}`, { timeout: TIMEOUT_MS }, async (t) => {
    const server = await startServerProcess({ transport: 'all', rate: 20, size: 8, holdMs: 1000, heartbeatMs: 0 });
    t.after(() => server.stop());
    const before = await healthz(server.url);
    assert.equal(server.epoch, before.epoch, 'the epoch from the listening line');
    const oldPid = server.pid;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const atRestart = await healthz(server.url);
    const started = Date.now();
    await server.restart(signal, 300);
    assert.ok(Date.now() - started >= 300, 'the downtime is kept');
    assert.notEqual(server.pid, oldPid);
    assert.equal(alive(oldPid), false);
    assert.equal(server.exited, undefined, 'a restart asked for is not a crash');
    const after = await healthz(server.url);
    assert.equal(server.epoch, after.epoch);
    if (signal === 'SIGKILL') {
      assert.notEqual(after.epoch, before.epoch);
      assert.ok(after.seq < 20, `the new server starts over (seq ${after.seq})`);
    } else {
      assert.equal(after.epoch, before.epoch);
      assert.ok(after.seq >= atRestart.seq, `seq goes on (${atRestart.seq} before, ${after.seq} after)`);
    }
  });
}

test('freeze: a stopped server answers nothing; thawed, it answers again', { timeout: TIMEOUT_MS }, async (t) => {
  const server = await startServerProcess({ transport: 'all', rate: 1, size: 8, holdMs: 1000, heartbeatMs: 0 });
  t.after(() => server.stop());
  server.freeze(true);
  await assert.rejects(healthz(server.url, 500), /TimeoutError|aborted/i);
  server.freeze(false);
  assert.equal((await healthz(server.url)).name, 'wirebench');
  // stop() continues a frozen process before SIGTERM, so it never waits the SIGKILL deadline.
  server.freeze(true);
  const stopping = Date.now();
  await server.stop();
  assert.ok(Date.now() - stopping < 2_900, `stopped in ${Date.now() - stopping} ms`);
});
