import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readSystemLimits, RESERVED_FDS } from '../load/run/connection-budget.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));

/** More clients than this machine can hold (its limits, read as the CLI reads them): refused up front, naming the limit. */
function clientBudgetCases(): Array<[string[], RegExp]> {
  const { openFiles, ephemeralPorts } = readSystemLimits();
  const cases: Array<[string[], RegExp]> = [];
  if (ephemeralPorts !== null) {
    const n = ephemeralPorts + 1;
    cases.push([['--clients', `10,${n}`, '--workers', '64'], new RegExp(`--clients ${n} needs ${n} connections to one address but there are ${ephemeralPorts} ephemeral ports`)]);
  }
  if (openFiles !== null && (ephemeralPorts === null || openFiles < ephemeralPorts)) {
    const n = openFiles - RESERVED_FDS + 1;
    cases.push([['--clients', String(n)], new RegExp(`--clients ${n} needs ${n} sockets in the embedded server process but its open-file limit \\(ulimit -n\\) is ${openFiles}: use at most ${n - 1} clients`)]);
    cases.push([['--clients', String(n), '--workers', '1', '--target', 'http://127.0.0.1:9'], new RegExp(`--clients ${n} needs ${n} sockets in each of 1 load workers but the open-file limit \\(ulimit -n\\) is ${openFiles}`)]);
  }
  return cases;
}

/** Bad options: one clear line naming the value and what is accepted, exit 2, nothing started. */
test('bench refuses bad options with exit 2 and one line, before starting anything', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--clients', '0'], /--clients value "0" is not valid/],
    [['--clients', 'abc'], /--clients value "abc" is not valid/],
    [['--duration', '-5s'], /--duration "-5s" is not a valid duration/],
    [['--transports', 'poll,smoke'], /"smoke" is not a transport: use a comma-separated list of poll, longpoll, sse, ws/],
    [['--interval', '0'], /--interval "0" is not a valid duration/],
    [['--headers', 'curl'], /--headers "curl" is not valid: use one of minimal, browser/],
    [['--workload', 'gossip'], /--workload "gossip" is not valid: use one of feed, chat/],
    [['--preset', 'comet.org'], /--preset "comet.org" is not a preset: use one of websocket.org/],
    [['--target', 'not a url'], /--target "not a url" is not a URL/],
    [['--cors-credentials'], /--cors-credentials applies to cross-origin runs only: add --cross-origin/],
    [['--cors-max-age', '60'], /--cors-max-age applies to cross-origin runs only/],
    [['--cross-origin', '--cors-max-age', 'forever'], /--cors-max-age "forever" is not valid: use an integer from 0 to/],
    [['--cross-origin', '--target', 'http://127.0.0.1:9', '--cors-max-age', '60'], /--cors-max-age sets the embedded servers' Access-Control-Max-Age: with --target the target sends its own/],
    [['--authorization', '4'], /--authorization "4" is not valid: use 0 \(none\) or at least 8 bytes/],
    // Options of another kind of run are refused, not silently ignored with whatever value they have.
    [['--publishers', '-1'], /--publishers applies to the chat workload only: add --workload chat/],
    [['--publish-rate', '5'], /--publish-rate applies to the chat workload only/],
    [['--workload', 'chat', '--publishers', '-1'], /--publishers "-1" is not valid: use an integer >= 0/],
    [['--drop-rate', 'x'], /--drop-rate applies to drop faults only: add --fault drop or --fault drop-server/],
    [['--fault', 'restart-hard', '--drop-rate', '0.2'], /--drop-rate applies to drop faults only/],
    [['--fault', 'drop', '--drop-rate', 'x'], /--drop-rate "x" is not valid: use a positive number/],
    // Durations are bounded alike however they are written (item 10 of issue 14).
    [['--duration', '99999999999'], /--duration "99999999999" is not a valid duration: .* up to 24h/],
    [['--duration', '1y'], /--duration "1y" is not a valid duration: .* up to 24h/],
    [['--warmup', '25h'], /--warmup "25h" is not a valid duration: .* up to 24h/],
    // Scale-out (issue 10): shards share one target and one schedule.
    [['--shard', '1/2'], /--shard needs --target: shards share one server/],
    [['--shard', '3/2', '--target', 'http://127.0.0.1:9'], /--shard "3\/2" is not valid: use I\/N with 1 <= I <= N/],
    [['--shard', '1/2', '--target', 'http://127.0.0.1:9'], /--shard needs --start-at/],
    [['--start-at', 'tomorrow', '--target', 'http://127.0.0.1:9'], /--start-at "tomorrow" is not valid: use an RFC 3339 time with its zone/],
    [['--start-at', '2026-11-30T20:00:00', '--target', 'http://127.0.0.1:9'], /--start-at "2026-11-30T20:00:00" is not valid/],
    [['--shard', '1/4', '--start-at', '2026-11-30T20:00:00Z', '--target', 'http://127.0.0.1:9', '--clients', '2'], /--clients 2 is fewer than the 4 shards/],
    [['--start-at', '2026-11-30T20:00:00Z', '--target', 'http://127.0.0.1:9', '--repeat', '3'], /--repeat 3 cannot be used with --start-at/],
    [['--shard', '1/2', '--start-at', '2026-11-30T20:00:00Z', '--target', 'http://127.0.0.1:9', '--capture'], /--capture cannot be used with --shard: a shard captures only its own host/],
    [['--source-addresses', '127.0.0.9-127.0.0.2'], /--source-addresses "127.0.0.9-127.0.0.2" is not valid: "127.0.0.9-127.0.0.2" runs backwards/],
    [['--source-addresses', '192.0.2.7'], /--source-addresses "192.0.2.7" is not valid: 192.0.2.7 is not an address of this host/],
    [['--source-addresses', 'localhost'], /"localhost" is not an IP address/],
    ...clientBudgetCases(),
  ];
  for (const [args, pattern] of cases) {
    const started = Date.now();
    const run = spawnSync(process.execPath, [CLI, 'bench', ...args], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(run.status, 2, `${args.join(' ')} → exit ${String(run.status)}: ${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${run.stderr}`);
    assert.match(lines[0]!, pattern);
    assert.equal(run.stdout, '', 'nothing printed on stdout: nothing ran');
    assert.ok(Date.now() - started < 10_000, 'refused at once, not after starting servers');
  }
});

test('a target that refuses connections gets a clear error naming the URL, no hang', async () => {
  // A port that was free a moment ago: nothing listens there now.
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  const run = spawnSync(process.execPath, [CLI, 'bench', '--target', `http://127.0.0.1:${port}`, '--clients', '1', '--duration', '1s', '--no-report', '--out', '/tmp/wirebench-refused'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, new RegExp(`target http://127\\.0\\.0\\.1:${port} is not reachable: GET \\S+ got no answer \\(ECONNREFUSED\\)`));
});

test('a target that is not a wirebench server is named and refused', async () => {
  const { createServer } = await import('node:http');
  const { execFile } = await import('node:child_process');
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>hello</h1>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, 'bench', '--target', `http://127.0.0.1:${port}`, '--clients', '1', '--no-report', '--out', '/tmp/wirebench-notours'], { timeout: 30_000 }, (error, _stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr }));
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`target http://127\\.0\\.0\\.1:${port} is not a wirebench server`));
  } finally {
    server.close();
  }
});

test('--target benches an already running server: no embedded server, server cost from its /stats', { timeout: 60_000 }, async () => {
  const { execFile } = await import('node:child_process');
  const { mkdtemp, readFile } = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const { createWirebenchServer } = await import('../servers/server.js');
  const { parseResults } = await import('../load/results/results-schema.js');
  const server = await createWirebenchServer({ rate: 20 });
  const out = await mkdtemp(path.join(os.tmpdir(), 'wirebench-target-'));
  try {
    const code = await new Promise<number>((resolve) => {
      execFile(process.execPath, [CLI, 'bench', '--target', server.url, '--transports', 'sse,ws', '--clients', '2', '--duration', '1s', '--warmup', '200ms', '--out', out, '--no-report'], { timeout: 50_000 }, (error) =>
        resolve(error ? (typeof error.code === 'number' ? error.code : -1) : 0));
    });
    assert.equal(code, 0);
    const document = parseResults(await readFile(path.join(out, 'results.json'), 'utf8'));
    assert.equal(document.config.target, new URL(server.url).origin);
    for (const result of document.results) {
      assert.deepEqual(result.server, { kind: 'target', url: new URL(server.url).origin });
      const step = result.steps[0]!;
      assert.equal(step.status, 'ok');
      assert.ok(step.measurement!.server, 'server figures from the target\'s /stats');
      assert.equal(step.measurement!.window.messages.lost, 0);
    }
  } finally {
    await server.close();
  }
});
