/**
 * The HTML report in a real browser: Debian's chromium driven by playwright-core, the page opened
 * from disk. Bounded: one browser for the file, every wait with a timeout, closed in `after`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ResultsDocument } from '../load/results/results-schema.js';
import { renderHtml } from '../reports/html-report.js';
import { buildResults, HOSTILE } from './fixtures/results-builder.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let browser: Browser | undefined;
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirebench-report-'));
  if (existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
});

after(async () => {
  await browser?.close();
});

interface Opened {
  page: Page;
  url: string;
  requests: string[];
  problems: string[];
  dialogs: string[];
}

/** Writes the report for `doc`, opens it from disk and records what the page asks for and complains about. */
async function open(doc: ResultsDocument, name: string): Promise<Opened> {
  assert.ok(browser, `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  const file = join(dir, `${name}.html`);
  await writeFile(file, renderHtml(doc));
  const url = pathToFileURL(file).href;
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.setDefaultTimeout(15_000);
  const opened: Opened = { page, url, requests: [], problems: [], dialogs: [] };
  page.on('request', (request) => opened.requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') opened.problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => opened.problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    opened.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(url, { waitUntil: 'load' });
  return opened;
}

/**
 * Per canvas: its id, size, and how many pixels carry colour (data, not grey axes and text). Reads
 * a copy made for reading, so the chart's own canvas is not read back (Chrome warns about that).
 */
async function canvasInk(page: Page): Promise<{ id: string; width: number; colored: number }[]> {
  return page.evaluate(`[...document.querySelectorAll('canvas')].map((canvas) => {
    const copy = document.createElement('canvas');
    copy.width = canvas.width;
    copy.height = canvas.height;
    const ctx = copy.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(canvas, 0, 0);
    const { data } = ctx.getImageData(0, 0, copy.width, copy.height);
    let colored = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
      if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60) colored++;
    }
    return { id: canvas.id, width: canvas.width, colored };
  })`);
}

test('report in headless Chromium: offline, no errors, every chart painted, headline shown', { timeout: 60_000 }, async (t) => {
  const { page, url, requests, problems } = await open(buildResults({ workload: 'chat' }), 'report');
  try {
    const headline = await page.locator('#headline').innerText();
    assert.match(headline, /^At 1,000 clients, with browser request headers \(measured\), short polling moved [\d.]+× the bytes of WebSocket per delivered message/);

    const canvases = await canvasInk(page);
    assert.deepEqual(
      canvases.map((c) => c.id),
      ['chart-throughput', 'chart-bytes', 'chart-latency', 'chart-cpu', 'chart-rss', 'chart-correctness', 'chart-upstream'],
    );
    for (const canvas of canvases) {
      assert.ok(canvas.width > 100, `${canvas.id} has no size`);
      assert.ok(canvas.colored > 300, `${canvas.id} looks blank (${canvas.colored} coloured pixels)`);
    }

    // The toggles work offline and keep the charts painted.
    const before = (await canvasInk(page))[0]?.colored ?? 0;
    // The websocket.org figure opens on a log axis, so the WebSocket and paper bars show.
    assert.equal(await page.locator('#chart-throughput-scale').getAttribute('aria-pressed'), 'true');
    // Log axes tick at every 1, 2, 5 × 10^k in range (latency: where the push medians sit).
    const latencyTicks = (await page.evaluate(`Chart.getChart('chart-latency').scales.y.ticks.map((t) => t.value)`)) as number[];
    for (const ms of [1, 2, 5, 10, 20, 50]) assert.ok(latencyTicks.includes(ms), `no ${ms} ms tick on the latency axis: ${latencyTicks.join(', ')}`);
    await page.click('#chart-throughput-scale');
    await page.click('#chart-throughput-overhead');
    assert.equal(await page.locator('#chart-throughput-scale').getAttribute('aria-pressed'), 'false');
    assert.match(await page.locator('#chart-throughput-overhead').innerText(), /overhead only/);
    const afterToggle = (await canvasInk(page))[0]?.colored ?? 0;
    assert.ok(afterToggle > 300 && afterToggle !== before, 'the throughput chart did not redraw');
    await page.click('#chart-throughput-overhead');

    // The layer switch: payload / + HTTP & WebSocket framing / + TCP/IP (the fixture carries a capture).
    const bars = () => page.evaluate(`Chart.getChart('chart-throughput').data.datasets[0].data.slice()`) as Promise<(number | null)[]>;
    assert.equal(await page.locator('#chart-throughput-layer-socket').getAttribute('aria-pressed'), 'true');
    const socket = await bars();
    await page.click('#chart-throughput-layer-ip');
    assert.equal(await page.locator('#chart-throughput-layer-ip').getAttribute('aria-pressed'), 'true');
    assert.equal(await page.locator('#chart-throughput-layer-socket').getAttribute('aria-pressed'), 'false');
    const ip = await bars();
    await page.click('#chart-throughput-layer-payload');
    const payload = await bars();
    for (const i of [0, 1, 2]) {
      assert.ok((payload[i] ?? 0) < (socket[i] ?? 0) && (socket[i] ?? 0) < (ip[i] ?? 0), `layers at ${i}: ${payload[i]} < ${socket[i]} < ${ip[i]}`);
    }

    assert.match(await page.locator('#table-steps').innerText(), /short polling/);
    assert.match(await page.locator('#scope').innerText(), /no TCP\/IP headers and no ACK segments/);
    assert.match(await page.locator('#table-config').innerText(), /websocket\.org/);

    const screenshot = join(dir, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    t.diagnostic(`screenshot: ${screenshot}`);
    console.log(`report screenshot: ${screenshot}`);

    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [url], 'the page requested something besides itself');
  } finally {
    await page.close();
  }
});

test('report with hostile strings: rendered as text, nothing injected, nothing run', { timeout: 60_000 }, async () => {
  const { page, url, requests, problems, dialogs } = await open(buildResults({ hostile: true }), 'hostile');
  try {
    const body = await page.locator('body').innerText();
    for (const literal of [HOSTILE.cpuModel, HOSTILE.preset, HOSTILE.errorKind, '<script>alert(4)</script> & "quoted"', HOSTILE.headerSource]) {
      assert.ok(body.includes(literal), `missing literal text: ${literal}`);
    }
    // Exactly the report's own three scripts (data, Chart.js, drawing); no injected elements.
    assert.equal(await page.locator('script').count(), 3);
    assert.equal(await page.locator('img, svg, iframe, object, embed').count(), 0);
    const canvases = await canvasInk(page);
    assert.ok(canvases.every((c) => c.colored > 300), 'a chart is blank with hostile strings');
    assert.deepEqual(dialogs, []);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [url]);
  } finally {
    await page.close();
  }
});

test('a run of several protocols: the websocket.org figure per protocol side by side on one axis, bytes by protocol, the headline says what changed', { timeout: 60_000 }, async (t) => {
  const { page, url, requests, problems } = await open(buildResults({ protocols: ['http1', 'http1-tls', 'h2'] }), 'protocols');
  try {
    assert.match(
      await page.locator('#headline').innerText(),
      /^At 1,000 clients, over HTTP\/2 \+ TLS short polling moved [\d.]+× the bytes of WebSocket per delivered message \(.+\), against [\d.]+× over HTTP\/1\.1 \(.+\) and [\d.]+× over HTTP\/1\.1 \+ TLS \(.+\)\./,
    );
    const canvases = await canvasInk(page);
    assert.deepEqual(
      canvases.map((c) => c.id),
      ['chart-throughput-1', 'chart-throughput-2', 'chart-throughput-3', 'chart-protocols', 'chart-bytes', 'chart-latency', 'chart-cpu', 'chart-rss', 'chart-correctness'],
    );
    for (const canvas of canvases) assert.ok(canvas.width > 100 && canvas.colored > 300, `${canvas.id} looks blank (${canvas.colored} coloured pixels)`);
    // Side by side: the first two share a row, and all three one y axis, so bars compare across them.
    const box = async (id: string) => (await page.locator(`#${id}`).boundingBox())!;
    const [one, two] = [await box('chart-throughput-1'), await box('chart-throughput-2')];
    assert.ok(Math.abs(one.y - two.y) < 2 && two.x > one.x + one.width, 'the protocols are not side by side');
    const axes = (await page.evaluate(`[1, 2, 3].map((n) => { const y = Chart.getChart('chart-throughput-' + n).scales.y; return [y.min, y.max]; })`)) as number[][];
    assert.deepEqual(axes[1], axes[0]);
    assert.deepEqual(axes[2], axes[0]);
    assert.match(await page.locator('#chart-throughput-3').getAttribute('aria-label') ?? '', /over HTTP\/2 \+ TLS/);
    // WebSocket under h2 is the HTTP/1.1 + TLS run, and the page says so.
    const bars = (await page.evaluate(`Chart.getChart('chart-protocols').data.datasets.map((d) => d.data.slice())`)) as (number | null)[][];
    assert.equal(bars.length, 3);
    assert.equal(bars[2]?.[3], bars[1]?.[3], 'WebSocket: the same bar under HTTP/1.1 + TLS and HTTP/2 + TLS');
    assert.ok((bars[2]?.[0] ?? 0) < (bars[0]?.[0] ?? 0), 'short polling costs less under HTTP/2 in the fixture');
    const protocols = await page.locator('#table-protocols').innerText();
    assert.match(protocols, /\(= HTTP\/1\.1 \+ TLS\)/);
    assert.match(protocols, /RFC 8441 is not in ws/);
    assert.match(await page.locator('#table-steps').innerText(), /HTTP\/2 \+ TLS/);
    const screenshot = join(dir, 'protocols.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    t.diagnostic(`screenshot: ${screenshot}`);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [url]);
  } finally {
    await page.close();
  }
});
