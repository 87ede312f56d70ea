/**
 * Merging results documents into one that report and compare read like any other, two ways:
 * - Parts of a run (documents without `config.shard`), made at several times or places, each
 *   holding some transports or some client steps of the same configuration: steps are taken
 *   whole — each step's figures were already merged exactly across its workers — so a step
 *   measured twice is refused rather than averaged.
 * - Shards of one run (`bench --shard I/N --start-at`, every shard the same steps in the same
 *   wall-clock windows, each with its share of the clients): every step is the exact merge of
 *   the shards' (load/meter/measurement-merge.ts: counters summed, HDR histograms merged), ok only if
 *   every shard's is, each shard's own step kept beside it for drill-down.
 * The merged document keeps the first document's environment.
 */
import { TRANSPORTS } from '../servers/contract.js';
import { validateResults, type ResultsDocument, type RunConfig, type RunStatus, type ShardStep, type StepResult, type TransportResult } from '../load/results/results-schema.js';
// Pure (no I/O): the one exact merge of measurements, which load/ applies to its workers too.
import { mergeMeasurements } from '../load/meter/measurement-merge.js';
import type { StepFailureKind } from '../load/results/step-failure-kinds.js';
import { MERGE_CONFIG } from './compare.js';
import { entryName, entryOf, plannedRuns, resultVariant, runVariants, variantKey } from '../load/results/run-variants.js';

/** Shards that cannot be one run: `message` names the difference. */
export class MergeRefusedError extends Error {
  override name = 'MergeRefusedError';
}

/** What may differ between shards: which transports and client steps each one ran. */
const SHARDED = new Set(['transports', 'clients (ladder)']);

const STATUS_RANK: Readonly<Record<RunStatus, number>> = { complete: 0, running: 1, interrupted: 2, failed: 3 };

/**
 * Merges documents (see above); `names` (e.g. file names) label them in refusals. Throws
 * {@link MergeRefusedError} with one line naming the difference.
 */
export function mergeResults(documents: readonly ResultsDocument[], names?: readonly string[]): ResultsDocument {
  const [first] = documents;
  if (!first) throw new MergeRefusedError('nothing to merge: give at least one results document');
  if (documents.some((d) => d.config.shard !== undefined)) return mergeShards(documents, names ?? documents.map((_, i) => `document ${i + 1}`));
  for (const [index, doc] of documents.entries()) {
    const differences = MERGE_CONFIG.filter(({ key, read }) => !SHARDED.has(key) && String(read(doc.config)) !== String(read(first.config)));
    if (differences.length > 0) {
      throw new MergeRefusedError(`document ${index + 1} has a different configuration (${differences.map((d) => d.key).join(', ')}): only shards of one configuration merge`);
    }
  }
  // Entries match by transport × variant (the documents' variants are the same: compared above).
  const results: TransportResult[] = [];
  const variantOf = (result: TransportResult) => variantKey(resultVariant(first.config, result));
  for (const doc of documents) {
    for (const result of doc.results) {
      let into = results.find((r) => r.transport === result.transport && variantOf(r) === variantOf(result));
      if (!into) results.push((into = { ...result, steps: [] }));
      for (const step of result.steps) {
        if (into.steps.some((s) => s.clients === step.clients)) {
          throw new MergeRefusedError(`${entryName(first.config, result)} at ${step.clients} clients is in more than one document: a step is merged whole, not averaged`);
        }
        into.steps.push(step);
      }
    }
  }
  for (const result of results) result.steps.sort((a, b) => a.clients - b.clients);
  // Variant by variant in run order, each's transports in the contract's order.
  const variantOrder = runVariants(first.config).map(variantKey);
  results.sort((a, b) => variantOrder.indexOf(variantOf(a)) - variantOrder.indexOf(variantOf(b)) || TRANSPORTS.indexOf(a.transport) - TRANSPORTS.indexOf(b.transport));
  const finished = documents.map((d) => d.finishedAt);
  const merged: ResultsDocument = {
    ...first,
    status: documents.map((d) => d.status).reduce((a, b) => (STATUS_RANK[b] > STATUS_RANK[a] ? b : a)),
    startedAt: documents.map((d) => d.startedAt).sort()[0]!,
    finishedAt: finished.includes(null) ? null : (finished as string[]).sort().at(-1)!,
    config: {
      ...first.config,
      transports: [...new Set(results.map((r) => r.transport))],
      clients: [...new Set(documents.flatMap((d) => d.config.clients))].sort((a, b) => a - b),
    },
    results,
  };
  return validateResults(merged);
}

/** What may differ between shards of one run: which shard it is, and its source addresses. */
const PER_SHARD = new Set<keyof RunConfig>(['shard', 'sourceAddresses']);
/** How a difference is named: target and schedule first, since they are the usual mistakes. */
const DIFFERENCE_NAMES: Partial<Record<keyof RunConfig, string>> = { target: 'target', startAt: 'schedule (--start-at)' };

const clip = (value: unknown): string => {
  const text = JSON.stringify(value) ?? 'absent';
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
};

function mergeShards(documents: readonly ResultsDocument[], names: readonly string[]): ResultsDocument {
  const first = documents[0]!;
  const count = first.config.shard?.count;
  const seen = new Map<number, string>();
  for (const [i, doc] of documents.entries()) {
    const shard = doc.config.shard;
    if (!shard) throw new MergeRefusedError(`${names[i]} is not a shard (no --shard): merge shards of one run, or whole runs, not both`);
    if (shard.count !== count) throw new MergeRefusedError(`${names[i]} is shard ${shard.index}/${shard.count}, not of ${count} shards like ${names[0]}`);
    const twin = seen.get(shard.index);
    if (twin !== undefined) throw new MergeRefusedError(`${names[i]} and ${twin} are both shard ${shard.index}/${count}`);
    seen.set(shard.index, names[i]!);
    const keys = [...new Set([...Object.keys(first.config), ...Object.keys(doc.config)])] as (keyof RunConfig)[];
    // Target and schedule first: the usual mistakes, named as such.
    keys.sort((a, b) => Number(DIFFERENCE_NAMES[b] !== undefined) - Number(DIFFERENCE_NAMES[a] !== undefined));
    for (const key of keys) {
      if (PER_SHARD.has(key)) continue;
      const [a, b] = [first.config[key], doc.config[key]];
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        throw new MergeRefusedError(`${names[i]} has a different ${DIFFERENCE_NAMES[key] ?? key} (${clip(b)}) than ${names[0]} (${clip(a)}): only shards of one run merge`);
      }
    }
  }
  const missing = Array.from({ length: count ?? 0 }, (_, i) => i + 1).filter((index) => !seen.has(index));
  if (missing.length > 0) throw new MergeRefusedError(`shard ${missing.join(', ')} of ${count} missing: give every shard's results file (a merge of some shards is not the run)`);
  const ordered = [...documents].sort((a, b) => a.config.shard!.index - b.config.shard!.index);
  // Entries match by transport × variant: every shard ran the same ones (the same configuration).
  const results: TransportResult[] = plannedRuns(first.config)
    .map(({ transport, variant }) => ({ transport, shards: ordered.map((d) => entryOf(d, transport, variant)) }))
    .flatMap(({ transport, shards }) => {
      const present = shards.find((r) => r !== undefined);
      if (!present) return [];
      const steps = first.config.clients
        .map((clients) => mergeShardSteps(clients, ordered.map((d, i) => ({ index: d.config.shard!.index, step: shards[i]?.steps.find((s) => s.clients === clients) }))))
        .filter((step): step is StepResult => step !== undefined);
      return [{ transport, ...(present.variant ? { variant: present.variant } : {}), server: present.server, steps }];
    });
  const finished = ordered.map((d) => d.finishedAt);
  const { shard: _shard, sourceAddresses: _addresses, ...config } = first.config;
  return validateResults({
    ...first,
    status: ordered.map((d) => d.status).reduce((a, b) => (STATUS_RANK[b] > STATUS_RANK[a] ? b : a)),
    startedAt: ordered.map((d) => d.startedAt).sort()[0]!,
    finishedAt: finished.includes(null) ? null : (finished as string[]).sort().at(-1)!,
    config,
    results,
    shards: ordered.map((d) => ({
      index: d.config.shard!.index,
      status: d.status,
      startedAt: d.startedAt,
      finishedAt: d.finishedAt,
      ...(d.config.sourceAddresses ? { sourceAddresses: d.config.sourceAddresses } : {}),
    })),
  });
}

/**
 * Why a merged step failed: the failed shards' kind when they all state the same one and every
 * shard has the step; `no-measurement` when every shard is ok but none measured; else `shards`.
 */
function mergedFailureKind(parts: ReadonlyArray<{ step: StepResult | undefined }>, present: ReadonlyArray<{ step: StepResult }>): StepFailureKind {
  if (present.length < parts.length) return 'shards';
  const failed = present.map((p) => p.step).filter((step) => step.status === 'failed');
  if (failed.length === 0) return 'no-measurement';
  const kinds = new Set(failed.map((step) => step.failureKind));
  const [only] = kinds;
  return kinds.size === 1 && only !== undefined ? only : 'shards';
}

/** One step of every shard → the merged step (undefined when no shard reached it). */
function mergeShardSteps(clients: number, parts: ReadonlyArray<{ index: number; step: StepResult | undefined }>): StepResult | undefined {
  const present = parts.filter((p): p is { index: number; step: StepResult } => p.step !== undefined);
  if (present.length === 0) return undefined;
  const shards: ShardStep[] = present.map(({ index, step }) => ({
    shard: index,
    status: step.status,
    ...(step.status === 'failed' ? { reason: step.reason, ...(step.failureKind ? { failureKind: step.failureKind } : {}) } : {}),
    ...(step.schedule ? { schedule: step.schedule } : {}),
    measurement: step.measurement,
  }));
  const problems = [
    ...parts.filter((p) => p.step === undefined).map((p) => `shard ${p.index}: no result for this step (its run ended before it)`),
    ...present.flatMap(({ index, step }) => (step.status === 'failed' ? [`shard ${index}: ${step.reason}`] : [])),
  ];
  const notes = present.flatMap(({ index, step }) => (step.notes ?? []).map((note) => `shard ${index}: ${note}`));
  const schedules = present.map((p) => p.step.schedule).filter((s) => s !== undefined);
  if (schedules.length > 1) notes.push(alignmentNote(schedules));
  const measurements = present.map((p) => p.step.measurement).filter((m) => m !== null);
  const measurement = measurements.length > 0 ? mergeMeasurements(measurements) : null;
  const base = {
    clients,
    startedAt: present.map((p) => p.step.startedAt).sort()[0]!,
    ...(schedules[0] ? { schedule: mergedSchedule(schedules) } : {}),
    shards,
    ...(notes.length > 0 ? { notes } : {}),
  };
  if (problems.length > 0 || measurement === null) {
    return { ...base, status: 'failed', failureKind: mergedFailureKind(parts, present), reason: problems.join('; ') || 'no shard measured this step', measurement };
  }
  return { ...base, status: 'ok', measurement };
}

type Schedule = NonNullable<StepResult['schedule']>;

/** The shards' planned window (the same on each), taken as late as the latest shard took each edge. */
function mergedSchedule(schedules: readonly Schedule[]): Schedule {
  const { windowClosedLateMs: _closed, ...first } = schedules[0]!;
  const closed = closedLateMs(schedules);
  return { ...first, windowOpenedLateMs: Math.max(...schedules.map((s) => s.windowOpenedLateMs)), ...(closed === undefined ? {} : { windowClosedLateMs: closed }) };
}

/** The latest end snapshot over the shards; undefined when a shard's file does not say (written before it was recorded). */
function closedLateMs(schedules: readonly Schedule[]): number | undefined {
  const closed = schedules.map((s) => s.windowClosedLateMs);
  return closed.every((ms) => ms !== undefined) ? Math.max(...(closed as number[])) : undefined;
}

/** How closely the shards' windows coincided: late edges here, and the starts on the server's clock. */
function alignmentNote(schedules: readonly Schedule[]): string {
  const late = Math.max(...schedules.map((s) => s.windowOpenedLateMs));
  const closed = closedLateMs(schedules);
  const onServer = schedules.map((s) => s.windowStartServerUs).filter((us): us is number => us !== null);
  const spread = onServer.length > 1 ? ` and starts within ${((Math.max(...onServer) - Math.min(...onServer)) / 1000).toFixed(2)} ms of each other on the server's clock (each ± its clock offset's uncertainty)` : '';
  const closedLate = closed === undefined ? '' : `, closed at most ${closed.toFixed(1)} ms late`;
  return `shard windows: planned start ${schedules[0]!.windowStartAt} on every shard; opened at most ${late.toFixed(1)} ms late${closedLate}${spread}`;
}
