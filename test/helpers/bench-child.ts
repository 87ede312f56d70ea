/**
 * Runs `wirebench bench` as a child process, as a user would, without blocking the test's own
 * event loop (a hostile target may live in the test process), and samples the resident memory
 * of the bench process tree (the controller and its load workers) from /proc while it runs.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../scripts/cli.js', import.meta.url));

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
  /** Highest sum of VmRSS over the process and its descendants, sampled every 100 ms. */
  peakTreeRssBytes: number;
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text !== '') out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // The process just exited.
  }
  return out;
}

function rssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function treeRssBytes(root: number): number {
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    total += rssBytes(pid);
    stack.push(...childrenOf(pid));
  }
  return total;
}

/** Runs the CLI with `args`; kills it (SIGKILL) after `killAfterMs` so a hang fails the test instead of the suite. */
export function runCli(args: string[], killAfterMs = 110_000): Promise<ChildRun> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    let peak = 0;
    const sampler = setInterval(() => {
      if (child.pid !== undefined) peak = Math.max(peak, treeRssBytes(child.pid));
    }, 100);
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code, signal) => {
      clearInterval(sampler);
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, elapsedMs: Date.now() - started, peakTreeRssBytes: peak });
    });
  });
}

/** `wirebench bench <args>` for each case: refused before anything starts — exit 2, nothing on stdout, one line on stderr matching its pattern. */
export function assertBenchRefuses(cases: ReadonlyArray<readonly [string[], RegExp]>): void {
  for (const [args, pattern] of cases) {
    const run = spawnSync(process.execPath, [CLI, 'bench', ...args], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(run.status, 2, `${args.join(' ')} → exit ${String(run.status)}: ${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${run.stderr}`);
    assert.match(lines[0]!, pattern);
    assert.equal(run.stdout, '');
  }
}
