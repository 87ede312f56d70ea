/**
 * Every `wirebench` command: its name, its one-line description (what `wirebench --help` lists
 * without loading it) and how to load and register it. Adding a command is one entry here plus
 * its own file. test/cli-start.test.ts checks each description is the one its module registers.
 */
import type { Command } from 'commander';
import type { OptionRow } from './option-table.js';

/** `--config <file>` of every configurable command (added by scripts/cli.ts; a row of their README tables). */
export const CONFIG_OPTION = {
  flags: '--config <file>',
  help: 'options from a config file; flags override it (default: ./wirebench.config.json if present)',
  doc: 'options from a config file (see `wirebench.config.json`); flags override it',
  defaultDoc: '`./wirebench.config.json` if present',
} as const satisfies OptionRow;

export interface CommandEntry {
  description: string;
  register(program: Command): Promise<void>;
  /** Reads wirebench.config.json (scripts/config-file.ts): its section of the same name, thresholds, ladders, presets. */
  configurable?: {
    addPresets?(presets: Record<string, Record<string, string>>): Promise<void>;
  };
}

export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  serve: {
    description: 'run a wirebench server: the feed over short polling, long-polling, SSE and WebSocket',
    register: async (program) => (await import('./serve.js')).registerServe(program),
  },
  bench: {
    description: 'Drive each transport with rising client counts and measure bytes, latency and server cost (loopback).',
    register: async (program) => (await import('./bench.js')).registerBench(program),
    configurable: { addPresets: async (presets) => (await import('./bench.js')).addPresets(presets) },
  },
  report: {
    description: 'render a results file as an HTML report (beside it, report.html) or Markdown (stdout)',
    register: async (program) => (await import('./report.js')).registerReport(program),
  },
  merge: {
    description: 'merge the results files of shards of one run (bench --shard I/N) into one: counters summed, histograms merged exactly',
    register: async (program) => (await import('./merge.js')).registerMerge(program),
  },
  compare: {
    description: 'Compare a run (or a microbenchmark run) against a baseline; exit 3 when a figure regressed.',
    register: async (program) => (await import('./compare.js')).registerCompare(program),
  },
  ci: {
    description: 'CI gate: bench a small fixed profile and compare it with a committed baseline; exit 3 on regression.',
    register: async (program) => (await import('./ci.js')).registerCi(program),
    configurable: {},
  },
};
