import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Measurement, RunConfig } from '../load/results/results-schema.js';
import {
  longPollEmptyAnswersPerMessage,
  modelBytesPerMessage,
  pollsPerMessage,
  residualPercent,
} from '../reports/bytes-model.js';
import { buildResults, fixtureConfig } from './fixtures/results-builder.js';

/** A measured step from the fixture, with the window's counters replaced by round numbers. */
function step(transport: RunConfig['transports'][number], changes: { delivered: number; payloadDown: number; payloadUp?: number; requests?: number; published?: number }): Measurement {
  const doc = buildResults({ clients: [10] });
  const found = doc.results.find((r) => r.transport === transport)?.steps[0];
  assert.ok(found?.measurement);
  const m = structuredClone(found.measurement);
  m.window.messages.delivered = changes.delivered;
  m.window.bytes.down.payloadBytes = changes.payloadDown;
  m.window.bytes.up.payloadBytes = changes.payloadUp ?? 0;
  m.window.requests = changes.requests ?? 0;
  m.window.published = changes.published ?? 0;
  return m;
}

const close = (actual: number | undefined, expected: number) => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);

test('bytes model: short polling at one message per poll (r·I = 1) pays a full request and response head per message', () => {
  // wire: request 712, response head 176, empty body 2, separator 1; L = 5800 / 100 = 58.
  const model = modelBytesPerMessage('poll', fixtureConfig(), step('poll', { delivered: 100, payloadDown: 5800 }));
  assert.ok(model);
  close(model.requestsPerMessage, 1);
  close(model.downBytes, 58 + 176 + 2);
  close(model.upBytes, 712);
  close(model.totalBytes, 948);
});

test('bytes model: short polling batches when r·I > 1 and polls empty when r·I < 1', () => {
  const fast = { ...fixtureConfig(), rate: 4 }; // 4 messages per 1 s poll
  const batched = modelBytesPerMessage('poll', fast, step('poll', { delivered: 100, payloadDown: 5800 }));
  // polls/msg 0.25: 58 + 0.25 × (176 + 2) + 1 × (1 − 0.25) separators.
  close(batched?.downBytes, 58 + 44.5 + 0.75);
  close(batched?.upBytes, 178);
  const slow = { ...fixtureConfig(), rate: 0.5, intervalMs: 500 }; // r·I = 0.25: 4 polls per message
  assert.equal(pollsPerMessage(slow), 4);
  const empty = modelBytesPerMessage('poll', slow, step('poll', { delivered: 100, payloadDown: 5800 }));
  close(empty?.downBytes, 58 + 4 * 178);
  close(empty?.upBytes, 4 * 712);
});

test('bytes model: long-polling pays one exchange per message, plus hold-expired empty answers', () => {
  const model = modelBytesPerMessage('longpoll', fixtureConfig(), step('longpoll', { delivered: 100, payloadDown: 5800 }));
  close(model?.downBytes, 58 + 176 + 2);
  close(model?.upBytes, 716);
  // One message every 10 s, a 3 s hold: expiries at 3, 6 and 9 s → 3 empty answers, 4 exchanges.
  const sparse = { ...fixtureConfig(), rate: 0.1, holdMs: 3000 };
  assert.equal(longPollEmptyAnswersPerMessage(sparse), 3);
  close(modelBytesPerMessage('longpoll', sparse, step('longpoll', { delivered: 100, payloadDown: 5800 }))?.upBytes, 4 * 716);
  // A hold exactly as long as the gap does not expire first.
  assert.equal(longPollEmptyAnswersPerMessage({ ...fixtureConfig(), rate: 1, holdMs: 1000 }), 0);
});

test('bytes model: streams pay framing per message and amortize only the connects the window saw', () => {
  const noHeartbeat = { ...fixtureConfig(), heartbeatMs: 0 };
  const steady = modelBytesPerMessage('sse', noHeartbeat, step('sse', { delivered: 100, payloadDown: 5800 }));
  close(steady?.downBytes, 58 + 22);
  close(steady?.upBytes, 0);
  // 10 reconnects over 100 messages: 10 × 688 up and 10 × 158 down.
  const reconnecting = modelBytesPerMessage('sse', noHeartbeat, step('sse', { delivered: 100, payloadDown: 5800, requests: 10 }));
  close(reconnecting?.up.handshake, 68.8);
  close(reconnecting?.down.handshake, 15.8);
  close(modelBytesPerMessage('ws', noHeartbeat, step('ws', { delivered: 100, payloadDown: 5800 }))?.downBytes, 60);
});

test('bytes model: heartbeats every B seconds cost 1/(r·B) heartbeats per message, and WebSocket pongs go up masked', () => {
  const config = { ...fixtureConfig(), rate: 2, heartbeatMs: 10_000 };
  const measurement = step('ws', { delivered: 100, payloadDown: 5800 });
  const heartbeatBytes = measurement.wire.heartbeatBytes;
  assert.ok(heartbeatBytes > 0, 'the fixture samples a ping');
  const model = modelBytesPerMessage('ws', config, measurement);
  close(model?.down.heartbeats, heartbeatBytes / 20);
  close(model?.up.heartbeats, (heartbeatBytes + 4) / 20);
});

test('bytes model: chat publishes add their overhead beyond the publish body', () => {
  const chat = fixtureConfig({ workload: 'chat' });
  // 20 publishes of a 50-byte body over 300 delivered messages; a masked frame is 56 B on the wire.
  const model = modelBytesPerMessage('ws', chat, step('ws', { delivered: 300, payloadDown: 300 * 58, payloadUp: 1000, published: 20 }));
  close(model?.up.payload, 1000 / 300);
  close(model?.up.publish, (20 / 300) * 56 - 1000 / 300);
});

test('bytes model: nothing delivered means no per-message model; residual needs a positive model', () => {
  assert.equal(modelBytesPerMessage('ws', fixtureConfig(), step('ws', { delivered: 0, payloadDown: 0 })), null);
  assert.equal(residualPercent(105, 100), 5);
  assert.equal(residualPercent(95, 100), -5);
  assert.equal(residualPercent(1, 0), null);
});

test('bytes model: a cross-origin run\'s preflights are their own part, counted as the window saw them', () => {
  const m = step('longpoll', { delivered: 100, payloadDown: 5800 });
  m.window.preflight = { requests: 100, upBytes: 100 * 500, downBytes: 100 * 340, cacheHits: 0 };
  m.wire.preflightRequestBytes = 500;
  m.wire.preflightResponseBytes = 340;
  const withPreflights = modelBytesPerMessage('longpoll', fixtureConfig(), m);
  const without = modelBytesPerMessage('longpoll', fixtureConfig(), step('longpoll', { delivered: 100, payloadDown: 5800 }));
  close(withPreflights?.up.preflight, 500);
  close(withPreflights?.down.preflight, 340);
  close((withPreflights?.totalBytes ?? 0) - (without?.totalBytes ?? 0), 840);
  close(without?.up.preflight, 0);
});
