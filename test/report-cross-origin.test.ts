/**
 * A cross-origin run's report: the websocket.org table and chart say they show the cross-origin
 * variant, how it was set up, and what the preflights cost per transport; a same-origin run's say nothing of it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { throughputChart } from '../reports/chart-specs.js';
import { deriveFigures } from '../reports/figures.js';
import { configTable, throughputTable } from '../reports/tables.js';
import { buildResults } from './fixtures/results-builder.js';

test('the websocket.org figure of a cross-origin run is marked as the cross-origin variant, with the preflights per transport', () => {
  const doc = buildResults({ clients: [10, 1000] });
  doc.config.crossOrigin = {
    pageOrigin: 'https://app.example.com',
    credentials: false,
    serverMaxAgeSeconds: 7200,
    preflightCache: { browser: 'Chromium', maxAgeCapSeconds: 7200, defaultMaxAgeSeconds: 5, maxEntries: 1024 },
  };
  doc.config.authorizationBytes = 256;
  for (const result of doc.results) {
    for (const step of result.steps) {
      const window = step.measurement?.window;
      if (window === undefined) continue;
      const polling = result.transport === 'poll' || result.transport === 'longpoll';
      const requests = polling ? window.messages.delivered : 0;
      window.preflight = { requests, upBytes: requests * 500, downBytes: requests * 340, cacheHits: 0 };
    }
  }
  const figures = deriveFigures(doc);
  const table = throughputTable(figures);
  assert.match(table.title, /\(cross-origin variant\)$/);
  assert.match(table.note ?? '', /Cross-origin variant: the page on https:\/\/app\.example\.com .*Authorization header of 256 B.*Chromium.*7,200 s/);
  assert.match(table.note ?? '', /short polling 1 preflights \(840 B\) per message at 1,000 clients/);
  assert.match(table.note ?? '', /WebSocket 0 preflights \(0 B\) per message/);
  const chart = throughputChart(figures);
  assert.match(chart.title, /cross-origin variant/);
  assert.ok(chart.notes?.some((note) => /^Preflights, inside the bars: /.test(note)));
  assert.ok(configTable(figures).rows.some((row) => row.cells[0] === 'cross-origin' && /^Cross-origin variant/.test(row.cells[1] ?? '')));

  const sameOrigin = deriveFigures(buildResults({ clients: [10, 1000] }));
  assert.doesNotMatch(throughputTable(sameOrigin).title + (throughputTable(sameOrigin).note ?? ''), /cross-origin|[Pp]reflight/);
  assert.ok(configTable(sameOrigin).rows.some((row) => row.cells[0] === 'cross-origin' && row.cells[1] === 'no (same-origin)'));
});
