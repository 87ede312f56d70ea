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
