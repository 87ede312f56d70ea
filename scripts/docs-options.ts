/**
 * `npm run docs:options`: rewrites README.md's option tables from the commands' option tables
 * (scripts/readme-options.ts). Run it after changing an option; test/option-tables.test.ts
 * fails until the README matches.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderReadmeOptionTables } from './readme-options.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const before = await readFile(README, 'utf8');
const after = renderReadmeOptionTables(before);
if (after === before) process.stdout.write('README.md option tables are up to date\n');
else {
  await writeFile(README, after);
  process.stdout.write('README.md option tables rewritten\n');
}
