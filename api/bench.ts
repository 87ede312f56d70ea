/**
 * `bench()` for programs: the same run as `wirebench bench`, configured with typed values
 * instead of flag strings, reporting progress as typed {@link RunEvent}s so a caller can draw
 * its own progress. Defaults are the CLI's (scripts/bench.ts), so both start from one table.
 */
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { Command } from 'commander';
import { describeEnvironment } from '../load/run/environment.js';
import { DEFAULT_COOKIE_BYTES, resolveHeaderProfile, type HeaderProfileName } from '../load/clients/header-profiles.js';
import { defaultResultsDir } from '../load/results/results-file.js';
import { RunConfigSchema, type ResultsDocument, type RunConfig } from '../load/results/results-schema.js';
import { runBench, type RunEvent } from '../load/run/runner.js';
import { benchFlagDefaults, buildConfig } from '../scripts/bench.js';
import { parseDurationMs } from '../scripts/options.js';
import { shardedConfigProblem } from '../scripts/shard-options.js';
import { WIREBENCH_VERSION } from '../scripts/version.js';

/** Every field is optional; a missing one takes the CLI's default (`wirebench bench --help`). */
export interface BenchOptions extends Partial<Omit<RunConfig, 'headers' | 'preset'>> {
  /** Request header profile; default the CLI's (`browser`, scripts/bench-options.ts). */
  headers?: HeaderProfileName;
  /** Cookie size of the `browser` profile, bytes; default 600. */
  cookieBytes?: number;
  /** Results file, rewritten after every step; default `results/<timestamp>/results.json`. */
  outFile?: string;
  /** Abort: the current step is abandoned, finished steps are kept (status `interrupted`). */
  signal?: AbortSignal;
  /** Progress: a transport's server is up, a step's phase changed, a step finished, the file was written. */
  onEvent?: (event: RunEvent) => void;
  /** A worker whose event-loop delay p99 exceeds this marks the step generator-saturated; default 50. */
  maxLoopDelayMs?: number;
}

/** A bad option: `message` names the field, the value and what is accepted. */
export class BenchOptionsError extends Error {
  override name = 'BenchOptionsError';
}

/** The full, validated run configuration `bench(options)` would use. */
export function resolveRunConfig(options: BenchOptions = {}): RunConfig {
  const defaults = buildConfig(benchFlagDefaults(), new Command());
  const { headers, cookieBytes, outFile: _outFile, signal: _signal, onEvent: _onEvent, maxLoopDelayMs: _delay, ...fields } = options;
  if (headers !== undefined && headers !== 'minimal' && headers !== 'browser') {
    throw new BenchOptionsError(`headers ${JSON.stringify(headers)} is not valid: use minimal or browser`);
  }
  const config: RunConfig = {
    ...defaults,
    ...fields,
    headers: resolveHeaderProfile(headers ?? defaults.headers.name, cookieBytes ?? DEFAULT_COOKIE_BYTES),
    target: fields.target ? targetOrigin(fields.target) : null,
  };
  if (config.workload === 'feed') Object.assign(config, { publishers: 0, publishRate: 0 });
  if (!Value.Check(RunConfigSchema, config)) {
    const first = Value.Errors(RunConfigSchema, config).First();
    const field = first?.path.replace(/^\//, '').replace(/\//g, '.') || 'options';
    throw new BenchOptionsError(`${field} ${JSON.stringify(first?.value)} is not valid: ${first?.message ?? 'see the RunConfig type'}`);
  }
  const unshardable = shardedConfigProblem(config);
  if (unshardable !== null) throw new BenchOptionsError(unshardable);
  return config;
}

function targetOrigin(target: string): string {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new BenchOptionsError(`target ${JSON.stringify(target)} is not a URL: use e.g. http://127.0.0.1:8080`);
  }
  if (url.protocol !== 'http:') throw new BenchOptionsError(`target ${JSON.stringify(target)} is not valid: only http:// URLs are supported`);
  return url.origin;
}

/**
 * Runs a bench (embedded servers, or `target`) and resolves with the results document, which is
 * also written to `outFile` after every step. Rejects with {@link BenchOptionsError} before
 * anything starts on a bad option, with `RunError` when a server will not start.
 */
export async function bench(options: BenchOptions = {}): Promise<ResultsDocument> {
  const config = resolveRunConfig(options);
  return runBench({
    config,
    environment: describeEnvironment(WIREBENCH_VERSION),
    outFile: options.outFile ?? path.join(defaultResultsDir('results', new Date()), 'results.json'),
    signal: options.signal ?? new AbortController().signal,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    loopDelayThresholdUs: (options.maxLoopDelayMs ?? parseDurationMs('maxLoopDelay', benchFlagDefaults().maxLoopDelay)) * 1000,
  });
}
