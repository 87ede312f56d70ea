/** Memory per connection, measured within a step after a GC before and once connected. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseResults } from '../load/results/results-schema.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));

function run(args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
  });
}

test('memory per connection, from two post-GC snapshots within the step, is positive for every transport at 200 clients', { timeout: 120_000 }, async () => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'wirebench-memory-'));
  const result = await run(['bench', '--clients', '200', '--duration', '1s', '--warmup', '200ms', '--rate', '2', '--interval', '500ms', '--out', out, '--no-report'], 110_000);
  assert.equal(result.code, 0, result.stderr);
  const document = parseResults(await readFile(path.join(out, 'results.json'), 'utf8'));
  for (const transport of document.results) {
    const memory = transport.steps[0]!.measurement!.server!.memory!;
    assert.equal(memory.clients, 200, transport.transport);
    // Each connection holds at least its socket objects (~1 KB); the heap's jitter is tens of KB in all.
    assert.ok(memory.heapBytesPerConnection! > 500, `${transport.transport}: ${memory.heapBytesPerConnection} B per connection`);
  }
});
