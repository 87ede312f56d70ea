/**
 * deploy/: the Kubernetes Indexed Job validated against the Kubernetes API schema (the
 * kubernetes-models package: JSON Schemas generated from the API's OpenAPI document, no cluster
 * and no network), its pods' command run here through the real CLI, and the Dockerfile checked
 * (it is not built: no container runtime in CI).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { parse } from 'yaml';
import { CLI } from './helpers/bench-child.js';
import { buildResults } from './fixtures/results-builder.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const TARGET = 'http://127.0.0.1:9';
const START_AT = '2026-11-30T20:00:00Z';

interface Container {
  command: string[];
  args: string[];
  env: Array<{ name: string; value: string }>;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  image: string;
}

function loadJob() {
  const text = read('deploy/k8s/job.yaml').replace('__TARGET__', TARGET).replace('__START_AT__', START_AT);
  return parse(text) as {
    kind: string;
    spec: { completionMode: string; completions: number; parallelism: number; template: { spec: { securityContext: { runAsNonRoot: boolean; sysctls: Array<{ name: string }> }; containers: Container[] } } };
  };
}

test('the Indexed Job is valid against the Kubernetes API schema, and a broken one is not', () => {
  const manifest = loadJob();
  assert.equal(manifest.kind, 'Job');
  new Job(manifest as never).validate(); // throws naming the first bad field
  const broken = structuredClone(manifest);
  broken.spec.template.spec.containers[0]!.resources.requests.cpu = 'two cores';
  assert.throws(() => new Job(broken as never).validate(), /requests\/cpu must match format "quantity"/);
  const noContainers = structuredClone(manifest);
  (noContainers.spec.template.spec as { containers?: unknown }).containers = undefined;
  assert.throws(() => new Job(noContainers as never).validate(), /containers/);
});

test('the Job runs N indexed shards of one run: completions = parallelism = SHARDS, --shard from JOB_COMPLETION_INDEX, one --start-at, non-root', () => {
  const { spec } = loadJob();
  const pod = spec.template.spec;
  const container = pod.containers[0]!;
  const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
  assert.equal(spec.completionMode, 'Indexed');
  assert.equal(spec.completions, spec.parallelism);
  assert.equal(String(spec.completions), env.SHARDS);
  assert.equal(env.START_AT, START_AT);
  const script = container.args.join(' ');
  assert.match(script, /--shard "\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)\/\$SHARDS"/);
  assert.match(script, /--start-at "\$START_AT"/);
  assert.match(script, /--json/);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.ok(pod.securityContext.sysctls.some((s) => s.name === 'net.ipv4.ip_local_port_range'));
  assert.ok(container.resources.requests.cpu && container.resources.requests.memory, 'resource requests');
  // Every placeholder the run script fills in is in the manifest.
  const runScript = read('deploy/k8s/run.sh');
  for (const placeholder of ['__TARGET__', '__START_AT__']) {
    assert.ok(read('deploy/k8s/job.yaml').includes(placeholder) && runScript.includes(placeholder), placeholder);
  }
});

test('a pod\'s command is a valid bench invocation: run here through the real CLI, it gets as far as the (unreachable) target', { skip: !existsSync('/bin/sh') }, () => {
  const container = loadJob().spec.template.spec.containers[0]!;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-pod-'));
  try {
    // `wirebench` on the PATH, as in the image.
    writeFileSync(path.join(dir, 'wirebench'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`, { mode: 0o755 });
    const script = container.args[0]!.replaceAll('/tmp/results', path.join(dir, 'results'));
    const env = { ...process.env, PATH: `${dir}:${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`, JOB_COMPLETION_INDEX: '3', ...Object.fromEntries(container.env.map((e) => [e.name, e.value])) };
    const run = spawnSync(container.command[0]!, [...container.command.slice(1), script], { env, encoding: 'utf8', timeout: 60_000 });
    // Exit 1 (a run that could not start: the target), not 2 (a usage error in the options).
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /target http:\/\/127\.0\.0\.1:9 is not reachable/);
    const written = JSON.parse(readFileSync(path.join(dir, 'results', 'shard-4', 'results.json'), 'utf8')) as { config: { shard: unknown; startAt: string; clients: number[] } };
    assert.deepEqual(written.config.shard, { index: 4, count: 25 });
    assert.equal(written.config.startAt, '2026-11-30T20:00:00.000Z');
    assert.deepEqual(written.config.clients, [100_000]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Dockerfile: a non-root user, wirebench as the entrypoint, and everything it copies or runs exists', () => {
  const dockerfile = read('Dockerfile');
  const lines = dockerfile.split('\n').filter((l) => !l.startsWith('#'));
  const users = lines.filter((l) => l.startsWith('USER '));
  assert.ok(users.length > 0 && !/^USER (root|0)(:|$)/.test(users.at(-1)!), 'the final stage runs as a non-root user');
  assert.ok(lines.includes('ENTRYPOINT ["wirebench"]'));
  for (const line of lines.filter((l) => l.startsWith('COPY ') && !l.includes('--from='))) {
    for (const source of line.split(/\s+/).slice(1, -1)) assert.ok(existsSync(path.join(ROOT, source)), `${line}: ${source} exists`);
  }
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  assert.ok(scripts.build, 'npm run build');
  assert.ok(read('.dockerignore').split('\n').includes('node_modules'));
});

/**
 * A stand-in for kubectl on the PATH (no cluster here): it answers what deploy/k8s/run.sh asks —
 * the Job's condition, each completion index's pod, that pod's log (a shard's results document).
 */
const FAKE_KUBECTL = `#!/bin/sh
echo "$*" >> "$FAKE_DIR/calls"
case "$1" in
  get)
    if [ "$2" = job ]; then echo "$JOB_CONDITION"; exit 0; fi
    index=$(echo "$*" | sed -n 's/.*job-completion-index=\\([0-9]*\\).*/\\1/p')
    if [ -f "$FAKE_DIR/docs/shard-$((index + 1)).json" ]; then echo "pod/wirebench-shards-$index-x"; fi ;;
  logs)
    index=$(echo "$2" | sed -n 's|pod/wirebench-shards-\\([0-9]*\\)-x|\\1|p')
    cat "$FAKE_DIR/docs/shard-$((index + 1)).json" ;;
esac
`;

/** Runs deploy/k8s/run.sh against the stand-in, the Job ending as `condition`, pods for `shards` (1-based). */
function runScript(condition: string, shards: readonly number[]): { status: number | null; stderr: string; out: string; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-k8s-run-'));
  const count = (loadJob().spec as { completions: number }).completions;
  writeFileSync(path.join(dir, 'kubectl'), FAKE_KUBECTL, { mode: 0o755 });
  spawnSync('mkdir', [path.join(dir, 'docs')]);
  for (const index of shards) {
    const doc = buildResults({ transports: ['ws'], clients: [100_000], saturated: [], capture: false });
    doc.config = { ...doc.config, target: TARGET, shard: { index, count }, startAt: START_AT };
    for (const result of doc.results) result.server = { kind: 'target', url: TARGET };
    writeFileSync(path.join(dir, 'docs', `shard-${index}.json`), JSON.stringify(doc));
  }
  const out = path.join(dir, 'out');
  const run = spawnSync('bash', [path.join(ROOT, 'deploy/k8s/run.sh')], {
    env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}`, FAKE_DIR: dir, JOB_CONDITION: condition, TARGET, OUT: out, POLL_S: '1', WAIT_S: '30', WIREBENCH: `${process.execPath} ${CLI}` },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, stderr: run.stderr, out, dir };
}

test('every script under deploy/ parses (bash -n): run.sh once failed on an apostrophe inside ${TARGET:?…} before running a line', { skip: !existsSync('/bin/bash') && !existsSync('/usr/bin/bash') }, () => {
  for (const script of ['deploy/k8s/run.sh', 'deploy/local/shards.sh']) {
    const check = spawnSync('bash', ['-n', path.join(ROOT, script)], { encoding: 'utf8' });
    assert.equal(check.status, 0, `${script}: ${check.stderr}`);
  }
});

test('run.sh: one command applies the Job, waits for it, collects every pod\'s document and merges them', { skip: !existsSync('/bin/bash') && !existsSync('/usr/bin/bash') }, () => {
  const count = (loadJob().spec as { completions: number }).completions;
  const { status, stderr, out, dir } = runScript('Complete', Array.from({ length: count }, (_, i) => i + 1));
  try {
    assert.equal(status, 0, stderr);
    const merged = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as { shards: Array<{ index: number }>; config: { shard?: unknown } };
    assert.equal(merged.config.shard, undefined, 'the merged run');
    assert.equal(merged.shards.length, count);
    assert.ok(existsSync(path.join(out, 'report.html')), 'and the report');
    const calls = readFileSync(path.join(dir, 'calls'), 'utf8');
    assert.match(calls, /^apply -f .*job\.yaml$/m);
    const applied = readFileSync(path.join(out, 'job.yaml'), 'utf8');
    assert.ok(applied.includes(TARGET) && !applied.includes('__START_AT__'), 'the target and a start filled in');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run.sh: a failed Job ends the wait at once, and a shard without a pod is named, as merge names it missing', { skip: !existsSync('/bin/bash') && !existsSync('/usr/bin/bash') }, () => {
  const count = (loadJob().spec as { completions: number }).completions;
  const started = Date.now();
  const { status, stderr, dir } = runScript('Failed', Array.from({ length: count }, (_, i) => i + 1).filter((i) => i !== 7));
  try {
    assert.notEqual(status, 0);
    assert.ok(Date.now() - started < 60_000, 'not the whole wait');
    assert.match(stderr, /the Job did not complete \(Failed\)/);
    assert.match(stderr, /no pod for shard 7$/m);
    assert.match(stderr, new RegExp(`shard 7 of ${count} missing`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
