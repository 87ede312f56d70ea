/**
 * The HTML report: one self-contained file (Chart.js inlined, no request to any network) that
 * opens offline from disk and prints.
 *
 * Safety: results files come from anywhere (CI artifacts, pull requests), so every string from
 * them is HTML-escaped, the chart data travels as JSON in a non-executed
 * `<script type="application/json">` with `<` written as \u003c, and a Content-Security-Policy
 * allows exactly the inline scripts and style below by their sha256 hashes — an injected
 * `<script>` that slipped past escaping still would not run.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runCompression, runPayload, type ResultsDocument } from '../load/results/results-schema.js';
import { chartSpecs, type ChartSpec } from './chart-specs.js';
import { faultChart, faultTable } from './fault-report.js';
import { shardTable } from './shard-report.js';
import { deriveFigures, type ReportFigures } from './figures.js';
import { runStatusNote, transportLabel } from './format.js';
import { writeHeadline } from './headline.js';
import { drawCharts } from './html-client.js';
import { REPORT_CSS } from './html-style.js';
import { bytesScope } from './figure-cells.js';
import { allTables, type Table } from './tables.js';
import { protocolChart, protocolTable, variantThroughputCharts } from './protocol-view.js';
import { varyingAxes } from '../load/results/run-variants.js';

const DATA_ELEMENT_ID = 'report-data';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/**
 * JSON safe inside a `<script>` element: `<` (so no `</script>` or `<!--` can end or bend the
 * element), `>` and `&` become \u escapes, as do U+2028/2029; JSON.parse reads them back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

let chartJsSource: string | undefined;

/**
 * Chart.js's UMD build, read once. The package's exports map does not expose dist/ files, so
 * resolve the package entry and take its sibling. The source-map comment is dropped: a browser
 * with developer tools open would try to fetch the map.
 */
export function chartJsBundle(): string {
  if (chartJsSource === undefined) {
    const entry = createRequire(import.meta.url).resolve('chart.js');
    const text = readFileSync(join(dirname(entry), 'chart.umd.min.js'), 'utf8');
    chartJsSource = text.replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, '\n');
    if (/<\/script|<!--/i.test(chartJsSource)) {
      // Would end the inline element early; refuse rather than write a broken page.
      throw new Error('chart.umd.min.js contains "</script" or "<!--" and cannot be inlined');
    }
  }
  return chartJsSource;
}

function renderTable(table: Table): string {
  const keyValue = table.head.every((h) => h === '');
  const head = keyValue ? '' : `<thead><tr>${table.head.map((h, i) => `<th${table.numeric[i] ? ' class="num"' : ''} scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  const rows = table.rows
    .map((row) => {
      const cells = row.cells
        .map((cell, i) => {
          const tag = keyValue && i === 0 ? 'th' : 'td';
          const cls = table.numeric[i] ? ' class="num"' : '';
          return `<${tag}${cls}${tag === 'th' ? ' scope="row"' : ''}>${escapeHtml(cell)}</${tag}>`;
        })
        .join('');
      return `<tr class="row-${row.kind}">${cells}</tr>`;
    })
    .join('\n');
  const note = table.note ? `<p class="note">${escapeHtml(table.note)}</p>` : '';
  return `<section class="table-section" id="table-${escapeHtml(table.id)}">
<h2>${escapeHtml(table.title)}</h2>
<div class="table-wrap"><table class="${keyValue ? 'kv' : 'figures'}">${head}<tbody>
${rows}
</tbody></table></div>
${note}
</section>`;
}

function renderChart(spec: ChartSpec, number: number, wide: boolean): string {
  const buttons = [
    spec.scaleToggle
      ? `<button type="button" id="${spec.id}-scale" aria-pressed="${spec.y.log ? 'true' : 'false'}">y axis: ${spec.y.log ? 'log (switch to linear)' : 'linear (switch to log)'}</button>`
      : '',
    spec.layerSwitch
      ? `<span class="layer-switch" role="group" aria-label="bytes counted at">${spec.layerSwitch.layers
          .map((layer) => `<button type="button" id="${spec.id}-layer-${escapeHtml(layer.id)}" data-layer="${escapeHtml(layer.id)}" aria-pressed="${layer.id === spec.layerSwitch?.initial ? 'true' : 'false'}">${escapeHtml(layer.label)}</button>`)
          .join('')}</span>`
      : '',
    spec.overheadToggle ? `<button type="button" id="${spec.id}-overhead" aria-pressed="false">showing: all bytes (switch to overhead only)</button>` : '',
  ].join('');
  const notes = spec.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('');
  return `<section class="chart${wide ? ' wide' : ''}">
<h2><span class="num-badge">${number}</span> ${escapeHtml(spec.title)}</h2>
${buttons ? `<div class="controls">${buttons}</div>` : ''}
<div class="chart-box${wide ? ' tall' : ''}"><canvas id="${spec.id}" role="img" aria-label="${escapeHtml(spec.title)}"></canvas></div>
${notes ? `<ul class="notes">${notes}</ul>` : ''}
</section>`;
}

function subtitle(figures: ReportFigures): string {
  const { doc } = figures;
  const transports = [...new Set(doc.results.map((r) => transportLabel(r.transport)))].join(', ');
  const variants = figures.variants ? ` · ${figures.variants.map((v) => v.label).join(' / ')}` : '';
  return `${transports}${variants} · ${doc.config.headers.name} headers · ${doc.config.workload} workload · ${runPayload(doc.config)} payload${figures.variants && varyingAxes(doc.config).includes('compression') ? '' : ` · compression ${runCompression(doc.config)}`} · started ${doc.startedAt}`;
}

function statusBanner(doc: ResultsDocument): string {
  const why = runStatusNote(doc.status);
  return why === '' ? '' : `<p class="banner">${escapeHtml(why)}</p>`;
}

export function renderHtml(doc: ResultsDocument): string {
  const figures = deriveFigures(doc);
  const headline = writeHeadline(figures);
  // The fault figure (bench --fault) comes after the others, drawn from the results directly.
  const faultSpec = faultChart(doc);
  // A run of several variants opens with the protocol view: the websocket.org figure per variant, side by side, then bytes per message by protocol.
  const variantCharts = figures.variants ? variantThroughputCharts(figures) : [];
  const byProtocol = protocolChart(figures);
  const specs = [...variantCharts, ...(byProtocol ? [byProtocol] : []), ...chartSpecs(figures), ...(faultSpec ? [faultSpec] : [])];
  // Drawn half width, two to a row: CPU beside memory, the variants' figures side by side (the
  // protocol chart fills the row an odd number of them leaves).
  const halfWidth = new Set(['chart-cpu', 'chart-rss', ...variantCharts.map((spec) => spec.id), ...(variantCharts.length % 2 === 1 ? ['chart-protocols'] : [])]);
  const protocols = protocolTable(figures);
  const faultSummary = faultTable(doc);
  const shards = shardTable(doc);
  const clientScript = `(${drawCharts.toString()})(window, ${JSON.stringify(DATA_ELEMENT_ID)});`;
  const chartJs = chartJsBundle();
  const csp = [
    "default-src 'none'",
    `script-src ${sha256Source(chartJs)} ${sha256Source(clientScript)}`,
    `style-src ${sha256Source(REPORT_CSS)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const charts = specs.map((spec, index) => renderChart(spec, index + 1, !halfWidth.has(spec.id))).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>wirebench report — ${escapeHtml(doc.startedAt)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>wirebench: what each realtime transport costs, measured</h1>
<p class="subtitle">${escapeHtml(subtitle(figures))}</p>
</header>
<main>
${statusBanner(doc)}
<p class="headline" id="headline">${escapeHtml(headline.text)}</p>
<p class="scope" id="scope">${escapeHtml(bytesScope(doc))}</p>
<div class="charts">
${charts}
</div>
${[...(protocols ? [protocols] : []), ...allTables(figures), ...(faultSummary ? [faultSummary] : []), ...(shards ? [shards] : [])].map(renderTable).join('\n')}
</main>
<footer>Generated by wirebench ${escapeHtml(doc.environment.wirebenchVersion)} from a results document (schema ${escapeHtml(doc.schema)} v${doc.version}).</footer>
<script type="application/json" id="${DATA_ELEMENT_ID}">${jsonForScript(specs)}</script>
<script>${chartJs}</script>
<script>${clientScript}</script>
</body>
</html>
`;
}
