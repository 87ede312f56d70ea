/**
 * A real browser over TLS and HTTP/2: `wirebench serve --tls --http2` read by Debian's headless
 * chromium (playwright-core). The browser trusts exactly the certificate the server made at start
 * (its SPKI hash, --ignore-certificate-errors-spki-list) — no verification switched off. fetch and
 * EventSource negotiate h2 (Resource Timing's nextHopProtocol; DevTools' network events for the stream), and the WebSocket connects over
 * wss (HTTP/1.1: RFC 8441 is not in ws). Everything on loopback.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

/** Runs in the page (an https origin served by wirebench itself); every wait is bounded. */
const READ_FEED = `async () => {
  const bounded = (promise) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 5 s')), 5000))]);
  const protocolOf = (name) => performance.getEntriesByName(new URL(name, location.href).href).map((entry) => entry.nextHopProtocol).join(',');
  const out = { page: performance.getEntriesByType('navigation')[0].nextHopProtocol };
  out.poll = (await bounded((await fetch('/poll?since=0')).json())).length;
  out.pollProtocol = protocolOf('/poll?since=0');
  out.longpoll = (await bounded((await fetch('/longpoll?since=0')).json())).length;
  out.longpollProtocol = protocolOf('/longpoll?since=0');
  out.sse = await bounded(new Promise((resolve, reject) => {
    const source = new EventSource('/sse?since=0');
    source.onmessage = (event) => { source.close(); resolve(JSON.parse(event.data).seq); };
    source.onerror = () => { source.close(); reject(new Error('EventSource error')); };
  }));
  out.ws = await bounded(new Promise((resolve, reject) => {
    const socket = new WebSocket('wss://' + location.host + '/ws?since=0');
    socket.onmessage = (event) => { socket.close(); resolve(JSON.parse(event.data).seq); };
    socket.onclose = (event) => reject(new Error('WebSocket closed ' + event.code));
  }));
  return out;
}`;

test('headless Chromium reads serve --tls --http2: fetch and EventSource over h2, WebSocket over wss', { timeout: 90_000, skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing` }, async (t) => {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--tls', '--http2', '--rate', '20', '--hold', '3s', '--heartbeat', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  const listening = JSON.parse(line) as { url: string; certificate: string };
  assert.match(listening.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  // Chromium's exact trust: the base64 SHA-256 of the certificate's SubjectPublicKeyInfo.
  const spki = new X509Certificate(listening.certificate).publicKey.export({ type: 'spki', format: 'der' });
  const spkiHash = createHash('sha256').update(spki).digest('base64');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--ignore-certificate-errors-spki-list=${spkiHash}`],
    timeout: 30_000,
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  // Resource Timing has no entry for a stream the page closes itself: DevTools' network events
  // say what each response came over (EventSource included).
  const protocols = new Map<string, string>();
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Network.responseReceived', (event: { response: { url: string; protocol?: string } }) => {
    protocols.set(new URL(event.response.url).pathname, event.response.protocol ?? '');
  });
  await cdp.send('Network.enable');
  // Messages exist before the page reads from since=0, so every read is answered at once.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const response = await page.goto(`${listening.url}/healthz`);
  assert.equal(response?.status(), 200);
  const out = (await page.evaluate(`(${READ_FEED})()`)) as Record<string, string | number>;
  assert.equal(out.page, 'h2', `the page itself: ${JSON.stringify(out)}`);
  assert.ok(Number(out.poll) > 0, `fetch /poll read messages: ${JSON.stringify(out)}`);
  assert.equal(out.pollProtocol, 'h2');
  assert.ok(Number(out.longpoll) > 0, `fetch /longpoll read messages: ${JSON.stringify(out)}`);
  assert.equal(out.longpollProtocol, 'h2');
  assert.ok(Number(out.sse) >= 1, `EventSource read a message: ${JSON.stringify(out)}`);
  assert.equal(protocols.get('/sse'), 'h2', `EventSource over h2: ${JSON.stringify([...protocols])}`);
  assert.equal(protocols.get('/poll'), 'h2', `fetch over h2 (DevTools): ${JSON.stringify([...protocols])}`);
  assert.ok(Number(out.ws) >= 1, `WebSocket over wss read a message: ${JSON.stringify(out)}`);
});
