/**
 * Delivery over all four transports: in order, none lost or duplicated, byte-identical texts,
 * resumes, the gap signal, upstream publishes and the feed's tick schedule.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { monotonicUs } from '../servers/contract.js';
import {
  assertConsecutive,
  pollUntil,
  seqOf,
  splitJsonArray,
  SseClient,
  startServer,
  waitUntil,
  WsClient,
} from './helpers/server-harness.js';

const N = 20;

test('messages 1..N arrive in order over every transport, byte-identical across them', async (t) => {
  const server = await startServer(t, { rate: 100 });
  const sse = await SseClient.connect(`${server.url}/sse?since=0`);
  const ws = await WsClient.connect(`${server.url}/ws?since=0`);
  t.after(() => (sse.close(), ws.close()));
  const [poll, longpoll] = await Promise.all([pollUntil(server.url, '/poll', 0, N), pollUntil(server.url, '/longpoll', 0, N)]);
  await sse.waitForMessages(N);
  await ws.waitForMessages(N);

  const byTransport = {
    poll: poll.slice(0, N),
    longpoll: longpoll.slice(0, N),
    sse: sse.dataOfMessages().slice(0, N),
    ws: ws.feedMessages().slice(0, N),
  };
  for (const [name, texts] of Object.entries(byTransport)) {
    assertConsecutive(texts.map(seqOf), 1, N);
    assert.deepEqual(texts, byTransport.poll, `${name} texts differ from poll's`);
  }
  // SSE ids are the seqs (they are what Last-Event-ID resumes from).
  assert.deepEqual(
    sse.events.slice(0, N).map((e) => e.id),
    Array.from({ length: N }, (_, i) => String(i + 1)),
  );
  const first = JSON.parse(byTransport.poll[0] ?? '') as { seq: number; ts: number; data: string };
  assert.equal(first.data.length, 64);
  assert.deepEqual(Object.keys(first), ['seq', 'ts', 'data']);
});

test('feed ticks carry their scheduled time: ts steps by exactly 1/rate', async (t) => {
  const before = monotonicUs();
  const server = await startServer(t, { rate: 50, sizeBytes: 10 });
  const texts = await pollUntil(server.url, '/longpoll', 0, 5);
  const ts = texts.map((text) => (JSON.parse(text) as { ts: number }).ts);
  for (let i = 1; i < ts.length; i++) assert.ok(Math.abs((ts[i] ?? 0) - (ts[i - 1] ?? 0) - 20_000) <= 1, `ts steps ${JSON.stringify(ts)}`);
  assert.ok((ts[0] ?? 0) > before && (ts[0] ?? 0) <= monotonicUs());
  assert.equal((JSON.parse(texts[0] ?? '') as { data: string }).data.length, 10);
});

test('the SSE wire framing is exactly id/data lines, gap events carry no id', async (t) => {
  const server = await startServer(t, { historyLength: 2 });
  for (let i = 0; i < 4; i++) server.publish(`m${i}`);
  const socket = net.connect(server.port, '127.0.0.1');
  t.after(() => socket.destroy());
  let raw = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (raw += chunk));
  socket.write(`GET /sse?since=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
  await waitUntil(() => raw.includes('"seq":4'), 'the SSE backlog');
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(head, /\r\ncontent-type: text\/event-stream\r\n/i);
  assert.doesNotMatch(head, /content-encoding/i);
  // Chunked framing around the events; strip it to see the event stream itself.
  const events = body.replace(/(^|\r\n)[0-9a-f]+\r\n/g, '');
  assert.ok(events.startsWith('event: gap\ndata: {"from":1,"to":2}\n\nid: 3\ndata: {"seq":3,"ts":'), events);
  assert.match(events, /\nid: 4\ndata: \{"seq":4,"ts":\d+,"data":"m3"\}\n\n/);
});

test('resume by cursor and by Last-Event-ID delivers exactly the missed messages', async (t) => {
  const server = await startServer(t);
  for (let i = 0; i < 10; i++) server.publish(`m${i}`);

  const poll = splitJsonArray(await (await fetch(`${server.url}/poll?since=6`)).text());
  assertConsecutive(poll.map(seqOf), 7, 10);
  const longpoll = splitJsonArray(await (await fetch(`${server.url}/longpoll?since=6`)).text());
  assert.deepEqual(longpoll, poll);

  // Last-Event-ID is the newer cursor and wins over ?since (what a reconnecting EventSource sends).
  const sse = await SseClient.connect(`${server.url}/sse?since=1`, { 'last-event-id': '6' });
  const ws = await WsClient.connect(`${server.url}/ws?since=6`);
  t.after(() => (sse.close(), ws.close()));
  await sse.waitForMessages(4);
  await ws.waitForMessages(4);
  server.publish('m10');
  await sse.waitForMessages(5);
  await ws.waitForMessages(5);
  assertConsecutive(sse.dataOfMessages().map(seqOf), 7, 11);
  assertConsecutive(ws.feedMessages().map(seqOf), 7, 11);
  assert.deepEqual(sse.dataOfMessages().slice(0, 4), poll);

  // No cursor = from now: only what is published after connecting.
  const fromNow = await WsClient.connect(`${server.url}/ws`);
  t.after(() => fromNow.close());
  server.publish('m11');
  await fromNow.waitForMessages(1);
  assert.deepEqual(fromNow.messages.map(seqOf), [12]);
  assert.equal(await (await fetch(`${server.url}/poll`)).text(), '[]');
});

test('a cursor older than the history gets the gap signal on every transport, then what is left', async (t) => {
  const server = await startServer(t, { historyLength: 5 });
  for (let i = 0; i < 20; i++) server.publish(`m${i}`);
  const expectedGap = { from: 3, to: 15 };

  for (const path of ['/poll', '/longpoll']) {
    const items = splitJsonArray(await (await fetch(`${server.url}${path}?since=2`)).text());
    assert.equal(items[0], JSON.stringify({ gap: expectedGap }), path);
    assertConsecutive(items.slice(1).map(seqOf), 16, 20);
  }
  const sse = await SseClient.connect(`${server.url}/sse?since=2`);
  const ws = await WsClient.connect(`${server.url}/ws?since=2`);
  t.after(() => (sse.close(), ws.close()));
  await sse.waitForMessages(5);
  await ws.waitForMessages(5);
  assert.deepEqual(sse.events[0], { event: 'gap', data: JSON.stringify(expectedGap), id: undefined });
  assertConsecutive(sse.dataOfMessages().map(seqOf), 16, 20);
  assert.equal(ws.messages[0], JSON.stringify({ gap: expectedGap }));
  assertConsecutive(ws.feedMessages().map(seqOf), 16, 20);
  // Exactly at the edge of the history: no gap.
  const edge = splitJsonArray(await (await fetch(`${server.url}/poll?since=15`)).text());
  assertConsecutive(edge.map(seqOf), 16, 20);
});

test('upstream publishes (HTTP and WebSocket) reach every transport with sent preserved', async (t) => {
  const server = await startServer(t);
  const sse = await SseClient.connect(`${server.url}/sse?since=0`);
  const ws = await WsClient.connect(`${server.url}/ws?since=0`);
  const publisher = await WsClient.connect(`${server.url}/ws?since=0`);
  t.after(() => (sse.close(), ws.close(), publisher.close()));
  const held = fetch(`${server.url}/longpoll?since=0`).then((r) => r.text());

  const response = await fetch(`${server.url}/publish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: 'hello', sent: 123 }) });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { seq: 1 });
  publisher.socket.send(JSON.stringify({ data: 'from-ws', sent: 456 }));

  await sse.waitForMessages(2);
  await ws.waitForMessages(2);
  const poll = await pollUntil(server.url, '/poll', 0, 2);
  const longpoll = splitJsonArray(await held);
  for (const texts of [sse.dataOfMessages(), ws.feedMessages(), poll]) {
    const [a, b] = texts.map((text) => JSON.parse(text) as { seq: number; ts: number; sent: number; data: string });
    assert.equal(a?.sent, 123);
    assert.equal(a?.data, 'hello');
    assert.equal(b?.sent, 456);
    assert.equal(b?.data, 'from-ws');
    assert.deepEqual(Object.keys(a ?? {}), ['seq', 'ts', 'sent', 'data']);
  }
  assert.deepEqual(longpoll, poll.slice(0, 1));
  assert.deepEqual(sse.dataOfMessages(), poll);
  assert.deepEqual(ws.feedMessages(), poll);
  const stats = server.stats();
  assert.deepEqual(stats.published, { feed: 0, upstream: 2 });
  assert.equal(stats.fanout.count, 2);
});
