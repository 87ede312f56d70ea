/**
 * The package as a new user gets it: `npm pack` (its prepack build), the tarball installed into an
 * empty project with `--engine-strict` from the npm cache (the registry only if the cache lacks
 * something), then the bin through npx, a small bench, a report, microbenchmarks, the exported
 * JSON Schema, and a TypeScript file that imports the API, compiles with tsc and runs.
 * Then the same installed package on the other supported Node majors (the `node` npm package,
 * from the npx cache or the registry), skipped with a reason when neither is reachable.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateResults } from '../load/results/results-schema.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const LONG = { timeout: 600_000 };

let work = '';
let project = '';

function run(command: string, args: string[], cwd: string, timeout = 180_000): SpawnSyncReturns<string> {
  // npm_* variables from an enclosing `npm test` would leak its settings into the child npm.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
  return spawnSync(command, args, { cwd, encoding: 'utf8', timeout, env: { ...env, NO_COLOR: '1' } });
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  assert.equal(result.status, 0, `${what} → exit ${String(result.status)} ${String(result.signal ?? '')}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** `npm install --offline`, or `--prefer-offline` when the cache lacks some metadata (registry only). */
function npmInstall(cwd: string, specs: string[]): void {
  const common = ['install', '--engine-strict', '--no-audit', '--no-fund', ...specs];
  const offline = run('npm', [...common, '--offline'], cwd);
  if (offline.status === 0) return;
  assert.match(offline.stderr, /ENOTCACHED|only-if-cached/, `offline install failed for another reason:\n${offline.stderr}`);
  ok(run('npm', [...common, '--prefer-offline'], cwd), 'npm install --prefer-offline');
}

before(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'wirebench-pack-'));
  project = path.join(work, 'project');
  const packed = ok(run('npm', ['pack', '--silent', '--pack-destination', work], ROOT, 300_000), 'npm pack').trim().split('\n').at(-1)!;
  const tarball = path.join(work, packed);
  assert.ok(existsSync(tarball), `npm pack wrote ${tarball}`);
  const listing = ok(run('tar', ['tzf', tarball], work), 'tar tzf');
  for (const file of ['package/LICENSE', 'package/dist/scripts/cli.js', 'package/dist/api/index.d.ts', 'package/dist/schema/results.schema.json']) {
    assert.ok(listing.includes(`${file}\n`), `the tarball holds ${file}`);
  }
  assert.doesNotMatch(listing, /package\/dist\/test\//, 'tests are not shipped');
  assert.doesNotMatch(listing, /generator-efficiency/, 'the repo-only script that needs autocannon is not shipped');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'try-wirebench', version: '1.0.0', private: true, type: 'module' }));
  npmInstall(project, [tarball, `@types/node@${PKG.devDependencies['@types/node']}`]);
}, LONG);

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('npx wirebench --version, a small bench and a report from the installed tarball', LONG, () => {
  assert.equal(ok(run('npx', ['wirebench', '--version'], project), 'npx wirebench --version').trim(), PKG.version);
  const bench = run('npx', ['wirebench', 'bench', '--transports', 'sse,ws', '--clients', '3', '--duration', '1s', '--warmup', '200ms', '--rate', '20', '--workers', '1', '--out', 'out'], project);
  ok(bench, 'npx wirebench bench');
  const doc = validateResults(JSON.parse(readFileSync(path.join(project, 'out', 'results.json'), 'utf8')));
  assert.equal(doc.status, 'complete');
  assert.deepEqual(doc.results.map((r) => r.transport), ['sse', 'ws']);
  for (const result of doc.results) {
    const step = result.steps[0]!;
    assert.equal(step.status, 'ok');
    if (step.status === 'ok') assert.ok(step.measurement.window.messages.delivered > 0, 'messages were delivered');
  }
  assert.equal(doc.environment.wirebenchVersion, PKG.version);
  const md = ok(run('npx', ['wirebench', 'report', 'out/results.json', '--format', 'md'], project), 'npx wirebench report --format md');
  assert.match(md, /\| WebSocket \| 3 \| ok \|/, 'the Markdown report has the WebSocket step');
  ok(run('npx', ['wirebench', 'report', 'out/results.json'], project), 'npx wirebench report');
  assert.ok(existsSync(path.join(project, 'out', 'report.html')));
});

test('bench-micro runs from the installed package (its runtime dependencies are dependencies)', LONG, () => {
  const script = path.join(project, 'node_modules', 'wirebench', 'dist', 'scripts', 'bench-micro.js');
  ok(run(process.execPath, [script, '--time', '20ms', '--warmup', '0ms', '--batch', '10', '--out', 'micro.json'], project), 'bench-micro');
  const micro = JSON.parse(readFileSync(path.join(project, 'micro.json'), 'utf8')) as { schema: string; tasks: unknown[] };
  assert.equal(micro.schema, 'wirebench/micro');
  assert.ok(micro.tasks.length > 5);
});

test('import { … } from "wirebench" type-checks with tsc and runs: bench, read, merge, compare, render, schema', LONG, () => {
  writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: ['node'], resolveJsonModule: true, outDir: 'build' }, include: ['use-api.ts'] }),
  );
  writeFileSync(
    path.join(project, 'use-api.ts'),
    `import { bench, compareResults, COMPARE_EXPORTERS, mergeResults, readResultsFile, renderMarkdown, resultsJsonSchema, type ResultsDocument, type RunEvent } from 'wirebench';
import schemaFile from 'wirebench/results.schema.json' with { type: 'json' };

const events: RunEvent['kind'][] = [];
const fresh: ResultsDocument = await bench({
  transports: ['poll'], clients: [3], durationMs: 1000, warmupMs: 200, rate: 20, workers: 1,
  outFile: 'api-out/results.json',
  onEvent: (event) => { events.push(event.kind); },
});
const earlier = await readResultsFile('out/results.json');
const merged = mergeResults([earlier, fresh]);
const report = compareResults(earlier, earlier, { baselineName: 'a', currentName: 'b' });
const summary = {
  status: fresh.status,
  events: [...new Set(events)].sort(),
  merged: merged.results.map((r) => r.transport),
  regressions: report.regressions,
  md: renderMarkdown(merged).length > 0 && COMPARE_EXPORTERS.md.render(report).length > 0,
  schema: JSON.stringify(resultsJsonSchema()) === JSON.stringify(schemaFile),
};
process.stdout.write(JSON.stringify(summary));
`,
  );
  ok(run(process.execPath, [TSC, '-p', 'tsconfig.json'], project), 'tsc');
  const out = JSON.parse(ok(run(process.execPath, ['build/use-api.js'], project), 'node build/use-api.js')) as Record<string, unknown>;
  assert.deepEqual(out, {
    status: 'complete',
    events: ['phase', 'step', 'transport'],
    merged: ['poll', 'sse', 'ws'],
    regressions: 0,
    md: true,
    schema: true,
  });
});

for (const major of ['22', '24']) {
  test(`Node ${major}: the installed package runs (--version, a small bench)`, LONG, (t) => {
    const probe = run('npx', ['--yes', '--prefer-offline', '-p', `node@${major}`, '-c', 'node -p process.execPath'], project, 120_000);
    if (probe.status !== 0) {
      t.skip(`node@${major} is neither in the npm cache nor reachable on the registry`);
      return;
    }
    const node = probe.stdout.trim().split('\n').at(-1)!;
    assert.match(ok(run(node, ['--version'], project), 'node --version'), new RegExp(`^v${major}\\.`));
    const cli = path.join(project, 'node_modules', 'wirebench', 'dist', 'scripts', 'cli.js');
    assert.equal(ok(run(node, [cli, '--version'], project), 'wirebench --version').trim(), PKG.version);
    ok(run(node, [cli, 'bench', '--transports', 'ws', '--clients', '2', '--duration', '1s', '--warmup', '200ms', '--rate', '20', '--workers', '1', '--no-report', '--out', `out-node${major}`], project), `bench on Node ${major}`);
    const doc = validateResults(JSON.parse(readFileSync(path.join(project, `out-node${major}`, 'results.json'), 'utf8')));
    assert.equal(doc.status, 'complete');
    assert.match(doc.environment.node, new RegExp(`^v?${major}\\.`));
  });
}
