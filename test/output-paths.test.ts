/**
 * Hostile paths and files, with the real CLI on real files: --out checked before anything runs
 * (an existing file, /proc, a file as a parent), report -o never replacing a symlink, FIFO or
 * device, a full disk (a small tmpfs mounted by the test) leaving no temp file and no empty
 * output, input files bounded in size, and errors as one line in words.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { buildResults } from './fixtures/results-builder.js';
import { CLI } from './helpers/bench-child.js';

function cli(args: string[], timeoutMs = 30_000) {
  const started = Date.now();
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { ...run, elapsedMs: Date.now() - started };
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${stderr}`);
  const line = lines[0]!;
  // No raw errno text ("ENOTDIR: not a directory, mkdir '…'").
  assert.doesNotMatch(line, /E[A-Z]{3,}: /, line);
  return line;
}

function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'wirebench-paths-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function resultsFile(dir: string, name = 'results.json', edit?: (doc: ReturnType<typeof buildResults>) => void): string {
  const doc = buildResults();
  edit?.(doc);
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

const BENCH_FAST = ['bench', '--transports', 'poll', '--clients', '1', '--duration', '1s', '--warmup', '0', '--no-report'];

test('--out is checked before anything runs: a file, a file as parent, /proc, a results.json that is a directory (items 3, 12)', (t) => {
  const dir = scratch(t);
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  mkdirSync(join(dir, 'taken', 'results.json'), { recursive: true });
  const cases: Array<[string, RegExp]> = [
    [file, /^wirebench: --out \S+a-file: \S+a-file is a file, not a directory$/],
    [join(file, 'sub'), /^wirebench: --out \S+a-file\/sub: \S+a-file is a file, not a directory$/],
    ['/proc/1/x', /^wirebench: --out \/proc\/1\/x: cannot create the directory \/proc\/1\/x \(no such file or directory\)$/],
    [join(dir, 'taken'), /^wirebench: --out \S+taken\/results\.json: is a directory, not a regular file: not replaced$/],
  ];
  for (const [out, pattern] of cases) {
    const run = cli([...BENCH_FAST, '--out', out], 15_000);
    assert.equal(run.status, 2, `${out}: exit ${String(run.status)} ${String(run.signal)}: ${run.stderr}`);
    assert.match(oneLine(run.stderr), pattern);
    assert.equal(run.stdout, '', 'nothing ran');
    assert.ok(run.elapsedMs < 10_000, `${out}: refused at once (${run.elapsedMs} ms)`);
  }
  assert.equal(readFileSync(file, 'utf8'), 'x', 'the file named as --out is untouched');
});

test('report -o writes through a symlink to its target and refuses a FIFO or a device (item 4)', (t) => {
  const dir = scratch(t);
  const results = resultsFile(dir);
  const target = join(dir, 'real.md');
  writeFileSync(target, 'old');
  const link = join(dir, 'link.md');
  symlinkSync(target, link);
  const viaLink = cli(['report', results, '--format', 'md', '-o', link]);
  assert.equal(viaLink.status, 0, viaLink.stderr);
  assert.ok(lstatSync(link).isSymbolicLink(), 'the link is still a link');
  assert.equal(readlinkSync(link), target);
  const written = readFileSync(target, 'utf8');
  assert.ok(written !== 'old' && written.includes('| transport |'), 'the report went to the link target');

  const dangling = join(dir, 'dangling.md');
  symlinkSync(join(dir, 'nowhere', 'x.md'), dangling);
  const refusedLink = cli(['report', results, '--format', 'md', '-o', dangling]);
  assert.equal(refusedLink.status, 2, refusedLink.stderr);
  assert.match(oneLine(refusedLink.stderr), /dangling\.md: is a symbolic link to nothing/);

  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  for (const special of [fifo, '/dev/full', '/dev/null']) {
    const before = statSync(special);
    const run = cli(['report', results, '-o', special], 15_000);
    assert.equal(run.status, 2, `${special}: ${run.stderr}`);
    assert.match(oneLine(run.stderr), new RegExp(`^wirebench: ${special.replace(/[/.]/g, '\\$&')}: is a (FIFO|device), not a regular file: not replaced$`));
    const after = statSync(special);
    assert.equal(after.mode, before.mode, `${special} is still what it was`);
    assert.equal(after.ino, before.ino, `${special} was not replaced`);
  }
  assert.deepEqual(readdirSync(dir).filter((name) => name.includes('.tmp')), [], 'no temp files left');
});

test('a full disk leaves no temp file and no empty output; the previous version survives (item 7)', (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to mount a tmpfs');
  const dir = scratch(t);
  const results = resultsFile(dir);
  const mnt = mkdtempSync(join(tmpdir(), 'wirebench-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
  t.after(() => {
    execFileSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });

  // Room for one Markdown report, then the disk is filled up.
  const md = join(mnt, 'report.md');
  assert.equal(cli(['report', results, '--format', 'md', '-o', md]).status, 0);
  const first = readFileSync(md, 'utf8');
  try {
    writeFileSync(join(mnt, 'filler'), Buffer.alloc(1024 * 1024));
  } catch {
    // ENOSPC: the filler took every free block, which is the point.
  }
  const html = join(mnt, 'report.html');
  for (const [args, output] of [
    [['report', results, '-o', html], html],
    [['report', results, '--format', 'md', '-o', md], md],
    [['compare', results, results, '--format', 'md', '--out', join(mnt, 'compare.md')], join(mnt, 'compare.md')],
  ] as const) {
    const run = cli([...args]);
    assert.equal(run.status, 1, `${output}: ${run.stderr}`);
    const line = oneLine(run.stderr.split('\n').filter((l) => !l.includes('warning')).join('\n'));
    assert.match(line, /: not written: no space left on the device$/);
    assert.deepEqual(readdirSync(mnt).filter((name) => name.endsWith('.tmp')), [], 'no temp file left');
    if (output === md) assert.equal(readFileSync(md, 'utf8'), first, 'the previous report is intact');
    else assert.throws(() => statSync(output), /ENOENT/, 'no empty output file');
  }

  // A bench whose results cannot be written: one line naming the file, exit 1, nothing half-written.
  const out = join(mnt, 'run');
  const bench = cli([...BENCH_FAST, '--out', out], 60_000);
  assert.equal(bench.status, 1, bench.stderr);
  const last = bench.stderr.trim().split('\n').at(-1)!;
  assert.match(last, /^wirebench: \S+run\/results\.json: not written: no space left on the device$/);
  assert.deepEqual(readdirSync(out), [], 'no temp file, no empty results.json');
});

test('input files: a huge file, a FIFO, a directory are refused in one line; echoed strings are clipped (item 6)', (t) => {
  const dir = scratch(t);
  const good = resultsFile(dir);
  // A valid results document of 40 MB (one long free-text field).
  const huge = resultsFile(dir, 'huge.json', (doc) => void (doc.environment.cpuModel = 'c'.repeat(40 * 1024 * 1024)));
  const fifo = join(dir, 'in.fifo');
  execFileSync('mkfifo', [fifo]);
  for (const args of [['report', huge], ['compare', good, huge], ['report', fifo], ['compare', fifo, good], ['report', dir]]) {
    const run = cli(args, 15_000);
    assert.equal(run.status, 2, `${args.join(' ')}: ${String(run.signal)} ${run.stderr}`);
    const line = oneLine(run.stderr);
    assert.match(line, /over the 32 MiB limit for a results|is a FIFO, not a results|is a directory, not a results/, line);
    assert.ok(run.elapsedMs < 10_000, 'no hang');
  }
  // A long (but allowed) free-text field is clipped in the warning that names it.
  const long = resultsFile(dir, 'long.json', (doc) => void (doc.environment.cpuModel = 'z'.repeat(100_000)));
  const run = cli(['compare', good, long]);
  const warnings = run.stderr.trim().split('\n').filter((l) => l.includes('different machines'));
  assert.equal(warnings.length, 1, run.stderr.slice(0, 500));
  assert.ok(warnings[0]!.length < 600, `warning is ${warnings[0]!.length} characters`);
  assert.match(warnings[0]!, /… \(\d+ characters\)/);
});
