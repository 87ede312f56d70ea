/**
 * The SSE parser against WHATWG HTML §9.2.6 "Interpreting an event stream": hand-picked tricky
 * cases, then a differential test against eventsource-parser on randomly chunked streams.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createParser } from 'eventsource-parser';
import { seededRandom } from '../servers/payloads.js';
import { createSseParser, type SseEvent } from '../load/clients/sse-parser.js';

interface Collected {
  events: SseEvent[];
  comments: string[];
  retries: number[];
}

function collect(): { parser: ReturnType<typeof createSseParser>; out: Collected } {
  const out: Collected = { events: [], comments: [], retries: [] };
  const parser = createSseParser({
    onEvent: (e) => out.events.push(e),
    onComment: (c) => out.comments.push(c),
    onRetry: (r) => out.retries.push(r),
  });
  return { parser, out };
}

function parseAll(chunks: ReadonlyArray<string | Buffer>): Collected {
  const { parser, out } = collect();
  for (const chunk of chunks) parser.feed(chunk);
  return out;
}

const brief = (events: SseEvent[]) => events.map((e) => ({ event: e.event, data: e.data, id: e.id }));

test('sse-parser: LF, CRLF and lone CR line ends give the same events', () => {
  const lf = parseAll(['id: 1\ndata: a\n\nid: 2\ndata: b\n\n']);
  const crlf = parseAll(['id: 1\r\ndata: a\r\n\r\nid: 2\r\ndata: b\r\n\r\n']);
  const cr = parseAll(['id: 1\rdata: a\r\rid: 2\rdata: b\r\r']);
  const expected = [
    { event: undefined, data: 'a', id: '1' },
    { event: undefined, data: 'b', id: '2' },
  ];
  assert.deepEqual(brief(lf.events), expected);
  assert.deepEqual(brief(crlf.events), expected);
  assert.deepEqual(brief(cr.events), expected);
});

test('sse-parser: CR at the end of one chunk and LF at the start of the next is one line end', () => {
  const out = parseAll(['data: a\r', '\n\r', '\ndata: b\r', '\r', '\n']);
  // "data: a" CRLF, blank CRLF -> event a; "data: b" CR, blank CR -> event b; the final LF is a blank line (no data: nothing).
  assert.deepEqual(
    out.events.map((e) => e.data),
    ['a', 'b'],
  );
});

test('sse-parser: a leading BOM is skipped once, as text and as bytes', () => {
  assert.deepEqual(brief(parseAll(['\uFEFFdata: x\n\n']).events), [{ event: undefined, data: 'x', id: undefined }]);
  const bytes = Buffer.from('\uFEFFdata: y\n\n', 'utf8');
  // Split inside the 3-byte BOM.
  assert.deepEqual(parseAll([bytes.subarray(0, 2), bytes.subarray(2)]).events.map((e) => e.data), ['y']);
  // Only at the start of the stream: a BOM later is part of the line (an unknown field here).
  assert.deepEqual(parseAll(['data: 1\n\n', '\uFEFFdata: 2\n\n']).events.map((e) => e.data), ['1']);
});

test('sse-parser: multi-line data, no-colon fields, one space stripped, empty data', () => {
  const out = parseAll([
    'data: line1\ndata:line2\ndata:  two\ndata\n\n', // data with no colon appends an empty line
    'data:\n\n', // one empty data line: dispatched with data ""
    'event: x\n\n', // no data: nothing dispatched, event type reset
    'data: after\n\n',
  ]);
  assert.deepEqual(
    out.events.map((e) => [e.event, e.data]),
    [
      [undefined, 'line1\nline2\n two\n'],
      [undefined, ''],
      [undefined, 'after'],
    ],
  );
});

test('sse-parser: comments, retry digits only, unknown fields ignored', () => {
  const out = parseAll([': heartbeat\n:\n:  two\nretry: 1500\nretry: 15x\nretry:\nretry: -1\nfoo: bar\ndata: d\n\n']);
  assert.deepEqual(out.comments, ['heartbeat', '', ' two']);
  assert.deepEqual(out.retries, [1500]);
  assert.deepEqual(out.events.map((e) => e.data), ['d']);
});

test('sse-parser: id rules — NUL ignored, last event ID survives events without id and reconnects', () => {
  const { parser, out } = collect();
  parser.feed('id: 7\ndata: a\n\n');
  parser.feed('data: b\n\n');
  parser.feed('id: 8\u00009\ndata: c\n\n'); // contains NUL: ignored
  assert.deepEqual(
    out.events.map((e) => [e.data, e.id, e.lastEventId]),
    [
      ['a', '7', '7'],
      ['b', undefined, '7'],
      ['c', undefined, '7'],
    ],
  );
  // An id with no data still updates the last event ID string at the blank line.
  parser.feed('id: 9\n\n');
  assert.equal(parser.lastEventId, '9');
  // The stream drops mid-event: the incomplete event (and its id) is discarded; the ID string stays.
  parser.feed('id: 10\ndata: partial');
  parser.reset();
  assert.equal(parser.lastEventId, '9');
  parser.feed('data: next\n\n');
  assert.deepEqual(out.events.map((e) => e.data), ['a', 'b', 'c', 'next']);
  // `id:` with an empty value resets the last event ID.
  parser.feed('id\ndata: z\n\n');
  assert.equal(parser.lastEventId, '');
});

test('sse-parser: event type is per event; a UTF-8 code point split across chunks decodes', () => {
  const bytes = Buffer.from('event: gap\ndata: {"from":1,"to":3}\n\ndata: h\u00e9llo \u20ac\n\n', 'utf8');
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) pieces.push(bytes.subarray(i, i + 1)); // one byte at a time
  const out = parseAll(pieces);
  assert.deepEqual(
    out.events.map((e) => [e.event, e.data]),
    [
      ['gap', '{"from":1,"to":3}'],
      [undefined, 'h\u00e9llo \u20ac'],
    ],
  );
});

/** A seeded PRNG, so a failing stream can be replayed from its seed. */
const prng = seededRandom;

const LINES = [
  'data: {"seq":1,"ts":2,"data":"abc"}',
  'data:x',
  'data:  spaced',
  'data',
  'data:',
  'id: 42',
  'id:7',
  'id',
  'id: a\u0000b',
  'event: gap',
  'event:',
  'event',
  ': heartbeat',
  ':',
  'retry: 250',
  'retry: 3000',
  'foo: bar',
  'datax: y',
  'data: caf\u00e9 \u20ac',
  '',
  '',
  '',
];
const ENDS = ['\n', '\r\n', '\r'];

function randomStream(random: () => number): string {
  let text = '';
  const lines = 5 + Math.floor(random() * 60);
  for (let i = 0; i < lines; i++) {
    text += LINES[Math.floor(random() * LINES.length)] ?? '';
    text += ENDS[Math.floor(random() * ENDS.length)] ?? '\n';
  }
  // End on LF LF so both parsers have flushed everything (a final lone CR is still pending in
  // eventsource-parser, which waits to see whether an LF follows).
  return text + '\n\n';
}

function splitRandomly<T extends string | Buffer>(whole: T, random: () => number): T[] {
  const pieces: T[] = [];
  let pos = 0;
  while (pos < whole.length) {
    const size = 1 + Math.floor(random() * (random() < 0.5 ? 4 : 40));
    pieces.push(whole.slice(pos, pos + size) as T);
    pos += size;
  }
  return pieces;
}

test('sse-parser: identical to eventsource-parser on 2,000 randomly chunked streams', () => {
  const random = prng(20240917);
  for (let round = 0; round < 2000; round++) {
    const stream = randomStream(random);
    const reference: Collected = { events: [], comments: [], retries: [] };
    const theirs = createParser({
      onEvent: (e) => reference.events.push({ event: e.event, data: e.data, id: e.id, lastEventId: '' }),
      onComment: (c) => reference.comments.push(c),
      onRetry: (r) => reference.retries.push(r),
    });
    for (const piece of splitRandomly(stream, random)) theirs.feed(piece);

    // Ours once with text pieces, once with byte pieces (split anywhere, even inside a code point).
    const asText = parseAll(splitRandomly(stream, random));
    const asBytes = parseAll(splitRandomly(Buffer.from(stream, 'utf8'), random));
    const context = `seed round ${round}: ${JSON.stringify(stream)}`;
    assert.deepEqual(brief(asText.events), brief(reference.events), context);
    assert.deepEqual(brief(asBytes.events), brief(reference.events), context);
    assert.deepEqual(asText.comments, reference.comments, context);
    assert.deepEqual(asText.retries, reference.retries, context);
  }
});

test('midEvent: true from the first byte of an event (or comment line) to its end', () => {
  const parser = createSseParser({ onEvent: () => undefined });
  assert.equal(parser.midEvent, false);
  parser.feed('id: 1\nda');
  assert.equal(parser.midEvent, true, 'a field seen, a line cut');
  parser.feed('ta: x\n');
  assert.equal(parser.midEvent, true, 'data, no blank line yet');
  parser.feed('\n');
  assert.equal(parser.midEvent, false, 'dispatched');
  parser.feed(': heartbe');
  assert.equal(parser.midEvent, true);
  parser.feed('at\n\n');
  assert.equal(parser.midEvent, false);
  parser.feed('data: y');
  parser.reset();
  assert.equal(parser.midEvent, false, 'a new stream starts at a boundary');
});
