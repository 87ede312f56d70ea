/**
 * Runs the microbenchmarks with tinybench and returns a `wirebench/micro` document. Every figure
 * is per message: tinybench times one call of a task (a batch of messages), we divide by the batch.
 */
import { Bench } from 'tinybench';
import type { Environment } from '../results/results-schema.js';
import { MICRO_SCHEMA_ID, MICRO_SCHEMA_VERSION, type MicroDocument, type MicroTask } from '../results/micro-schema.js';
import { microCases } from './micro-tasks.js';

export interface MicroOptions {
  size: number;
  batch: number;
  /** Time budget per task, ms. */
  timeMs: number;
  warmupMs: number;
  environment: Environment;
  /** Called after each task, e.g. to print progress. */
  onTask?: (task: MicroTask) => void;
}

export async function runMicro(options: MicroOptions): Promise<MicroDocument> {
  const startedAt = new Date().toISOString();
  const cases = microCases(options.size, options.batch);
  const tasks: MicroTask[] = [];
  for (const c of cases) {
    // One Bench per case: results come back in order and a slow task cannot starve the others' budget.
    const bench = new Bench({ time: options.timeMs, warmupTime: options.warmupMs, throws: true });
    bench.add(c.name, c.run);
    await bench.run();
    const result = bench.tasks[0]?.result;
    if (!result || (result.state !== 'completed' && result.state !== 'aborted-with-statistics')) {
      throw new Error(`microbenchmark "${c.name}" did not complete (${result?.state ?? 'no result'})`);
    }
    const perMessageNs = (ms: number) => (ms * 1e6) / options.batch;
    const task: MicroTask = {
      group: c.group,
      name: c.name,
      transport: c.transport,
      reference: c.reference,
      medianNs: perMessageNs(result.latency.p50),
      meanNs: perMessageNs(result.latency.mean),
      p99Ns: perMessageNs(result.latency.p99),
      rmePercent: result.latency.rme,
      samples: result.latency.samplesCount,
      opsPerSec: result.throughput.mean * options.batch,
    };
    tasks.push(task);
    options.onTask?.(task);
  }
  return {
    schema: MICRO_SCHEMA_ID,
    version: MICRO_SCHEMA_VERSION,
    startedAt,
    config: { size: options.size, batch: options.batch, timeMs: options.timeMs, warmupMs: options.warmupMs },
    environment: options.environment,
    tasks,
  };
}
