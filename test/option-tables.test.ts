/**
 * One table of options per command (scripts/option-table.ts): commander's options are the table's
 * rows, the README's option tables are rendered from it (`npm run docs:options`), and `--server-arg`
 * passthrough parses `serve` flags through the same table into the server's typed document.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { MICRO_OPTIONS } from '../scripts/bench-micro-options.js';
import { CAPTURE_CHECK_OPTIONS } from '../scripts/capture-check-options.js';
import { EFFICIENCY_OPTIONS } from '../scripts/generator-efficiency-options.js';
import { BENCH_OPTIONS, BUILT_IN_PRESETS } from '../scripts/bench-options.js';
import { benchFlagDefaults } from '../scripts/bench.js';
import { COMMANDS, CONFIG_OPTION } from '../scripts/commands.js';
import { attributeName, optionDefaults, parseArgsOptions } from '../scripts/option-table.js';
import { UsageError } from '../scripts/exit-codes.js';
import { README_OPTION_TABLES, renderReadmeOptionTables } from '../scripts/readme-options.js';
import { serverDocumentFromArgs } from '../scripts/serve-options.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

test('README option tables are the ones the command tables render (run `npm run docs:options` after changing an option)', () => {
  const readme = readFileSync(README, 'utf8');
  const rendered = renderReadmeOptionTables(readme);
  if (rendered !== readme) {
    const a = readme.split('\n');
    const b = rendered.split('\n');
    const line = a.findIndex((text, i) => text !== b[i]);
    assert.fail(`README.md line ${line + 1} differs from the option table:\n  README: ${a[line]}\n  table:  ${b[line]}\nrun npm run docs:options`);
  }
});

test("each command's options are exactly its table's rows (plus --config where a config file applies)", async () => {
  for (const [name, table] of Object.entries(README_OPTION_TABLES)) {
    if (COMMANDS[name] === undefined) continue; // bench-micro: a standalone script
    const program = new Command('wirebench');
    await COMMANDS[name]!.register(program);
    const command = program.commands.find((c) => c.name() === name)!;
    const registered = [...command.options.map((o) => o.flags), ...(COMMANDS[name]!.configurable ? [CONFIG_OPTION.flags] : [])].sort();
    const rows = Object.values(table).map((row) => row.flags).sort();
    assert.deepEqual(registered, rows, `wirebench ${name}`);
  }
});

test('--server-arg values are serve flags parsed into the typed server document (only what they name)', () => {
  assert.deepEqual(serverDocumentFromArgs(['--pad-headers', '200']), { padHeaderBytes: 200 });
  assert.deepEqual(serverDocumentFromArgs(['--pad-headers=12', '--delay', '50ms', '--origin', 'https://a.example', '--origin', 'https://b.example:8443']), {
    padHeaderBytes: 12,
    deliveryDelayMs: 50,
    allowedOrigins: ['https://a.example', 'https://b.example:8443'],
  });
  assert.deepEqual(serverDocumentFromArgs([]), {});
  const cases: [string[], RegExp][] = [
    [['--pad-headers', 'lots'], /^--pad-headers "lots" is not valid: use an integer >= 0$/],
    [['--max-buffered-bytes', '10'], /^--max-buffered-bytes "10" is not valid: use an integer from 1024/],
    [['--frobnicate'], /^--server-arg "--frobnicate" is not valid: unknown option '--frobnicate' \(use flags of wirebench serve\)$/],
  ];
  for (const [args, expected] of cases) {
    assert.throws(() => serverDocumentFromArgs(args), (error: unknown) => error instanceof UsageError && expected.test(error.message), args.join(' '));
  }
});

test("bench, ci, compare, report, merge: tables keyed by commander's names (the keys of wirebench.config.json and presets), defaults commander's", async () => {
  for (const name of ['bench', 'ci', 'compare', 'report', 'merge']) {
    const table = README_OPTION_TABLES[name]!;
    const program = new Command('wirebench');
    await COMMANDS[name]!.register(program);
    const command = program.commands.find((c) => c.name() === name)!;
    for (const [key, row] of Object.entries(table)) assert.equal(attributeName(row), key, `${name} ${row.flags}`);
    const { config: _config, ...own } = table;
    assert.deepEqual(optionDefaults(own), command.opts(), name);
  }
  assert.deepEqual(benchFlagDefaults(), optionDefaults(BENCH_OPTIONS));
  for (const [name, preset] of Object.entries(BUILT_IN_PRESETS)) {
    for (const key of Object.keys(preset)) assert.ok(key in BENCH_OPTIONS, `preset ${name}: ${key}`);
  }
});

test('bench:micro parses node:util parseArgs options built from its table (same names, types and defaults as before)', () => {
  assert.deepEqual(parseArgsOptions(MICRO_OPTIONS), {
    out: { type: 'string', default: 'results/micro.json' },
    size: { type: 'string', default: '64' },
    time: { type: 'string', default: '500ms' },
    warmup: { type: 'string', default: '100ms' },
    batch: { type: 'string', default: '100' },
  });
  assert.deepEqual(parseArgsOptions({ fault: BENCH_OPTIONS.fault, quiet: BENCH_OPTIONS.quiet, capture: BENCH_OPTIONS.capture }), {
    fault: { type: 'string', multiple: true, default: [] },
    quiet: { type: 'boolean' },
    capture: { type: 'boolean', default: false },
  });
});

test('bench:capture and bench:efficiency parse node:util parseArgs options built from their tables (same names, types and defaults as before)', () => {
  assert.deepEqual(parseArgsOptions(CAPTURE_CHECK_OPTIONS), {
    clients: { type: 'string', default: '20' },
    duration: { type: 'string', default: '3s' },
    headers: { type: 'string', default: 'minimal' },
    transports: { type: 'string', default: 'all' },
    protocol: { type: 'string', default: 'http1' },
    compression: { type: 'string', default: 'off' },
    payload: { type: 'string', default: 'repeat' },
    tolerance: { type: 'string', default: '0.5' },
  });
  assert.deepEqual(parseArgsOptions(EFFICIENCY_OPTIONS), {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10s' },
    warmup: { type: 'string', default: '2s' },
  });
  // The bench's own options keep the bench's parsers.
  assert.equal(CAPTURE_CHECK_OPTIONS.clients.parse, BENCH_OPTIONS.clients.parse);
  assert.equal(CAPTURE_CHECK_OPTIONS.protocol.parse, BENCH_OPTIONS.protocol.parse);
});

test('bench:capture and bench:efficiency: a bad option is one line naming it, exit 2, before anything runs', () => {
  const script = (name: string) => fileURLToPath(new URL(`../scripts/${name}.js`, import.meta.url));
  const cases: [string, string[], RegExp][] = [
    ['capture-check', ['--protocol', 'h3'], /^capture-check: --protocol "h3" is not valid: use one of http1, http1-tls, h2, h2c/],
    ['capture-check', ['--tolerance', 'some'], /^capture-check: --tolerance "some" is not valid/],
    ['capture-check', ['--clients', 'ten'], /^capture-check: --clients value "ten" is not valid/],
    ['capture-check', ['--frobnicate'], /^capture-check: .*--frobnicate/],
    ['generator-efficiency', ['--duration', '1s'], /^generator-efficiency: --duration "1s" is too short: .* use at least 2s$/],
    ['generator-efficiency', ['--connections', '0'], /^generator-efficiency: --connections "0" is not valid/],
  ];
  for (const [name, args, expected] of cases) {
    const run = spawnSync(process.execPath, [script(name), ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 2, `${name} ${args.join(' ')}: ${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${name} ${args.join(' ')}: one line, got ${run.stderr}`);
    assert.match(lines[0]!, expected, `${name} ${args.join(' ')}`);
    assert.equal(run.stdout, '', `${name} ${args.join(' ')}: nothing ran`);
  }
});

test('bench:micro, bench:capture and bench:efficiency -- --help: their options from their tables, exit 0, nothing run', () => {
  const script = (name: string) => fileURLToPath(new URL(`../scripts/${name}.js`, import.meta.url));
  const cases: [string, string, Record<string, { flags: string }>][] = [
    ['bench-micro', 'npm run bench:micro --', MICRO_OPTIONS],
    ['capture-check', 'npm run bench:capture --', CAPTURE_CHECK_OPTIONS],
    ['generator-efficiency', 'npm run bench:efficiency --', EFFICIENCY_OPTIONS],
  ];
  for (const [name, usage, table] of cases) {
    for (const help of ['--help', '-h']) {
      const run = spawnSync(process.execPath, [script(name), help], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 0, `${name} ${help}: ${run.stderr}`);
      assert.equal(run.stderr, '', `${name} ${help}: nothing ran`);
      assert.ok(run.stdout.startsWith(`Usage: ${usage} [options]\n`), run.stdout);
      for (const row of Object.values(table)) assert.ok(run.stdout.includes(row.flags), `${name} ${help}: ${row.flags}`);
    }
  }
});
