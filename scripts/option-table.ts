/**
 * One table of options per command: each row is the flag, its help line, its default and its
 * parser. Commander's options are built from it (`addOptionTable`), the values a command acts on
 * are parsed through it (`parseOptionTable`), and the README's option table of the command is
 * rendered from it (`renderOptionTable`; `npm run docs:options` rewrites README.md,
 * test/option-tables.test.ts fails when README and CLI differ).
 */
import { parseArgs } from 'node:util';
import { Command, Option } from 'commander';

export interface OptionRow<T = unknown> {
  /** Commander's flags, e.g. `--rate <msg/s>`, `--cors-credentials`, `--no-report`. */
  flags: string;
  /** The `--help` line. */
  help: string;
  /** What the README says, when it says more than the help line (default: `help`). */
  doc?: string;
  /** The default as typed on the command line (a list: repeatable). None: the option is off / unset. */
  default?: string | boolean | readonly string[];
  /** The README's default column, when the default is not a literal (e.g. depends on the machine). */
  defaultDoc?: string;
  /** Raw value (after a preset, a config file) → what the command uses; throws UsageError naming `flag`. */
  parse?: (raw: string, flag: string) => T;
  /** Takes the flag once per value (`--origin a --origin b`). */
  repeatable?: boolean;
  /** Not in `--help` nor the README (regression-test knobs). */
  hidden?: boolean;
}

export type OptionTable = Readonly<Record<string, OptionRow>>;

/** `--rate <msg/s>` → `--rate`. */
export function flagName(row: OptionRow): string {
  return row.flags.split(/[ ,]/)[0]!;
}

/** The key commander stores the value under (and config files name): `--cors-max-age` → `corsMaxAge`. */
export function attributeName(row: OptionRow): string {
  return new Option(row.flags).attributeName();
}

export function commanderOption(row: OptionRow): Option {
  const option = new Option(row.flags, row.help);
  if (row.repeatable) option.default(row.default ?? []).argParser((value: string, previous: string[]) => [...previous, value]);
  else if (row.default !== undefined) option.default(row.default);
  if (row.hidden) option.hideHelp();
  return option;
}

export function addOptionTable(command: Command, table: OptionTable): Command {
  for (const row of Object.values(table)) command.addOption(commanderOption(row));
  return command;
}

type Parsed<T extends OptionTable> = {
  [K in keyof T]: T[K] extends { parse: (raw: string, flag: string) => infer V } ? (T[K] extends { repeatable: true } ? V[] : V) : never;
};

/**
 * Every row that has a parser, parsed from `raw` (commander's values, by attribute name; a
 * repeatable row's values one by one); a row whose value is unset is left out.
 */
export function parseOptionTable<T extends OptionTable>(table: T, raw: Record<string, unknown>): Partial<Parsed<T>> {
  const parsed: Partial<Record<keyof T, unknown>> = {};
  for (const [key, row] of Object.entries(table) as [keyof T & string, OptionRow][]) {
    const value = raw[attributeName(row)];
    if (value === undefined || row.parse === undefined) continue;
    const parse = row.parse;
    parsed[key] = Array.isArray(value) ? value.map((item) => parse(String(item), flagName(row))) : parse(String(value), flagName(row));
  }
  return parsed as Partial<Parsed<T>>;
}

type Parser<R> = R extends { parse: (raw: string, flag: string) => infer V } ? V : never;

/** One raw value through its row's parser (errors name the row's flag). */
export function parseRow<R extends OptionRow>(row: R, raw: string): Parser<R> {
  if (row.parse === undefined) throw new Error(`${flagName(row)} has no parser`);
  return row.parse(raw, flagName(row)) as Parser<R>;
}

/** What commander holds for a row: a list (repeatable), a string (`--flag <value>`) or a boolean (a switch). */
type RawValue<R> = R extends { repeatable: true } ? string[] : R extends { flags: `${string}<${string}` } ? string : boolean;
/** A row commander always gives a value: repeatable, with a default, or a `--no-` switch (default on). */
type AlwaysSet<R> = R extends { repeatable: true } ? true : R extends { default: string | boolean } ? true : R extends { flags: `--no-${string}` } ? true : false;

/**
 * Commander's values of a command whose table is keyed by attribute name (bench, ci, compare,
 * report, merge): what always has a value is required, the rest optional.
 */
export type RawFlags<T extends OptionTable> = { [K in keyof T as AlwaysSet<T[K]> extends true ? K : never]: RawValue<T[K]> } & {
  [K in keyof T as AlwaysSet<T[K]> extends true ? never : K]?: RawValue<T[K]>;
};

/** The values commander gives when nothing is set (for programs that build a command's input without it). */
export function optionDefaults<T extends OptionTable>(table: T): RawFlags<T> {
  const values: Record<string, unknown> = {};
  for (const row of Object.values(table)) {
    const key = attributeName(row);
    if (row.repeatable) values[key] = [...((row.default as readonly string[] | undefined) ?? [])];
    else if (row.default !== undefined) values[key] = row.default;
    else if (flagName(row).startsWith('--no-')) values[key] = true;
  }
  return values as RawFlags<T>;
}

/**
 * node:util `parseArgs` options of a table, for standalone scripts that do without commander:
 * by long name (`--batch` → `batch`), strings or switches, repeatable rows `multiple`.
 */
export function parseArgsOptions(table: OptionTable): Record<string, { type: 'string' | 'boolean'; multiple?: boolean; default?: string | boolean | string[] }> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; default?: string | boolean | string[] }> = {};
  for (const row of Object.values(table)) {
    const long = row.flags.split(/[ ,]+/).find((part) => part.startsWith('--'))!.slice(2);
    const type = row.flags.includes('<') ? 'string' : 'boolean';
    // As commander: a repeatable row's default is an empty list.
    const fallback = row.repeatable ? [...((row.default as readonly string[] | undefined) ?? [])] : row.default;
    options[long] = { type, ...(row.repeatable ? { multiple: true } : {}), ...(fallback === undefined ? {} : { default: fallback as string | boolean | string[] }) };
  }
  return options;
}

/**
 * A standalone script's flags, by node:util parseArgs from its table (strict: an unknown flag
 * throws, exit 2) — or undefined once `--help` (`-h`) printed the table's options the way the
 * CLI's commands print theirs (`npm run bench:micro -- --help` was "Unknown option '--help'").
 */
export function parseScriptArgs<T extends OptionTable>(table: T, usage: { name: string; description: string }, args = process.argv.slice(2)): RawFlags<T> | undefined {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(addOptionTable(new Command(usage.name).description(usage.description), table).helpInformation());
    return undefined;
  }
  return parseArgs({ args, options: parseArgsOptions(table), strict: true }).values as RawFlags<T>;
}

/** A duration default in the unit a user would type: 30000 → `30s`, 1500 → `1500ms`. */
export function durationDefault(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** The README's table of a command: `| option | default | meaning |`. */
export function renderOptionTable(table: OptionTable): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const rows = Object.values(table)
    .filter((row) => !row.hidden)
    .map((row) => `| \`${row.flags}\` | ${cell(defaultCell(row))} | ${cell(row.doc ?? row.help)} |`);
  return ['| option | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

function defaultCell(row: OptionRow): string {
  if (row.defaultDoc !== undefined) return row.defaultDoc;
  if (row.repeatable) return '—';
  // A switch is off unless given.
  if (row.default === undefined) return row.flags.includes('<') ? '—' : 'off';
  if (typeof row.default === 'boolean') return row.default ? 'on' : 'off';
  return `\`${String(row.default)}\``;
}
