/**
 * Merging results documents: shards of one run made on several machines (or at several times),
 * each holding some transports or some client steps of the same configuration, become one
 * document that report and compare read like any other. Steps are taken whole — each step's
 * figures were already merged exactly across its workers — so a step measured twice is refused
 * rather than averaged. The merged document keeps the first document's environment.
 */
import { TRANSPORTS } from '../servers/contract.js';
import { validateResults, type ResultsDocument, type TransportResult } from '../load/results-schema.js';
import { COMPARABLE_CONFIG } from './compare.js';

/** Shards that cannot be one run: `message` names the difference. */
export class MergeRefusedError extends Error {
  override name = 'MergeRefusedError';
}

/** What may differ between shards: which transports and client steps each one ran. */
const SHARDED = new Set(['transports', 'clients (ladder)']);

const STATUS_RANK = { complete: 0, interrupted: 1, failed: 2 } as const;

export function mergeResults(documents: readonly ResultsDocument[]): ResultsDocument {
  const [first] = documents;
  if (!first) throw new MergeRefusedError('nothing to merge: give at least one results document');
  for (const [index, doc] of documents.entries()) {
    const differences = COMPARABLE_CONFIG.filter(({ key, read }) => !SHARDED.has(key) && String(read(doc.config)) !== String(read(first.config)));
    if (differences.length > 0) {
      throw new MergeRefusedError(`document ${index + 1} has a different configuration (${differences.map((d) => d.key).join(', ')}): only shards of one configuration merge`);
    }
  }
  const results: TransportResult[] = [];
  for (const doc of documents) {
    for (const result of doc.results) {
      let into = results.find((r) => r.transport === result.transport);
      if (!into) results.push((into = { ...result, steps: [] }));
      for (const step of result.steps) {
        if (into.steps.some((s) => s.clients === step.clients)) {
          throw new MergeRefusedError(`${result.transport} at ${step.clients} clients is in more than one document: a step is merged whole, not averaged`);
        }
        into.steps.push(step);
      }
    }
  }
  for (const result of results) result.steps.sort((a, b) => a.clients - b.clients);
  results.sort((a, b) => TRANSPORTS.indexOf(a.transport) - TRANSPORTS.indexOf(b.transport));
  const finished = documents.map((d) => d.finishedAt);
  const merged: ResultsDocument = {
    ...first,
    status: documents.map((d) => d.status).reduce((a, b) => (STATUS_RANK[b] > STATUS_RANK[a] ? b : a)),
    startedAt: documents.map((d) => d.startedAt).sort()[0]!,
    finishedAt: finished.includes(null) ? null : (finished as string[]).sort().at(-1)!,
    config: {
      ...first.config,
      transports: results.map((r) => r.transport),
      clients: [...new Set(documents.flatMap((d) => d.config.clients))].sort((a, b) => a - b),
    },
    results,
  };
  return validateResults(merged);
}
