import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateMicro } from '../load/results/micro-schema.js';
import { microCases } from '../load/micro/micro-tasks.js';
import { EXIT } from '../scripts/exit-codes.js';

const SCRIPTS = fileURLToPath(new URL('../scripts/', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-micro-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('micro cases: every task runs and does the work it names', () => {
  const cases = microCases(64, 10);
  const names = cases.map((c) => c.name);
  for (const expected of ['encode poll body (1 message)', 'encode ws frame (Sender.frame)', 'parse sse event (load/sse-parser)', 'parse sse event (eventsource-parser)', 'parse ws frame (Receiver)', 'meter onMessage + histogram record']) {
    assert.ok(names.includes(expected), expected);
  }
  assert.equal(new Set(names).size, names.length, 'names are unique: compare matches tasks by name');
  for (const c of cases) c.run();
});

test('bench-micro writes a wirebench/micro document that compare accepts (and gates)', () => {
  const a = path.join(dir, 'a.json');
  const run = spawnSync(process.execPath, [`${SCRIPTS}bench-micro.js`, '--time', '20ms', '--warmup', '0ms', '--out', a], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, EXIT.ok, run.stderr);
  const doc = validateMicro(JSON.parse(readFileSync(a, 'utf8')));
  assert.ok(doc.tasks.length >= 6);
  for (const t of doc.tasks) assert.ok(t.medianNs > 0 && t.samples > 0, t.name);

  const same = spawnSync(process.execPath, [`${SCRIPTS}cli.js`, 'compare', a, a], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(same.status, EXIT.ok, same.stderr);
  const slower = structuredClone(doc);
  const ours = slower.tasks.find((t) => !t.reference)!;
  ours.medianNs = ours.medianNs * 3 + 1000;
  const b = path.join(dir, 'b.json');
  writeFileSync(b, JSON.stringify(slower));
  const regressed = spawnSync(process.execPath, [`${SCRIPTS}cli.js`, 'compare', a, b], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(regressed.status, EXIT.regression, regressed.stdout);
  assert.match(regressed.stdout, new RegExp(`${ours.name.replace(/[()+.]/g, '\\$&')}\\s+median/msg.*REGRESSED`));
  const mixed = spawnSync(process.execPath, [`${SCRIPTS}cli.js`, 'compare', a, fileURLToPath(new URL('../../package.json', import.meta.url))], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(mixed.status, EXIT.usage);
});

