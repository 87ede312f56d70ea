/**
 * A graceful restart hands the stream over: the successor keeps the epoch and the history, seq
 * goes on, and a cursor from before the restart resumes with no reset and no gap. Library level
 * (handOver → continueFrom) and `wirebench serve --state-file` as real processes (SIGTERM writes
 * the file, the next start continues from it and removes it; a hard kill leaves nothing, so the
 * next start is a new epoch; a file that is not a feed state is one line and a new epoch).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createWirebenchServer, ServerOptionsError } from '../servers/server.js';
import { seqOf, splitJsonArray, startServer } from './helpers/server-harness.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));

test('handOver → continueFrom: same epoch, seq goes on, an old cursor resumes without reset or gap', async (t) => {
  const first = await startServer(t, { historyLength: 8 });
  for (let i = 1; i <= 12; i++) first.publish(`m${i}`);
  const state = first.handOver();
  assert.throws(() => first.publish('late'), /handed over/, 'nothing joins the history once handed over');
  const late = await fetch(`${first.url}/publish`, { method: 'POST', body: '{"data":"late"}' });
  assert.equal(late.status, 503, 'an upstream publish is refused too');
  await first.close();
  assert.equal(state.messages.length, 8, 'the history as kept');
  assert.deepEqual([state.messages[0]!.seq, state.messages.at(-1)!.seq], [5, 12]);

  const second = await startServer(t, { continueFrom: state });
  assert.equal(second.healthz().epoch, state.epoch);
  assert.equal(second.healthz().seq, 12);
  assert.equal(second.publish('m13'), 13);
  const body = await (await fetch(`${second.url}/poll?since=9&epoch=${state.epoch}`)).text();
  assert.deepEqual(splitJsonArray(body).map(seqOf), [10, 11, 12, 13], 'resumed where the cursor was, no reset');
  // Older than what was handed over: the gap signal, as on any server.
  const old = splitJsonArray(await (await fetch(`${second.url}/poll?since=2&epoch=${state.epoch}`)).text());
  assert.deepEqual(JSON.parse(old[0]!), { gap: { from: 3, to: 4 } });

  // A smaller history keeps the newest messages.
  const third = await startServer(t, { historyLength: 3, continueFrom: second.handOver() });
  const kept = splitJsonArray(await (await fetch(`${third.url}/poll?since=10&epoch=${state.epoch}`)).text());
  assert.deepEqual(kept.map(seqOf), [11, 12, 13]);
});

test('continueFrom that is not a handed-over stream: ServerOptionsError before anything listens', async () => {
  const bad = { epoch: 'abc', messages: [{ seq: 1, text: '{"seq":1}' }, { seq: 3, text: '{"seq":3}' }] };
  await assert.rejects(createWirebenchServer({ continueFrom: bad }), (error: unknown) => error instanceof ServerOptionsError && /message 1 is not the next message/.test(error.message));
  await assert.rejects(createWirebenchServer({ continueFrom: { epoch: 'no spaces', messages: [] } }), ServerOptionsError);
});

/** `wirebench serve` with a state file; resolves with its listening line. */
async function serve(t: import('node:test').TestContext, stateFile: string, port = 0) {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--rate', '20', '--transport', 'poll', '--state-file', stateFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const listening = JSON.parse(line) as { url: string; port: number; epoch: string; seq: number };
  return { child, listening, stderr: () => stderr };
}

test('serve --state-file: SIGTERM hands the stream to the next start; SIGKILL does not; a bad file is one line and a new epoch', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wirebench-state-'));
  const stateFile = path.join(dir, 'feed.json');
  const first = await serve(t, stateFile);
  await new Promise((resolve) => setTimeout(resolve, 600));
  const before = splitJsonArray(await (await fetch(`${first.listening.url}/poll?since=0`)).text()).map(seqOf);
  assert.ok(before.length >= 3, `the feed ran: ${before.length} messages`);
  first.child.kill('SIGTERM');
  await once(first.child, 'exit');
  assert.ok(existsSync(stateFile), 'written on SIGTERM');
  assert.equal(statSync(stateFile).mode & 0o777, 0o600, 'owner-only (servers/atomic-file.ts, the one atomic write)');
  assert.deepEqual(readdirSync(dir), ['feed.json'], 'no temp file left beside it');

  const second = await serve(t, stateFile, first.listening.port);
  assert.equal(second.listening.epoch, first.listening.epoch, 'same stream');
  assert.ok(second.listening.seq >= before.at(-1)!, 'seq goes on from the handed-over head');
  assert.ok(!existsSync(stateFile), 'the file is consumed');
  const resumed = splitJsonArray(await (await fetch(`${second.listening.url}/poll?since=${before.at(-1)!}&epoch=${first.listening.epoch}`)).text());
  assert.ok(!resumed.some((item) => item.startsWith('{"reset"') || item.startsWith('{"gap"')), `no reset, no gap: ${resumed.slice(0, 2).join(',')}`);

  second.child.kill('SIGKILL');
  await once(second.child, 'exit');
  assert.ok(!existsSync(stateFile), 'a hard kill writes nothing');
  const third = await serve(t, stateFile);
  assert.notEqual(third.listening.epoch, first.listening.epoch, 'after a hard kill: a new epoch');
  third.child.kill('SIGTERM');
  await once(third.child, 'exit');

  await writeFile(stateFile, '{"format":"something else"}');
  const fourth = await serve(t, stateFile);
  assert.notEqual(fourth.listening.epoch, first.listening.epoch);
  assert.match(fourth.stderr().trim(), /^wirebench serve: --state-file .*feed\.json is not a wirebench feed state; starting a new stream \(new epoch\)$/);
});
