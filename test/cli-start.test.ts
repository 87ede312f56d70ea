import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { COMMANDS } from '../scripts/commands.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));

test('the --help listing describes each command as the command itself does', async () => {
  for (const [name, entry] of Object.entries(COMMANDS)) {
    const program = new Command('wirebench');
    await entry.register(program);
    const command = program.commands.find((c) => c.name() === name);
    assert.ok(command, `${name} registers a command of that name`);
    assert.equal(command.description(), entry.description, `${name}: the listing and the command agree`);
  }
  const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(help.status, 0, help.stderr);
  for (const name of Object.keys(COMMANDS)) assert.match(help.stdout, new RegExp(`^  ${name}\\b`, 'm'), `--help lists ${name}`);
});

test('a command\'s own --help shows its options (it is loaded), also as `help <command>`', () => {
  for (const args of [['bench', '--help'], ['help', 'bench']]) {
    const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /--transports <list>/, args.join(' '));
  }
  const unknown = spawnSync(process.execPath, [CLI, 'benhc'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command 'benhc'/);
});

/** Runs the CLI with a module hook that prints every compiled wirebench module it loads. */
function loadedModules(args: string[]): string[] {
  const hook = 'export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.includes("/dist/")) process.stderr.write("LOADED " + r.url + "\\n"); return r; }';
  const register = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  const run = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(run.status, 0, run.stderr);
  return [...run.stderr.matchAll(/^LOADED .*\/dist\/(.*)\.js$/gm)].map((m) => m[1]!);
}

test('--version and --help load no command module (fast start); a command loads only its own', () => {
  // servers/atomic-file is the one atomic writer (node:fs only) under safe-file, whose OutputPathError
  // the exit-code mapper needs: a leaf, not the server.
  const heavy = (m: string) => m.startsWith('reports/') || (m.startsWith('servers/') && m !== 'servers/atomic-file') || /^load\/(run\/(runner|worker)|results\/results-schema)/.test(m) || /^scripts\/(serve|bench|report|compare|ci)$/.test(m);
  for (const args of [['--version'], ['--help']]) {
    const loaded = loadedModules(args);
    assert.ok(loaded.includes('scripts/commands'));
    assert.deepEqual(loaded.filter(heavy), [], `${args.join(' ')} loads only the entry, the command table, exit codes and the version: ${loaded.join(', ')}`);
    assert.ok(loaded.length <= 6, loaded.join(', '));
  }
  const report = loadedModules(['report', '--help']);
  assert.ok(report.includes('scripts/report'));
  assert.ok(!report.some((m) => m.startsWith('load/run/runner') || m === 'scripts/bench' || m === 'scripts/serve'), `report --help loads: ${report.join(', ')}`);
});
