/**
 * The README's option tables, rendered from each command's option table: between
 * `<!-- options:<command> -->` and `<!-- /options:<command> -->` README.md holds exactly
 * `renderOptionTable` of that command. `npm run docs:options` rewrites them
 * (scripts/docs-options.ts); test/option-tables.test.ts fails when they differ.
 */
import { BENCH_OPTIONS } from './bench-options.js';
import { MICRO_OPTIONS } from './bench-micro-options.js';
import { CAPTURE_CHECK_OPTIONS } from './capture-check-options.js';
import { EFFICIENCY_OPTIONS } from './generator-efficiency-options.js';
import { CI_OPTIONS } from './ci.js';
import { CONFIG_OPTION } from './commands.js';
import { COMPARE_OPTIONS } from './compare.js';
import { MERGE_OPTIONS } from './merge.js';
import { REPORT_OPTIONS } from './report.js';
import { renderOptionTable, type OptionTable } from './option-table.js';
import { SERVE_OPTIONS } from './serve-options.js';

/** A configurable command's table ends with `--config` (scripts/cli.ts adds it). */
export const README_OPTION_TABLES: Readonly<Record<string, OptionTable>> = {
  serve: SERVE_OPTIONS,
  bench: { ...BENCH_OPTIONS, config: CONFIG_OPTION },
  report: REPORT_OPTIONS,
  merge: MERGE_OPTIONS,
  compare: COMPARE_OPTIONS,
  ci: { ...CI_OPTIONS, config: CONFIG_OPTION },
  // `npm run bench:micro`, `bench:capture` and `bench:efficiency`: standalone scripts (node:util parseArgs), not wirebench commands.
  'bench-micro': MICRO_OPTIONS,
  'capture-check': CAPTURE_CHECK_OPTIONS,
  'generator-efficiency': EFFICIENCY_OPTIONS,
};

/** `readme` with every marked table replaced by the rendered one; throws when a marker is missing. */
export function renderReadmeOptionTables(readme: string): string {
  let text = readme;
  for (const [command, table] of Object.entries(README_OPTION_TABLES)) {
    const open = `<!-- options:${command} -->`;
    const close = `<!-- /options:${command} -->`;
    const start = text.indexOf(open);
    const end = text.indexOf(close);
    if (start < 0 || end < start) throw new Error(`README.md has no ${open} … ${close} section for the options of wirebench ${command}`);
    text = `${text.slice(0, start + open.length)}\n${renderOptionTable(table)}\n${text.slice(end)}`;
  }
  return text;
}
