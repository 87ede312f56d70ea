/**
 * The report's stylesheet, one constant so the page's Content-Security-Policy can allow it by
 * its sha256 hash (no 'unsafe-inline'). The page therefore uses no style="" attributes.
 */
export const REPORT_CSS = `
:root { --ink: #1c2833; --muted: #566573; --line: #d5dbdb; --bg: #ffffff; --panel: #f8f9f9; --accent: #2471a3; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--bg); }
body { margin: 0; line-height: 1.45; }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.12rem; margin: 0 0 8px; }
.subtitle { color: var(--muted); margin: 0 0 16px; font-size: 0.92rem; }
.headline { font-size: 1.22rem; line-height: 1.5; background: var(--panel); border-left: 5px solid var(--accent); padding: 14px 18px; margin: 0 0 8px; }
.scope { font-size: 0.9rem; color: var(--muted); margin: 0 0 24px; }
.banner { background: #fdebd0; border: 1px solid #f0b27a; padding: 10px 14px; margin: 0 0 16px; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; }
.chart { grid-column: span 1; border: 1px solid var(--line); border-radius: 6px; padding: 14px 16px 10px; break-inside: avoid; page-break-inside: avoid; }
.chart.wide { grid-column: 1 / -1; }
.chart-box { position: relative; height: 340px; }
.chart-box.tall { height: 420px; }
.num-badge { display: inline-block; min-width: 1.6em; padding: 0 6px; margin-right: 4px; border-radius: 10px; background: var(--accent); color: #fff; text-align: center; font-size: 0.85rem; }
.controls { display: flex; gap: 8px; flex-wrap: wrap; margin: 0 0 8px; }
button { font: inherit; font-size: 0.85rem; padding: 4px 10px; border: 1px solid #aab7b8; border-radius: 4px; background: #fff; cursor: pointer; }
button:hover { background: #eaf2f8; }
button[aria-pressed="true"] { background: #d6eaf8; border-color: var(--accent); }
.layer-switch { display: inline-flex; }
.layer-switch button { border-radius: 0; margin-left: -1px; }
.layer-switch button:first-child { border-radius: 4px 0 0 4px; margin-left: 0; }
.layer-switch button:last-child { border-radius: 0 4px 4px 0; }
.notes { margin: 8px 0 0; padding-left: 18px; color: var(--muted); font-size: 0.85rem; }
.table-section { margin: 28px 0 0; break-inside: avoid; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.84rem; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 7px; text-align: left; vertical-align: top; }
table.figures td:first-child { white-space: nowrap; }
thead th { background: var(--panel); border-bottom: 2px solid #aab7b8; white-space: normal; vertical-align: bottom; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
table.kv { width: auto; min-width: 50%; }
table.kv th { font-weight: 600; color: var(--muted); white-space: nowrap; padding-right: 24px; }
tr.row-failed td { background: #fdedec; color: #922b21; }
tr.row-saturated td { background: #fef9e7; }
tr.row-reference td { color: var(--muted); font-style: italic; }
.note { color: var(--muted); font-size: 0.82rem; margin: 6px 0 0; }
footer { color: var(--muted); font-size: 0.8rem; padding: 28px 24px 32px; }
@media (max-width: 820px) { .charts { grid-template-columns: 1fr; } .chart { grid-column: 1 / -1; } }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  header, main, footer { max-width: none; padding: 0; }
  .controls { display: none; }
  .charts { display: block; }
  .chart { margin: 0 0 12px; border: none; padding: 0; }
  .chart-box, .chart-box.tall { height: 300px; }
  .headline { border-left-color: #000; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
}
`;
