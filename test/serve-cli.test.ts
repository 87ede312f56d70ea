/**
 * `wirebench serve` exactly as a user (or the bench runner) starts it: a child process whose
 * first stdout line says where it listens; SIGTERM ends it cleanly within 2 s; bad options
 * exit 2 with one line naming the value.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import type { Healthz, ServerStats } from '../servers/contract.js';
import { splitJsonArray, SseClient, startServer, WsClient } from './helpers/server-harness.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));

interface Listening {
  event: 'listening';
  url: string;
  host: string;
  port: number;
  transports: string[];
  pid: number;
}

async function firstLine(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  try {
    const [line] = (await once(lines, 'line')) as [string];
    return line;
  } finally {
    clearTimeout(timer);
    lines.close();
  }
}

test('serve prints where it listens, serves every route, and exits 0 within 2 s of SIGTERM', async (t) => {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--rate', '50', '--hold', '300ms', '--heartbeat', '100ms', '--size', '16'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const listening = JSON.parse(await firstLine(child)) as Listening;
  assert.equal(listening.event, 'listening');
  assert.equal(listening.host, '127.0.0.1');
  assert.equal(listening.pid, child.pid);
  assert.equal(listening.url, `http://127.0.0.1:${listening.port}`);
  assert.deepEqual(listening.transports, ['poll', 'longpoll', 'sse', 'ws']);
  const { url } = listening;

  const healthz = (await (await fetch(`${url}/healthz`)).json()) as Healthz;
  assert.equal(healthz.ok, true);
  const poll = await fetch(`${url}/poll?since=0`);
  assert.equal(poll.status, 200);
  assert.equal(poll.headers.get('content-encoding'), null);
  splitJsonArray(await poll.text());
  assert.equal((await fetch(`${url}/longpoll?since=0`)).status, 200);
  assert.equal((await fetch(`${url}/publish`, { method: 'POST', body: '{"data":"hi","sent":1}' })).status, 200);
  const sse = await SseClient.connect(`${url}/sse?since=0`);
  const ws = await WsClient.connect(`${url}/ws?since=0`);
  t.after(() => (sse.close(), ws.close()));
  await sse.waitForMessages(3);
  await ws.waitForMessages(3);
  assert.equal((await fetch(`${url}/ws`)).status, 426);
  const stats = (await (await fetch(`${url}/stats`)).json()) as ServerStats;
  assert.equal(stats.connections.sse, 1);
  assert.equal(stats.connections.ws, 1);
  assert.ok(stats.published.upstream === 1 && stats.published.feed >= 1);

  const start = Date.now();
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  const tookMs = Date.now() - start;
  assert.equal(code, 0, stderr);
  assert.ok(tookMs < 2_000, `exit took ${tookMs} ms`);
  await ws.closed;
  assert.equal(ws.closeCode, 1001);
  assert.equal(stderr, '');
});

test('serve --transport limits the routes; healthz, stats and publish stay', async (t) => {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--transport', 'sse', '--rate', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => child.kill('SIGKILL'));
  const { url, transports } = JSON.parse(await firstLine(child)) as Listening;
  assert.deepEqual(transports, ['sse']);
  assert.equal((await fetch(`${url}/poll`)).status, 404);
  assert.equal((await fetch(`${url}/ws`)).status, 404);
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal((await fetch(`${url}/stats`)).status, 200);
  assert.equal((await fetch(`${url}/publish`, { method: 'POST', body: '{"data":"x"}' })).status, 200);
  child.kill('SIGINT');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
});

test('bad serve options exit 2 with one line naming the value and what is accepted', () => {
  const cases: [string[], RegExp][] = [
    [['--rate', 'fast'], /--rate "fast" is not valid: use a non-negative number/],
    [['--transport', 'pigeon'], /--transport "pigeon" is not a transport: use .*poll, longpoll, sse, ws/],
    [['--port', '70000'], /--port "70000" is not valid: use an integer from 0 to 65535/],
    [['--hold', 'soon'], /--hold "soon" is not a valid duration/],
    [['--history', '0'], /--history "0" is not valid/],
    [['--origin', 'evil'], /--origin "evil" is not valid: use a bare http\(s\) origin/],
    [['--max-buffered-bytes', '10'], /--max-buffered-bytes "10" is not valid: use an integer from 1024/],
    [['--write-stall-timeout', 'never'], /--write-stall-timeout "never" is not a valid duration/],
    [['--idle-timeout', '-1s'], /--idle-timeout "-1s" is not a valid duration/],
    // Written at shutdown, so checked at start: under a file (node's own binary) it cannot be.
    [['--state-file', `${process.execPath}/state.json`], /^wirebench: --state-file .*: .* is a file, not a directory$/],
    // A host this machine cannot bind (a TEST-NET-1 address; a name that never resolves) is a bad option too.
    [['--host', '192.0.2.7'], /^wirebench: --host "192\.0\.2\.7" is not valid: not an address of this machine \(EADDRNOTAVAIL\); use an address of this machine/],
    [['--host', 'no-such-host.invalid'], /^wirebench: --host "no-such-host\.invalid" is not valid: (no such host name|the host name could not be resolved)/],
  ];
  for (const [args, expected] of cases) {
    const result = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', ...args], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stdout, '', 'nothing was started');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] ?? '', expected);
  }
});

test('a port already in use is a failed run (exit 1) with one line, not a hang', async (t) => {
  const busy = await startServer(t);
  const result = spawnSync(process.execPath, [CLI, 'serve', '--port', String(busy.port), '--heartbeat', '1s'], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr.trim(), /^wirebench: listen EADDRINUSE.*:\d+$/);
});
