/**
 * `wirebench.config.json`: the options local runs and CI share — a profile per command (`bench`,
 * `ci`: any of its options, by their long name in camelCase), named client ladders, named
 * presets, and thresholds. Validated with TypeBox before anything runs; every error names the
 * file, the key and what is accepted. Flags override it: a value from the file is applied only
 * where the command line did not set the option (and a `--preset` on the command line beats it).
 *
 *   { "bench": { "transports": "sse,ws", "clients": "small", "duration": "5s" },
 *     "ci": { "serverCommand": "node server.js", "only": "deterministic" },
 *     "ladders": { "small": [10, 50], "big": [100, 1000, 10000] },
 *     "presets": { "mobile": { "rate": 1, "size": 512, "headers": "browser" } },
 *     "thresholds": ["ws.latency.p99<20ms", "lost==0"] }
 */
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Command, Option } from 'commander';
import { UsageError } from './exit-codes.js';

export const CONFIG_FILE_NAME = 'wirebench.config.json';

const OptionValueSchema = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Array(Type.Union([Type.String(), Type.Number()]))], {
  // Said in the error line instead of TypeBox's "Expected union value".
  description: 'use a string, a number, true / false, or a list of strings and numbers (what the flag takes)',
});
/** A command's options by camelCase name; which names exist is checked against the command itself. */
const ProfileSchema = Type.Record(Type.String(), OptionValueSchema);

export const ConfigFileSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    /** Defaults for `wirebench bench`. */
    bench: Type.Optional(ProfileSchema),
    /** Defaults for `wirebench ci` (its profile, baseline, serverCommand, …). */
    ci: Type.Optional(ProfileSchema),
    /** Named client ladders: `--clients <name>` (or `"clients": "<name>"`). */
    ladders: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z][\\w-]*$' }), Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1 }))),
    /** Named scenarios for `--preset <name>`, beside the built-in ones: bench options. */
    presets: Type.Optional(Type.Record(Type.String(), ProfileSchema)),
    /** Threshold rules checked by bench and ci, before any given with --threshold. */
    thresholds: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);
export type ConfigFile = Static<typeof ConfigFileSchema>;

/** Reads and validates a config file; UsageError naming the file, the key and the problem. */
export function readConfigFile(file: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (!Value.Check(ConfigFileSchema, value)) {
    const first = Value.Errors(ConfigFileSchema, value).First();
    const key = first?.path.replace(/^\//, '').replace(/\//g, '.') || '(top level)';
    const known = Object.keys(ConfigFileSchema.properties).filter((k) => k !== '$schema');
    const unknownTop = typeof value === 'object' && value !== null ? Object.keys(value).find((k) => k !== '$schema' && !known.includes(k)) : undefined;
    if (unknownTop !== undefined) throw new UsageError(`${file}: unknown key ${JSON.stringify(unknownTop)}: use ${known.join(', ')}`);
    const accepted = (first?.schema as { description?: string } | undefined)?.description ?? first?.message ?? 'see config.schema.json';
    throw new UsageError(`${file}: ${key} ${JSON.stringify(first?.value)} is not valid: ${accepted}`);
  }
  return value;
}

/** Where each option's config value came from, e.g. `--duration` → `wirebench.config.json bench.duration`. */
const configOrigins = new Map<string, string>();

/** A usage error about an option the config file set names the file and key instead of the flag. */
export function blameConfig(message: string): string {
  const flag = /^(--[a-z-]+)\b/.exec(message)?.[1];
  const origin = flag ? configOrigins.get(flag) : undefined;
  return origin ? `${origin}: ${message}` : message;
}

/** `--flag` and `--no-flag` options take true/false in the file. */
const takesBoolean = (option: Option) => option.isBoolean() || option.negate;

const camelToFlag = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Applies the config file (`--config <file>`, or ./wirebench.config.json if it exists) to the
 * command about to run: its profile, top-level thresholds, ladders, and presets (through
 * `addPresets`). Options set on the command line are left alone.
 */
export function applyConfigFile(command: Command, hooks: { addPresets?: (presets: Record<string, Record<string, string>>) => void } = {}): void {
  const explicit = command.getOptionValue('config') as string | undefined;
  const file = explicit ?? CONFIG_FILE_NAME;
  let config: ConfigFile;
  try {
    config = readConfigFile(file);
  } catch (error) {
    if (explicit === undefined && error instanceof UsageError && error.message.includes('(ENOENT)')) return;
    throw error;
  }
  const name = command.name();
  const profile = name === 'bench' || name === 'ci' ? config[name] : undefined;
  const options = new Map(command.options.map((o) => [o.attributeName(), o]));
  for (const [key, raw] of Object.entries(profile ?? {})) {
    const option = options.get(key);
    if (!option || key === 'config') {
      const accepted = [...options.keys()].filter((k) => k !== 'config' && k !== 'help').join(', ');
      throw new UsageError(`${file}: ${name}.${key} is not an option of wirebench ${name}: use one of ${accepted}`);
    }
    if (takesBoolean(option) !== (typeof raw === 'boolean')) {
      throw new UsageError(`${file}: ${name}.${key} ${JSON.stringify(raw)} is not valid: use ${takesBoolean(option) ? 'true or false' : `a value as for ${option.long ?? key}`}`);
    }
    if (command.getOptionValueSource(key) === 'cli') continue;
    // Repeatable options (an array default) take a list; the others a string, lists comma-joined.
    const value = typeof raw === 'boolean' ? raw : Array.isArray(option.defaultValue) ? [raw].flat().map(String) : Array.isArray(raw) ? raw.join(',') : String(raw);
    command.setOptionValueWithSource(key, value, 'config');
    configOrigins.set(camelToFlag(key), `${file} ${name}.${key}`);
  }
  if (config.thresholds && options.has('threshold')) {
    const fromCli = (command.getOptionValue('threshold') as string[] | undefined) ?? [];
    command.setOptionValueWithSource('threshold', [...config.thresholds, ...fromCli], command.getOptionValueSource('threshold') === 'cli' ? 'cli' : 'config');
    if (command.getOptionValueSource('threshold') !== 'cli') configOrigins.set('--threshold', `${file} thresholds`);
  }
  const clients = command.getOptionValue('clients') as string | undefined;
  const ladder = clients !== undefined ? config.ladders?.[clients] : undefined;
  if (ladder) command.setOptionValueWithSource('clients', ladder.join(','), command.getOptionValueSource('clients') ?? 'config');
  if (config.presets && hooks.addPresets) {
    const presets: Record<string, Record<string, string>> = {};
    for (const [preset, values] of Object.entries(config.presets)) {
      presets[preset] = {};
      for (const [key, v] of Object.entries(values)) {
        const option = options.get(key);
        if (!option || takesBoolean(option) || key === 'preset' || key === 'config') {
          throw new UsageError(`${file}: presets.${preset}.${key} is not a bench option a preset can set: use one of ${[...options.values()].filter((o) => !takesBoolean(o) && o.attributeName() !== 'preset' && o.attributeName() !== 'config').map((o) => o.attributeName()).join(', ')}`);
        }
        presets[preset][key] = Array.isArray(v) ? v.join(',') : String(v);
      }
    }
    hooks.addPresets(presets);
  }
}
