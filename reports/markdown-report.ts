/**
 * The Markdown summary: the headline and the tables, for CI job summaries and pull-request
 * comments. Strings from the results are escaped so a cell cannot break the table or smuggle
 * HTML into the page that renders it.
 */
import type { ResultsDocument } from '../load/results/results-schema.js';
import { runStatusNote } from './format.js';
import { deriveFigures } from './figures.js';
import { faultTable } from './fault-report.js';
import { shardTable } from './shard-report.js';
import { writeHeadline } from './headline.js';
import { allTables, type Table } from './tables.js';
import { bytesScope } from './figure-cells.js';
import { escapeMarkdown } from './markdown-text.js';
import { protocolTable } from './protocol-view.js';

function renderTable(table: Table): string {
  const keyValue = table.head.every((h) => h === '');
  const head = keyValue ? ['', ''] : table.head;
  const align = table.numeric.map((numeric) => (numeric ? '---:' : '---'));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const rows = table.rows.map((row) => line(row.cells.map((cell, i) => (keyValue && i === 0 ? `**${escapeMarkdown(cell)}**` : escapeMarkdown(cell)))));
  const parts = [`### ${escapeMarkdown(table.title)}`, '', line(head.map(escapeMarkdown)), `| ${align.join(' | ')} |`, ...rows];
  if (table.note) parts.push('', `_${escapeMarkdown(table.note)}_`);
  return parts.join('\n');
}

export function renderMarkdown(doc: ResultsDocument): string {
  const figures = deriveFigures(doc);
  const headline = writeHeadline(figures);
  const note = runStatusNote(doc.status);
  const status = note === '' ? '' : `\n> **Note:** ${escapeMarkdown(note)}\n`;
  const faultSummary = faultTable(doc);
  const shards = shardTable(doc);
  const protocols = protocolTable(figures);
  const tables = [...(protocols ? [protocols] : []), ...allTables(figures), ...(faultSummary ? [faultSummary] : []), ...(shards ? [shards] : [])];
  return `## wirebench report\n${status}\n**${escapeMarkdown(headline.text)}**\n\n_${escapeMarkdown(bytesScope(doc))}_\n\n${tables.map(renderTable).join('\n\n')}\n`;
}
