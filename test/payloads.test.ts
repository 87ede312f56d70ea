/**
 * The feed's payloads (servers/payloads.ts): `repeat` is the one string of before, byte for byte;
 * the JSON kinds are deterministic per seq, vary from message to message, land near the size, and
 * compress like a feed (far less than the repeated string's ratio would suggest is not the point:
 * that they are not all redundancy is).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { makePayload, payloadFor } from '../servers/payloads.js';
import { createWirebenchServer } from '../servers/server.js';
import { PAYLOADS } from '../servers/contract.js';

test('repeat: the same string for every seq, the one makePayload built (the CI baseline bytes)', () => {
  const repeated = makePayload(64);
  assert.equal(payloadFor('repeat', 64, 1, repeated), repeated);
  assert.equal(payloadFor('repeat', 64, 999, repeated), repeated);
  assert.equal(repeated.length, 64);
});

for (const kind of ['ticks', 'chat'] as const) {
  test(`${kind}: deterministic per seq, different across seqs, within one record of the size`, () => {
    for (const size of [0, 64, 256, 1024, 4096]) {
      const texts = Array.from({ length: 50 }, (_, i) => JSON.stringify(payloadFor(kind, size, i + 1, '')));
      assert.deepEqual(texts, Array.from({ length: 50 }, (_, i) => JSON.stringify(payloadFor(kind, size, i + 1, ''))), 'the same on a second call');
      assert.equal(new Set(texts).size, 50, `${kind} ${size}: every message differs`);
      for (const text of texts) {
        const records = (Object.values(JSON.parse(text) as Record<string, unknown[]>)[0] ?? []).map((r) => JSON.stringify(r).length);
        const largest = Math.max(...records);
        assert.ok(records.length >= 1);
        assert.ok(Math.abs(text.length - size) <= largest + 1 || records.length === 1, `${kind} ${size}: ${text.length} bytes is within one record (${largest}) of the size`);
      }
    }
  });
}

test('ticks and chat compress like varied data, not like one repeated record', () => {
  for (const kind of ['ticks', 'chat'] as const) {
    const text = JSON.stringify(payloadFor(kind, 1024, 7, ''));
    const ratio = gzipSync(text).length / text.length;
    // Keys repeat, values do not: gzip gets ~2-3x on such a record, not the 20x+ of a repeated one.
    assert.ok(ratio > 0.25 && ratio < 0.8, `${kind}: gzip ratio ${ratio.toFixed(2)}`);
  }
});

test('the server publishes the kind asked for; a kind it does not know is refused at construction', async (t) => {
  await assert.rejects(createWirebenchServer({ port: 0, payload: 'xml' as never }), /payload "xml" is not valid: use one of repeat, ticks, chat/);
  await assert.rejects(createWirebenchServer({ port: 0, compression: 'yes' as never }), /compression "yes" is not valid: use one of off, on, no-context-takeover/);
  for (const payload of PAYLOADS) {
    const server = await createWirebenchServer({ port: 0, rate: 200, sizeBytes: 300, payload, heartbeatMs: 0 });
    t.after(() => server.close());
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [first] = server.handOver().messages;
    assert.ok(first !== undefined, `${payload}: a message`);
    const data = (JSON.parse(first.text) as { data: unknown }).data;
    assert.deepEqual(data, payload === 'repeat' ? makePayload(300) : payloadFor(payload, 300, first.seq, ''));
  }
});
