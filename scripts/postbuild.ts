/**
 * Runs after every `tsc` build (`npm run build`, and so `prepack`): what the compiler does not do.
 *
 * - Prunes compiled files whose source is gone: the build is incremental (it no longer wipes
 *   dist/), so a deleted test or module would otherwise linger in dist/ — and be run or packed.
 * - Writes the JSON Schemas (api/json-schemas.ts) to dist/schema/ for other tools.
 * - Sets the run bit on the bin (tsc writes 0644), so `npx wirebench` works in a clone.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonSchemas } from '../api/json-schemas.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = path.join(ROOT, 'dist');
const COMPILED = /\.(?:js|js\.map|d\.ts|d\.ts\.map)$/;

function prune(dir: string): number {
  let removed = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (full === path.join(DIST, 'schema')) continue;
      removed += prune(full);
      if (readdirSync(full).length === 0) rmSync(full, { recursive: true });
      continue;
    }
    if (!COMPILED.test(entry.name)) continue;
    const source = path.join(ROOT, path.relative(DIST, full)).replace(COMPILED, '.ts');
    if (!existsSync(source)) {
      rmSync(full);
      removed++;
    }
  }
  return removed;
}

const removed = prune(DIST);
if (removed > 0) process.stderr.write(`build: removed ${removed} compiled file(s) whose source is gone\n`);

mkdirSync(path.join(DIST, 'schema'), { recursive: true });
for (const [file, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(path.join(DIST, 'schema', file), `${JSON.stringify(schema, null, 2)}\n`);
}

chmodSync(path.join(DIST, 'scripts', 'cli.js'), 0o755);
