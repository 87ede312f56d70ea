/** Pure pieces of servers/: the history ring, the deadline queue, poll bodies, publish parsing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeadlineQueue } from '../servers/deadline-queue.js';
import { makePayload } from '../servers/payloads.js';
import { MessageHistory } from '../servers/history.js';
import { JsonArrayBodies } from '../servers/json-array-body.js';
import { parsePublishRequest } from '../servers/publish-request.js';
import { resolveServerOptions, SERVER_DEFAULTS } from '../servers/server-options.js';

function historyWith(capacity: number, count: number): MessageHistory {
  const history = new MessageHistory(capacity);
  for (let seq = 1; seq <= count; seq++) history.append({ seq, text: `{"seq":${seq}}` });
  return history;
}

test('history keeps the last N messages and reports the exact gap before them', () => {
  const history = historyWith(3, 7);
  assert.equal(history.head, 7);
  assert.deepEqual(history.after(0), { gap: { from: 1, to: 4 }, messages: [5, 6, 7].map((seq) => ({ seq, text: `{"seq":${seq}}` })) });
  assert.deepEqual(history.after(4).gap, undefined);
  assert.deepEqual(history.after(5).messages.map((m) => m.seq), [6, 7]);
  assert.deepEqual(history.after(7), { gap: undefined, messages: [] });
  assert.deepEqual(history.after(100), { gap: undefined, messages: [] });
  assert.throws(() => history.append({ seq: 9, text: '' }), /seq 9 appended after 7/);
  assert.deepEqual(new MessageHistory(4).after(0), { gap: undefined, messages: [] });
});

test('poll bodies are the texts joined verbatim, gap first, cached per cursor until the head moves', () => {
  const history = historyWith(2, 3);
  const bodies = new JsonArrayBodies(history);
  assert.equal(bodies.after(0).toString(), '[{"gap":{"from":1,"to":1}},{"seq":2},{"seq":3}]');
  assert.equal(bodies.after(2).toString(), '[{"seq":3}]');
  assert.equal(bodies.after(2), bodies.after(2), 'same Buffer for the same cursor');
  assert.equal(bodies.after(3).toString(), '[]');
  const before = bodies.after(2);
  history.append({ seq: 4, text: '{"seq":4}' });
  assert.notEqual(bodies.after(2), before);
  assert.equal(bodies.after(2).toString(), '[{"seq":3},{"seq":4}]');
});

test('the deadline queue expires entries in order with one timer, and forgets deleted ones', async () => {
  const expired: string[] = [];
  const queue = new DeadlineQueue<string, number>(30, (key) => expired.push(key));
  queue.add('a', 1);
  await new Promise((resolve) => setTimeout(resolve, 10));
  queue.add('b', 2);
  queue.add('c', 3);
  queue.delete('b');
  assert.deepEqual([...queue.values()], [['a', 1], ['c', 3]]);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(expired, ['a', 'c']);
  assert.equal(queue.size, 0);
  queue.add('d', 4);
  queue.clear();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(expired, ['a', 'c']);
});

test('payloads are exactly size bytes of JSON-safe ASCII', () => {
  for (const size of [0, 1, 64, 1000]) {
    const payload = makePayload(size);
    assert.equal(payload.length, size);
    assert.equal(JSON.stringify(payload).length, size + 2);
    assert.equal(Buffer.byteLength(payload), size);
  }
});

test('publish requests: data string, optional non-negative sent; anything else has a reason', () => {
  assert.deepEqual(parsePublishRequest('{"data":"x","sent":5}'), { data: 'x', sent: 5 });
  assert.deepEqual(parsePublishRequest('{"data":""}'), { data: '' });
  for (const bad of ['', 'nope', 'null', '[1]', '{"data":1}', '{"sent":1}', '{"data":"x","sent":null}', '{"data":"x","sent":-2}']) {
    assert.ok('reason' in parsePublishRequest(bad), bad);
  }
});

test('server options default as documented', () => {
  const resolved = resolveServerOptions();
  assert.deepEqual(resolved.transports, ['poll', 'longpoll', 'sse', 'ws']);
  assert.equal(resolved.host, '127.0.0.1');
  assert.equal(resolved.rate, SERVER_DEFAULTS.rate);
  assert.equal(resolved.holdMs, 30_000);
  assert.equal(resolved.maxBufferedBytes, 1024 * 1024);
  assert.equal(resolved.publishLimitBytes, 64 * 1024);
  assert.deepEqual([...resolveServerOptions({ allowedOrigins: ['https://A.example:443/'] }).allowedOrigins], ['https://a.example']);
});
