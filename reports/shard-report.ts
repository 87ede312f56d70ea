/**
 * A merged run's drill-down (`wirebench merge` of `bench --shard` files): each shard's own figures
 * for every step, beside the merged ones the other tables show — which shard lost messages,
 * saturated, opened its window late, or sat behind a large clock-offset uncertainty.
 */
import type { ResultsDocument, ShardStep } from '../load/results/results-schema.js';
import { formatCount, formatLatencyUs, formatNumber, transportLabel } from './format.js';
import type { Table, TableRow } from './tables.js';
import { entryName } from '../load/results/run-variants.js';

/** How late the shard's workers took the window's edges (the close only in files that record it). */
function windowLate(schedule: NonNullable<ShardStep['schedule']>): string {
  const closed = schedule.windowClosedLateMs === undefined ? '—' : formatNumber(schedule.windowClosedLateMs);
  return `${formatNumber(schedule.windowOpenedLateMs)} / ${closed} ms`;
}

export function shardTable(doc: ResultsDocument): Table | undefined {
  const rows: TableRow[] = [];
  for (const result of doc.results) {
    for (const step of result.steps) {
      for (const shard of step.shards ?? []) {
        const m = shard.measurement;
        const clock = m?.clock;
        rows.push({
          kind: shard.status === 'failed' ? 'failed' : m?.generator.saturated ? 'saturated' : 'normal',
          cells: [
            entryName(doc.config, result, transportLabel(result.transport)),
            formatCount(step.clients),
            String(shard.shard),
            shard.status === 'failed' ? `failed: ${shard.reason ?? ''}` : 'ok',
            m ? formatCount(m.clientsConnected) : '—',
            m ? formatCount(m.window.messages.delivered) : '—',
            m ? formatCount(m.window.messages.lost) : '—',
            m && m.window.latency.count > 0 ? formatLatencyUs(m.window.latency.p50Us) : '—',
            m && m.window.latency.count > 0 ? formatLatencyUs(m.window.latency.p99Us) : '—',
            m ? `${formatLatencyUs(m.generator.eventLoopDelayP99Us)}${m.generator.saturated ? ' (saturated)' : ''}` : '—',
            clock ? `${formatNumber(clock.offsetUs / 1000)} ms ± ${formatLatencyUs(clock.uncertaintyUs)}` : '—',
            shard.schedule ? windowLate(shard.schedule) : '—',
          ],
        });
      }
    }
  }
  if (rows.length === 0) return undefined;
  return {
    id: 'shards',
    title: `Shards: each one's own figures (${doc.shards?.length ?? '?'} shards merged)`,
    head: ['transport', 'clients (run)', 'shard', 'status', 'connected', 'delivered', 'lost', 'latency p50', 'latency p99', 'worker loop delay p99', 'clock offset (server − shard)', 'window opened / closed late'],
    numeric: [false, true, true, false, true, true, true, true, true, true, true, true],
    rows,
    note: 'The merged rows above are the exact merge of these: counters summed, latency histograms merged; a step is ok only if every shard\'s is, and generator-saturated if any shard was. Server figures come from shard 1 alone (it reads /stats once per step). Latency of each shard is corrected by its own clock offset, estimated from the lowest-round-trip probe of /healthz (± half that round trip).',
  };
}
