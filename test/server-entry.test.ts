/**
 * servers/entry.ts, the typed server entry the bench starts: one JSON document in
 * WIREBENCH_SERVER_OPTIONS, checked before anything listens (one line, exit 2), the same listening
 * line and clean stop as `wirebench serve`, and none of the CLI's modules loaded.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Healthz } from '../servers/contract.js';
import { SERVER_DOCUMENT_ENV } from '../servers/server-options.js';

const ENTRY = fileURLToPath(new URL('../servers/entry.js', import.meta.url));

test('a bad options document is one line naming the key or value and what is accepted, exit 2, nothing listens', () => {
  const cases: [string, RegExp][] = [
    ['nope', /^wirebench server: the options document is not JSON .*: use one JSON object/],
    ['[1]', /^wirebench server: the options document "\[1\]" is not a JSON object/],
    ['{"bogus":1}', /^wirebench server: "bogus" is not a server option: use one of transports, host, port, /],
    ['{"continueFrom":{}}', /^wirebench server: "continueFrom" is not a server option/],
    ['{"rate":"fast"}', /^wirebench server: rate "fast" is not valid: use a non-negative number/],
    ['{"transports":["pigeon"]}', /^wirebench server: transports \["pigeon"\] is not valid: use one or more of poll, longpoll, sse, ws$/],
    ['{"allowedHosts":[5]}', /^wirebench server: allowedHosts \[5\] is not valid: use a list of strings$/],
    ['{"maxBufferedBytes":10}', /^wirebench server: maxBufferedBytes 10 is not valid: use an integer from 1024/],
    ['{"stateFile":3}', /^wirebench server: stateFile 3 is not valid: use a file path$/],
  ];
  for (const [document, expected] of cases) {
    const run = spawnSync(process.execPath, [ENTRY], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, [SERVER_DOCUMENT_ENV]: document } });
    assert.equal(run.status, 2, `${document}: ${run.stderr}`);
    assert.equal(run.stdout, '', 'nothing listened');
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, expected);
  }
});

test('a good document: the listening line, the options applied, exit 0 on SIGTERM; only servers/ modules loaded', { timeout: 60_000 }, async (t) => {
  const hook = 'export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.includes("/dist/") && !r.url.includes("/node_modules/")) process.stderr.write("LOADED " + r.url + "\\n"); return r; }';
  const register = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  const document = { transports: ['sse', 'ws'], port: 0, rate: 5, sizeBytes: 16, heartbeatMs: 0 };
  const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, ENTRY], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, [SERVER_DOCUMENT_ENV]: JSON.stringify(document) },
  });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout });
  const [line] = (await once(lines, 'line')) as [string];
  const listening = JSON.parse(line) as { event: string; url: string; transports: string[]; epoch: string };
  assert.equal(listening.event, 'listening');
  assert.deepEqual(listening.transports, ['sse', 'ws']);
  const healthz = (await (await fetch(`${listening.url}/healthz`)).json()) as Healthz;
  assert.equal(healthz.epoch, listening.epoch);
  assert.equal((await fetch(`${listening.url}/poll?since=0`)).status, 404, 'poll is not served');
  const loaded = [...stderr.matchAll(/^LOADED .*\/dist\/(.*)\.js$/gm)].map((m) => m[1]!);
  assert.ok(loaded.includes('servers/entry'));
  assert.deepEqual(loaded.filter((m) => !m.startsWith('servers/')), [], `the entry loads servers/ only: ${loaded.join(', ')}`);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number];
  assert.equal(code, 0, stderr);
});
